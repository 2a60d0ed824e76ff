// The worker heartbeat RPCs of WorkflowHandler (RecordWorkerHeartbeat, ListWorkers,
// CountWorkers, DescribeWorker): the heartbeats an SDK sends (every minute by default, when the
// namespace reports the worker_heartbeats capability) kept per namespace in memory
// (matching/worker_registry.h), listed through the worker filter (visibility/worker_filter.h).
#include "frontend/validation.h"
#include "frontend/workflow_handler.h"
#include "frontend/workflow_handler_calls.h"
#include "visibility/worker_filter.h"

namespace hdo::frontend {

namespace wf = temporal::api::workflowservice::v1;
namespace worker_pb = temporal::api::worker::v1;

namespace {

worker_pb::WorkerListInfo ListInfoOf(const worker_pb::WorkerHeartbeat& heartbeat) {
  worker_pb::WorkerListInfo info;
  info.set_worker_instance_key(heartbeat.worker_instance_key());
  info.set_worker_identity(heartbeat.worker_identity());
  info.set_task_queue(heartbeat.task_queue());
  if (heartbeat.has_deployment_version()) {
    *info.mutable_deployment_version() = heartbeat.deployment_version();
  }
  info.set_sdk_name(heartbeat.sdk_name());
  info.set_sdk_version(heartbeat.sdk_version());
  info.set_status(heartbeat.status());
  if (heartbeat.has_start_time()) *info.mutable_start_time() = heartbeat.start_time();
  info.set_host_name(heartbeat.host_info().host_name());
  info.set_worker_grouping_key(heartbeat.host_info().worker_grouping_key());
  info.set_process_id(heartbeat.host_info().process_id());
  return info;
}

}  // namespace

void WorkflowHandler::RecordWorkerHeartbeat(
    Call<wf::RecordWorkerHeartbeatRequest, wf::RecordWorkerHeartbeatResponse>* call,
    const wf::RecordWorkerHeartbeatRequest* request, wf::RecordWorkerHeartbeatResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RecordWorkerHeartbeatRequest& r) -> hugo::Result<hugo::Unit> {
        auto named = ValidateNamespaceName(r.namespace_());
        if (named.IsFailure()) return named;
        for (const auto& heartbeat : r.worker_heartbeat()) {
          if (heartbeat.worker_instance_key().empty()) {
            return InvalidArgument("WorkerInstanceKey is not set on a worker heartbeat.");
          }
        }
        return hugo::Ok();
      },
      [this, request](
          const std::string& namespace_id) -> hugo::Result<wf::RecordWorkerHeartbeatResponse> {
        workers_.Record(namespace_id,
                        {request->worker_heartbeat().begin(), request->worker_heartbeat().end()});
        return hugo::Ok(wf::RecordWorkerHeartbeatResponse());
      });
}

// Pages follow worker_instance_key order; the token is the last key of the page before. A
// page size of 0 lists every match (the reference pages nothing).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void WorkflowHandler::ListWorkers(Call<wf::ListWorkersRequest, wf::ListWorkersResponse>* call,
                                  const wf::ListWorkersRequest* request,
                                  wf::ListWorkersResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListWorkersRequest& r) -> hugo::Result<hugo::Unit> {
        auto named = ValidateNamespaceName(r.namespace_());
        if (named.IsFailure()) return named;
        if (r.page_size() < 0) return InvalidArgument("PageSize must not be negative.");
        return hugo::Ok();
      },
      [this, request](const std::string& namespace_id) -> hugo::Result<wf::ListWorkersResponse> {
        auto filter = visibility::WorkerFilter::Compile(request->query());
        if (filter.IsFailure()) return filter.Error();
        const size_t page = static_cast<size_t>(request->page_size());
        // One more than the page: whether another page follows.
        auto found = workers_.List(
            namespace_id,
            [&filter](const worker_pb::WorkerHeartbeat& heartbeat) {
              return filter.Value().Matches(heartbeat);
            },
            request->next_page_token(), page == 0 ? 0 : page + 1);
        wf::ListWorkersResponse listed;
        if (page != 0 && found.size() > page) {
          found.pop_back();
          listed.set_next_page_token(found.back().worker_instance_key());
        }
        for (auto& heartbeat : found) {
          *listed.add_workers() = ListInfoOf(heartbeat);
          *listed.add_workers_info()->mutable_worker_heartbeat() = std::move(heartbeat);
        }
        return hugo::Ok(std::move(listed));
      });
}
#pragma GCC diagnostic pop

void WorkflowHandler::CountWorkers(Call<wf::CountWorkersRequest, wf::CountWorkersResponse>* call,
                                   const wf::CountWorkersRequest* request,
                                   wf::CountWorkersResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::CountWorkersRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) -> hugo::Result<wf::CountWorkersResponse> {
        auto filter = visibility::WorkerFilter::Compile(request->query());
        if (filter.IsFailure()) return filter.Error();
        int64_t count = 0;
        workers_.List(namespace_id, [&](const worker_pb::WorkerHeartbeat& heartbeat) {
          if (filter.Value().Matches(heartbeat)) ++count;
          return false;  // counted, not copied
        });
        wf::CountWorkersResponse counted;
        counted.set_count(count);
        return hugo::Ok(std::move(counted));
      });
}

void WorkflowHandler::DescribeWorker(
    Call<wf::DescribeWorkerRequest, wf::DescribeWorkerResponse>* call,
    const wf::DescribeWorkerRequest* request, wf::DescribeWorkerResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::DescribeWorkerRequest& r) -> hugo::Result<hugo::Unit> {
        auto named = ValidateNamespaceName(r.namespace_());
        if (named.IsFailure()) return named;
        if (r.worker_instance_key().empty()) {
          return InvalidArgument("WorkerInstanceKey is not set on request.");
        }
        return hugo::Ok();
      },
      [this, request](const std::string& namespace_id) -> hugo::Result<wf::DescribeWorkerResponse> {
        auto found = workers_.Find(namespace_id, request->worker_instance_key());
        if (!found.has_value()) {
          return hugo::Error::From("Worker " + request->worker_instance_key() + " not found",
                                   errors::kNotFound);
        }
        wf::DescribeWorkerResponse described;
        *described.mutable_worker_info()->mutable_worker_heartbeat() = std::move(*found);
        return hugo::Ok(std::move(described));
      });
}

}  // namespace hdo::frontend
