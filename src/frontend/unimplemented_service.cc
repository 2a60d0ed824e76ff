#include "frontend/unimplemented_service.h"

#include <string>

#include "common/log.h"

namespace hdo::frontend {
namespace {

class UnimplementedReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit UnimplementedReactor(const std::string& method) {
    // A full method path is "/package.Service/Method"; the message names the method alone.
    std::string name = method.substr(method.rfind('/') + 1);
    Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "method " + name + " not implemented"));
  }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerGenericBidiReactor* UnimplementedService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  log::Debug("unimplemented method called", {{"method", context->method()}});
  return new UnimplementedReactor(context->method());
}

}  // namespace hdo::frontend
