// gRPC's completion-queue API for every call hdo serves (docs/adr/0017): unary calls
// (AsyncUnary), the generated services with all their methods on it (CompletionQueueService), and
// the tag type that the queue's threads run (CompletionTag).
//
// gRPC 1.51 runs a callback method's code on an executor thread that the polling thread hands each
// event to, and as long as one callback method (or callback generic service, or its default
// health service) is registered it also starts "nexting" threads that poll the same connections:
// a completion queue whose own threads poll and run the code saves those hand-offs. hdo-bench-rpc
// measured 34 against 20 µs of server CPU per call at 200 calls in flight (docs/performance.md,
// session 33); with no callback method left, the server's CPU per workflow fell another 5-7 %
// (session 34).
//
// A unary call's life: armed (calls of each method always wait for the next requests), arrived
// (the next one is armed and the method's serve runs, on a completion-queue thread), finished by
// Finish from any thread (the engine thread, after the commit), and deleted once gRPC has
// returned every tag it holds (the finish, and for a waiting call the notice that the call is
// done, which says whether the client went away).
//
// Thread-safety: Finish may be called from any thread, once. Everything else runs on the
// completion queue's threads.
#pragma once

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>

#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

namespace hdo::frontend {

// What a completion queue's thread does with a tag it took: every tag hdo puts on the queue is one.
class CompletionTag {
 public:
  virtual void Proceed(bool ok) = 0;

 protected:
  ~CompletionTag() = default;
};

// A tag that runs one step of an object: `(object->*step)(ok)`.
template <class T>
class StepTag final : public CompletionTag {
 public:
  StepTag(T* object, void (T::*step)(bool)) : object_(object), step_(step) {}
  void Proceed(bool ok) override { (object_->*step_)(ok); }

 private:
  T* object_;
  void (T::*step_)(bool);
};

// A generated service (its synchronous `Service` class, which declares every method) with the
// methods named in `served` on the completion-queue API and every other one left to the server's
// generic service (UnimplementedService). No method stays on the synchronous or callback API,
// each of which would start gRPC threads of its own.
template <class GeneratedService>
class CompletionQueueService final : public GeneratedService {
 public:
  CompletionQueueService(const google::protobuf::ServiceDescriptor& descriptor,
                         const std::set<std::string>& served) {
    for (int i = 0; i < descriptor.method_count(); ++i) {
      if (served.count(descriptor.method(i)->name()) != 0) {
        this->MarkMethodAsync(i);
      } else {
        this->MarkMethodGeneric(i);
      }
    }
  }
  using grpc::Service::RequestAsyncServerStreaming;
  using grpc::Service::RequestAsyncUnary;
};

// The wait of a waiting AsyncUnary call (a long poll, a result wait, a query, an update): the
// engine's id for it, and whether the client went away.
class WaitState {
 public:
  // On the engine thread, once the call waits.
  void SetWaitId(uint64_t id) { state_->id = id; }
  // Set the moment the client goes away: matching skips such a poll at once, even while the
  // cancel still queues for the engine thread behind other requests.
  std::shared_ptr<const std::atomic<bool>> Gone() const {
    return std::shared_ptr<const std::atomic<bool>>(state_, &state_->gone);
  }
  // The client went away: marks the wait gone and posts `cancel(id)` to the engine thread. The
  // request's job was posted before this, so the cancel's job (posted after it) reads the id.
  void Cancel(const std::function<void(uint64_t)>& cancel, asio::thread_pool* engine_thread) {
    state_->gone.store(true);
    asio::post(*engine_thread, [cancel, state = state_] {
      if (state->id != 0) cancel(state->id);
    });
  }

 private:
  struct State {
    uint64_t id = 0;  // engine thread only
    std::atomic<bool> gone{false};
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

template <class Request, class Response>
class AsyncUnary final {
 public:
  // One method of the service: how to ask gRPC for its next call, and what to do with one.
  struct Method {
    std::function<void(grpc::ServerContext*, Request*, grpc::ServerAsyncResponseWriter<Response>*,
                       grpc::ServerCompletionQueue*, void*)>
        request;
    std::function<void(AsyncUnary*)> serve;
    // For a call that waits (a long poll): ends the engine's wait when the client goes away.
    std::function<void(uint64_t)> cancel;
    asio::thread_pool* engine_thread = nullptr;
  };

  // Arms one call of `method` on `queue` (the method and the queue outlive every call).
  static void Arm(const Method* method, grpc::ServerCompletionQueue* queue) {
    new AsyncUnary(method, queue);
  }

