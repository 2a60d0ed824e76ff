#include "frontend/health_service.h"

#include <cstdlib>
#include <optional>
#include <utility>

namespace hdo::frontend {

namespace health = grpc::health::v1;

namespace {

const google::protobuf::ServiceDescriptor& HealthDescriptor() {
  // A message's descriptor() builds its file's descriptors, the service's included.
  static const google::protobuf::ServiceDescriptor* descriptor =
      health::HealthCheckRequest::descriptor()->file()->FindServiceByName("Health");
  if (descriptor == nullptr) std::abort();
  return *descriptor;
}

}  // namespace

// One Watch call: armed, then registered with the service until the client goes away or the
// service shuts down. One write is in flight at a time; a change during a write is sent after it.
// Deleted when gRPC has returned every tag it holds (the done notice and the writes and finish).
class HealthService::Watch final {
 public:
  static void Arm(HealthService* health, grpc::ServerCompletionQueue* queue) {
    auto* watch = new Watch(health, queue);
    static const int index = HealthDescriptor().FindMethodByName("Watch")->index();
    health->service_.RequestAsyncServerStreaming(index, &watch->context_, &watch->request_,
                                                 &watch->writer_, queue, queue, &watch->arrived_);
  }

  // Under the service's mutex: sends the current status unless it was sent, or ends the call
  // once the service has shut down and its last status was sent.
  void Update() {
    if (writing_ || finished_sent_ || gone_) return;
    Status status = health_->WatchedStatus(request_.service());
    if (!sent_.has_value() || *sent_ != status) {
      sent_ = status;
      response_.set_status(status);
      writing_ = true;
      ++refs_;
      writer_.Write(response_, &written_);
      return;
    }
    if (health_->shut_down_) {
      finished_sent_ = true;
      ++refs_;
      writer_.Finish(grpc::Status::OK, &finished_);
    }
  }

 private:
  using Tag = StepTag<Watch>;
  Watch(HealthService* health, grpc::ServerCompletionQueue* queue)
      : health_(health), queue_(queue) {
    // Before the call starts (gRPC's rule); gRPC returns this tag only for a call that started.
    context_.AsyncNotifyWhenDone(&done_);
  }

  void Arrived(bool ok) {
    // Not ok: the server is shutting down and this call never started.
    if (!ok) {
      delete this;
      return;
    }
    Arm(health_, queue_);
    std::lock_guard lock(health_->mutex_);
    health_->watches_.insert(this);
    Update();
  }
  void Written(bool ok) {
    std::unique_lock lock(health_->mutex_);
    writing_ = false;
    if (ok) Update();
    Release(lock);
  }
  void Finished(bool /*ok*/) {
    std::unique_lock lock(health_->mutex_);
    Release(lock);
  }
  void Done(bool /*ok*/) {
    std::unique_lock lock(health_->mutex_);
    gone_ = true;
    health_->watches_.erase(this);
    Release(lock);
  }
  void Release(std::unique_lock<std::mutex>& lock) {
    if (--refs_ != 0) return;
    lock.unlock();
    delete this;
  }

  HealthService* health_;
  grpc::ServerCompletionQueue* queue_;
  grpc::ServerContext context_;
  health::HealthCheckRequest request_;
  health::HealthCheckResponse response_;
  grpc::ServerAsyncWriter<health::HealthCheckResponse> writer_{&context_};
  // Under the service's mutex once the call arrived.
  std::optional<Status> sent_;
  bool writing_ = false;
  bool finished_sent_ = false;
  bool gone_ = false;
  int refs_ = 1;  // the done notice, returned once the call started
  Tag arrived_{this, &Watch::Arrived};
  Tag written_{this, &Watch::Written};
  Tag finished_{this, &Watch::Finished};
  Tag done_{this, &Watch::Done};
};

HealthService::HealthService() : service_(HealthDescriptor(), {"Check", "Watch"}) {
  statuses_[""] = health::HealthCheckResponse::NOT_SERVING;
}

void HealthService::Serve(grpc::ServerCompletionQueue* queue) {
  check_ = ServeUnary<health::HealthCheckRequest, health::HealthCheckResponse>(
      &service_, HealthDescriptor(), "Check", queue, 2,
      [this](AsyncUnary<health::HealthCheckRequest, health::HealthCheckResponse>* call) {
        std::unique_lock lock(mutex_);
        auto found = statuses_.find(call->request()->service());
        if (found == statuses_.end()) {
          lock.unlock();
          call->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
          return;
        }
        call->response()->set_status(found->second);
        lock.unlock();
        call->Finish(grpc::Status::OK);
      },
      {}, nullptr);
  for (int i = 0; i < 2; ++i) Watch::Arm(this, queue);
}

void HealthService::SetServing(const std::string& name, bool serving) {
  std::lock_guard lock(mutex_);
  if (shut_down_) return;
  statuses_[name] =
      serving ? health::HealthCheckResponse::SERVING : health::HealthCheckResponse::NOT_SERVING;
  for (Watch* watch : watches_) watch->Update();
}

void HealthService::Shutdown() {
  std::lock_guard lock(mutex_);
  shut_down_ = true;
  for (auto& [name, status] : statuses_) status = health::HealthCheckResponse::NOT_SERVING;
  for (Watch* watch : watches_) watch->Update();
}

HealthService::Status HealthService::WatchedStatus(const std::string& name) const {
  auto found = statuses_.find(name);
  return found == statuses_.end() ? health::HealthCheckResponse::SERVICE_UNKNOWN : found->second;
}

}  // namespace hdo::frontend
