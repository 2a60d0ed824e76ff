#include "frontend/unimplemented_service.h"

#include <string>

#include "common/log.h"
#include "frontend/async_unary.h"

namespace hdo::frontend {
namespace {

// One call of an unknown method: armed, answered on arrival (the next one armed first), deleted
// when the answer has gone.
class UnimplementedCall final {
 public:
  static void Arm(grpc::AsyncGenericService* service, grpc::ServerCompletionQueue* queue) {
    auto* call = new UnimplementedCall(service, queue);
    service->RequestCall(&call->context_, &call->stream_, queue, queue, &call->arrived_);
  }

 private:
  UnimplementedCall(grpc::AsyncGenericService* service, grpc::ServerCompletionQueue* queue)
      : service_(service), queue_(queue) {}

  void Arrived(bool ok) {
    // Not ok: the server is shutting down and this call never started.
    if (!ok) {
      delete this;
      return;
    }
    Arm(service_, queue_);
    const std::string& method = context_.method();
    log::Debug("unimplemented method called", {{"method", method}});
    // A full method path is "/package.Service/Method"; the message names the method alone.
    std::string name = method.substr(method.rfind('/') + 1);
    stream_.Finish(
        grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "method " + name + " not implemented"),
        &finished_);
  }
  void Finished(bool /*ok*/) { delete this; }

  grpc::AsyncGenericService* service_;
  grpc::ServerCompletionQueue* queue_;
  grpc::GenericServerContext context_;
  grpc::GenericServerAsyncReaderWriter stream_{&context_};
  StepTag<UnimplementedCall> arrived_{this, &UnimplementedCall::Arrived};
  StepTag<UnimplementedCall> finished_{this, &UnimplementedCall::Finished};
};

}  // namespace

void UnimplementedService::Serve(grpc::ServerCompletionQueue* queue) {
  // Rare calls: two waiting is plenty (gRPC holds the calls that arrive meanwhile).
  for (int i = 0; i < 2; ++i) UnimplementedCall::Arm(&service_, queue);
}

}  // namespace hdo::frontend