  grpc::ServerContext* context() { return &context_; }
  const Request* request() const { return &request_; }
  Response* response() { return &response_; }
  std::chrono::system_clock::time_point deadline() const { return context_.deadline(); }

  // Any thread, once: the response (when `status` is OK) or the error.
  void Finish(const grpc::Status& status) {
    if (status.ok()) {
      writer_.Finish(response_, status, &finished_);
    } else {
      writer_.FinishWithError(status, &finished_);
    }
  }

  // A waiting call's (Method::cancel set) wait.
  void SetWaitId(uint64_t id) { wait_->SetWaitId(id); }
  std::shared_ptr<const std::atomic<bool>> Gone() const { return wait_->Gone(); }

 private:
  AsyncUnary(const Method* method, grpc::ServerCompletionQueue* queue)
      : method_(method), queue_(queue), writer_(&context_), refs_(method->cancel ? 2 : 1) {
    // Before the call starts (gRPC's rule); gRPC returns this tag only for a call that started.
    if (method_->cancel) {
      wait_.emplace();
      context_.AsyncNotifyWhenDone(&done_);
    }
    method_->request(&context_, &request_, &writer_, queue_, &arrived_);
  }

  void Arrived(bool ok) {
    // Not ok: the server is shutting down and this call never started.
    if (!ok) {
      delete this;
      return;
    }
    Arm(method_, queue_);
    method_->serve(this);
  }
  void Finished(bool /*ok*/) { Release(); }
  void Done(bool /*ok*/) {
    if (context_.IsCancelled()) wait_->Cancel(method_->cancel, method_->engine_thread);
    Release();
  }
  void Release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  const Method* method_;
  grpc::ServerCompletionQueue* queue_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> writer_;
  std::optional<WaitState> wait_;  // a waiting call's
  std::atomic<int> refs_;          // tags gRPC still holds once the call started
  StepTag<AsyncUnary> arrived_{this, &AsyncUnary::Arrived};
  StepTag<AsyncUnary> finished_{this, &AsyncUnary::Finished};
  StepTag<AsyncUnary> done_{this, &AsyncUnary::Done};
};

// Serves the unary method `name` of `service` (described by `descriptor`) on `queue`: `armed`
// calls wait for requests, each request is served by `serve(call)`, and for a waiting method
// `cancel(wait id)` runs on `engine_thread` when a client goes away. Returns the method, which must
// outlive its calls (until the queue is drained). A name or message type that does not match the
// descriptor is a bug of the caller: it aborts at start.
template <class Request, class Response, class Service>
std::shared_ptr<void> ServeUnary(Service* service,
                                 const google::protobuf::ServiceDescriptor& descriptor,
                                 const std::string& name, grpc::ServerCompletionQueue* queue,
                                 int armed,
                                 std::function<void(AsyncUnary<Request, Response>*)> serve,
                                 std::function<void(uint64_t)> cancel,
                                 asio::thread_pool* engine_thread) {
  using Call = AsyncUnary<Request, Response>;
  const google::protobuf::MethodDescriptor* found = descriptor.FindMethodByName(name);
  if (found == nullptr || found->input_type() != Request::descriptor() ||
      found->output_type() != Response::descriptor()) {
    std::fprintf(stderr, "hdo: internal error: %s.%s is not served with its message types\n",
                 descriptor.full_name().c_str(), name.c_str());
    std::abort();
  }
  const int index = found->index();
  auto method = std::make_shared<typename Call::Method>();
  method->request = [service, index](grpc::ServerContext* context, Request* request,
                                     grpc::ServerAsyncResponseWriter<Response>* writer,
                                     grpc::ServerCompletionQueue* call_queue, void* tag) {
    service->RequestAsyncUnary(index, context, request, writer, call_queue, call_queue, tag);
  };
  method->serve = std::move(serve);
  method->cancel = std::move(cancel);
  method->engine_thread = engine_thread;
  for (int i = 0; i < armed; ++i) Call::Arm(method.get(), queue);
  return method;
}

// A completion-queue thread: takes and runs the queue's tags (all CompletionTags) until it is shut
// down and drained.
void RunCompletionQueue(grpc::ServerCompletionQueue* queue);

// Names a thread that runs RunCompletionQueue "hdo-grpc-cq" (in /proc, top and gdb), from the
// thread that started it.
void NameCompletionQueueThread(std::thread& thread);

}  // namespace hdo::frontend
