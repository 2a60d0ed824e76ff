// grpc.health.v1.Health (Check and Watch) on the completion-queue API, in place of gRPC's default
// health service, which runs on the callback API and so would start its threads (ADR 0017).
//
// As the reference's (grpc-go's health server): a status per service name, "" being the server
// as a whole; Check of an unknown name is NOT_FOUND "unknown service"; Watch sends the current
// status at once (SERVICE_UNKNOWN for an unknown name) and each change after it. Shutdown sets
// every status NOT_SERVING, sends it to the watches and ends them, so that they do not hold the
// server's shutdown for its grace period.
//
// Owned by the server; register service() before the server starts, then Serve once it has.
// SetServing and Shutdown may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "frontend/async_unary.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace hdo::frontend {

class HealthService final {
 public:
  HealthService();

  grpc::Service* service() { return &service_; }
  // Arms Check and Watch calls on `queue`, whose threads run RunCompletionQueue.
  void Serve(grpc::ServerCompletionQueue* queue);
  // Service `name` ("" = the server) is serving or not; its watches are sent the change. After
  // Shutdown, nothing changes any more.
  void SetServing(const std::string& name, bool serving);
  // Every service NOT_SERVING, sent to the watches, which then end; new watches end at once.
  void Shutdown();

 private:
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;
  class Watch;
  friend class Watch;

  // The status of `name` as a watch sees it (SERVICE_UNKNOWN for an unknown name). Under mutex_.
  Status WatchedStatus(const std::string& name) const;

  CompletionQueueService<grpc::health::v1::Health::Service> service_;
  std::shared_ptr<void> check_;  // the Check method (ServeUnary)
  std::mutex mutex_;
  std::map<std::string, Status> statuses_;  // under mutex_
  std::set<Watch*> watches_;                // under mutex_: the calls in progress
  bool shut_down_ = false;                  // under mutex_
};

}  // namespace hdo::frontend
