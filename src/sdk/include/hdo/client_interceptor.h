// hdo client interceptors: code that runs around what a Client and its workflow handles ask of
// the server, the Go SDK's ClientInterceptor (ClientOutboundInterceptor): starts,
// signal-with-starts, signals, queries, updates, update-with-starts, cancel and terminate
// requests, describes and result waits. Logging, metrics, tracing spans, authorization checks,
// header and argument rewriting go here. Each method gets the call and `next`, the rest of the
// chain ending in the SDK's own request: call it (once) to go on, change a copy of the call first,
// or return without it to answer in its place.
//
// ClientOptions::interceptors run in order, the first outermost (it sees the call first and the
// outcome last). A call's `header` holds what the connection's context propagators wrote; what an
// interceptor adds to it travels in the request's header (the workflow's start header, the
// signal's, the query's, the update's).
//
// Owner: the application; shared by every copy of the Client and its handles (any thread), so
// the methods are const and must be thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hdo/client.h"
#include "hdo/interceptor_chain.h"
#include "hdo/propagation.h"

namespace hdo {

struct StartWorkflowCall {
  std::string workflow_type;
  StartWorkflowOptions options;
  Payloads input;
  HeaderFields header;
};

struct SignalWithStartCall {
  std::string workflow_type;
  StartWorkflowOptions options;
  Payloads input;
  std::string signal_name;
  Payloads signal_input;
  HeaderFields header;
};

// One header for both operations: it becomes the start's header and the update's.
struct UpdateWithStartCall {
  std::string workflow_type;
  StartWorkflowOptions options;
  Payloads input;
  std::string update_name;
  UpdateOptions update_options;
  Payloads update_args;
  HeaderFields header;
};

// The calls on one workflow execution: `run_id` empty means the latest run of `workflow_id`.
struct SignalWorkflowCall {
  std::string workflow_id;
  std::string run_id;
  std::string signal_name;
  Payloads input;
  HeaderFields header;
};

struct QueryWorkflowCall {
  std::string workflow_id;
  std::string run_id;
  std::string query_type;
  Payloads args;
  HeaderFields header;
};

struct UpdateWorkflowCall {
  std::string workflow_id;
  std::string run_id;
  std::string first_execution_run_id;
  std::string update_name;
  UpdateOptions options;
  Payloads args;
  HeaderFields header;
};

struct CancelWorkflowCall {
  std::string workflow_id;
  std::string run_id;
  std::string first_execution_run_id;
  std::string reason;
};

struct TerminateWorkflowCall {
  std::string workflow_id;
  std::string run_id;
  std::string first_execution_run_id;
  std::string reason;
};

struct DescribeWorkflowCall {
  std::string workflow_id;
  std::string run_id;
};

struct GetResultCall {
  std::string workflow_id;
  std::string run_id;
  std::string workflow_type;
  std::chrono::milliseconds timeout{0};  // zero: none
};

class ClientInterceptor {
 public:
  virtual ~ClientInterceptor() = default;

  using StartWorkflowNext =
      std::function<hugo::Result<UntypedWorkflowHandle>(const StartWorkflowCall&)>;
  virtual hugo::Result<UntypedWorkflowHandle> StartWorkflow(const StartWorkflowCall& call,
                                                            const StartWorkflowNext& next) const {
    return next(call);
  }

  using SignalWithStartNext =
      std::function<hugo::Result<UntypedWorkflowHandle>(const SignalWithStartCall&)>;
  virtual hugo::Result<UntypedWorkflowHandle> SignalWithStartWorkflow(
      const SignalWithStartCall& call, const SignalWithStartNext& next) const {
    return next(call);
  }

  using SignalWorkflowNext = std::function<hugo::Result<hugo::Unit>(const SignalWorkflowCall&)>;
  virtual hugo::Result<hugo::Unit> SignalWorkflow(const SignalWorkflowCall& call,
                                                  const SignalWorkflowNext& next) const {
    return next(call);
  }

  using QueryWorkflowNext = std::function<hugo::Result<Payloads>(const QueryWorkflowCall&)>;
  virtual hugo::Result<Payloads> QueryWorkflow(const QueryWorkflowCall& call,
                                               const QueryWorkflowNext& next) const {
    return next(call);
  }

  // An update sent until it reaches call.options.wait_for_stage (Update waits for kCompleted):
  // the handle holds the outcome once known (a rejection too), or polls for it.
  using UpdateWorkflowNext =
      std::function<hugo::Result<UntypedUpdateHandle>(const UpdateWorkflowCall&)>;
  virtual hugo::Result<UntypedUpdateHandle> UpdateWorkflow(const UpdateWorkflowCall& call,
                                                           const UpdateWorkflowNext& next) const {
    return next(call);
  }

  // An update-with-start sent until the update reaches call.update_options.wait_for_stage.
  using UpdateWithStartNext =
      std::function<hugo::Result<UntypedUpdateWithStart>(const UpdateWithStartCall&)>;
  virtual hugo::Result<UntypedUpdateWithStart> UpdateWithStartWorkflow(
      const UpdateWithStartCall& call, const UpdateWithStartNext& next) const {
    return next(call);
  }

  using CancelWorkflowNext = std::function<hugo::Result<hugo::Unit>(const CancelWorkflowCall&)>;
  virtual hugo::Result<hugo::Unit> CancelWorkflow(const CancelWorkflowCall& call,
                                                  const CancelWorkflowNext& next) const {
    return next(call);
  }

  using TerminateWorkflowNext =
      std::function<hugo::Result<hugo::Unit>(const TerminateWorkflowCall&)>;
  virtual hugo::Result<hugo::Unit> TerminateWorkflow(const TerminateWorkflowCall& call,
                                                     const TerminateWorkflowNext& next) const {
    return next(call);
  }

  using DescribeWorkflowNext = std::function<
      hugo::Result<temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse>(
          const DescribeWorkflowCall&)>;
  virtual hugo::Result<temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse>
  DescribeWorkflow(const DescribeWorkflowCall& call, const DescribeWorkflowNext& next) const {
    return next(call);
  }

  // Waiting for a workflow's result (following continue-as-new, retries and cron runs).
  using GetResultNext = std::function<hugo::Result<Payloads>(const GetResultCall&)>;
  virtual hugo::Result<Payloads> GetWorkflowResult(const GetResultCall& call,
                                                   const GetResultNext& next) const {
    return next(call);
  }
};

}  // namespace hdo
