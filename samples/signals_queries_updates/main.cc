// signals_queries_updates: a workflow that keeps a running total and talks to its clients three
// ways:
//   signal "add" (int)            fire-and-forget; the workflow receives it on a signal channel
//   query  "total" -> int         read-only, answered from the workflow's state, no history event
//   update "add_checked" (int)    request/response: a validator first (rejects amounts <= 0
//          -> int                 without a trace in history), then the handler, whose result the
//                                 client waits for
//   signal "finish"               ends the workflow; its result is the total
//
//   ./sample_signals_queries_updates --address 127.0.0.1:7233
//   signal add 5, add 7
//   update add_checked(-1): rejected (amount must be positive, got -1)
//   update add_checked(30): 42
//   query total: 42
//   result: 42
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "hdo/client.h"
#include "hdo/worker.h"
#include "sample_args.h"

namespace {

// The update's handler: a coroutine (it could run activities); `total` is the workflow's state.
hdo::Workflow<int> AddChecked(hdo::WorkflowContext, std::shared_ptr<int> total, int amount) {
  *total += amount;
  co_return *total;
}

hugo::Result<hugo::Unit> ValidateAmount(int amount) {
  if (amount <= 0) {
    return hugo::Error::From("amount must be positive, got " + std::to_string(amount),
                             std::string(hugo::ErrorCodes::kValidation));
  }
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

hdo::Workflow<int> Counter(hdo::WorkflowContext ctx) {
  auto total = std::make_shared<int>(0);
  // Handlers are plain (non-coroutine) lambdas; they may capture. The update handler returns a
  // call of the coroutine AddChecked, which takes what it needs by value.
  (void)ctx.SetQueryHandler("total", [total] { return *total; });
  (void)ctx.SetUpdateHandler(
      "add_checked",
      [total](hdo::WorkflowContext update_ctx, int amount) {
        return AddChecked(update_ctx, total, amount);
      },
      &ValidateAmount);

  hdo::SignalChannel<int> add = ctx.GetSignalChannel<int>("add");
  hdo::SignalChannel<hugo::Unit> finish = ctx.GetSignalChannel<hugo::Unit>("finish");
  bool finished = false;
  while (!finished) {
    hdo::Selector selector(ctx);
    selector.AddReceive(add, [total](hugo::Result<int> amount) {
      if (amount.IsSuccess()) *total += amount.Value();
    });
    selector.AddReceive(finish, [&finished](hugo::Result<hugo::Unit>) { finished = true; });
    hugo::Result<hugo::Unit> selected = co_await selector.Select();
    if (selected.IsFailure()) co_return selected.Error();
  }
  // Updates accepted before "finish" have completed: their handlers run to the end in the same
  // workflow task as they were accepted here (they do not wait on anything).
  co_return *total;
}

}  // namespace

int main(int argc, char** argv) {
  samples::Args args;
  if (auto exit = samples::ParseArgs(
          argc, argv, "signals_queries_updates: a workflow with a signal, a query and an update",
          args)) {
    return *exit;
  }
  hdo::ConnectionOptions connection_options;
  connection_options.address = args.address;
  auto connection = hdo::Connection::Connect(connection_options);
  if (connection.IsFailure()) {
    std::fprintf(stderr, "cannot connect: %s\n", connection.Error().ToString().c_str());
    return 1;
  }
  hdo::WorkerOptions worker_options;
  worker_options.task_queue = samples::Unique("counter");
  hdo::Worker worker(connection.Value(), "default", worker_options);
  worker.RegisterWorkflow("Counter", &Counter);
  if (auto started = worker.Start(); started.IsFailure()) {
    std::fprintf(stderr, "worker: %s\n", started.Error().ToString().c_str());
    return 1;
  }

  hdo::Client client(connection.Value());
  hdo::StartWorkflowOptions options;
  options.id = samples::Unique("counter-workflow");
  options.task_queue = worker_options.task_queue;
  options.execution_timeout = std::chrono::minutes(1);
  auto started = client.StartWorkflow<int>("Counter", options);
  if (started.IsFailure()) {
    std::fprintf(stderr, "start: %s\n", started.Error().ToString().c_str());
    return 1;
  }
  const hdo::WorkflowHandle<int>& counter = started.Value();
  int exit_code = 0;
  auto check = [&exit_code](const hugo::Result<hugo::Unit>& sent, const char* what) {
    if (sent.IsFailure()) {
      std::fprintf(stderr, "%s: %s\n", what, sent.Error().ToString().c_str());
      exit_code = 1;
    }
  };

  check(counter.Signal("add", 5), "signal add");
  check(counter.Signal("add", 7), "signal add");
  std::printf("signal add 5, add 7\n");

  auto rejected = counter.Update<int>("add_checked", -1);
  if (rejected.IsFailure()) {
    std::printf("update add_checked(-1): rejected (%s)\n",
                samples::RootMessage(rejected.Error()).c_str());
  } else {
    std::printf("update add_checked(-1): unexpectedly accepted: %d\n", rejected.Value());
    exit_code = 1;
  }
  auto updated = counter.Update<int>("add_checked", 30);
  if (updated.IsSuccess()) {
    std::printf("update add_checked(30): %d\n", updated.Value());
  } else {
    std::fprintf(stderr, "update: %s\n", updated.Error().ToString().c_str());
    exit_code = 1;
  }
  auto total = counter.Query<int>("total");
  if (total.IsSuccess()) {
    std::printf("query total: %d\n", total.Value());
  } else {
    std::fprintf(stderr, "query: %s\n", total.Error().ToString().c_str());
    exit_code = 1;
  }

  check(counter.Signal("finish"), "signal finish");
  auto result = counter.GetResult();
  worker.Shutdown();
  if (result.IsFailure()) {
    std::fprintf(stderr, "workflow failed: %s\n", result.Error().ToString().c_str());
    return 1;
  }
  std::printf("result: %d\n", result.Value());
  return exit_code;
}
