// child_fanout: a parent workflow starts N child workflows at once with an hdo::ErrGroup and
// gathers their results. Each branch of the group runs one child; the first child that fails
// cancels the group's context, which cancels the other children, and the group's Wait returns
// that failure (libhugo's ErrGroup semantics).
//
//   ./sample_child_fanout --address 127.0.0.1:7233
//   squares of 1..5: 1 4 9 16 25
//   sum: 55
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "hdo/client.h"
#include "hdo/worker.h"
#include "hdo/workflow_sync.h"
#include "sample_args.h"

namespace {

// The child workflow.
hdo::Workflow<int> Square(hdo::WorkflowContext, int x) { co_return x* x; }

// One branch of the parent's group: runs child `x` and stores its result at `index`. The branch
// runs with the group's context, so the child is canceled when another branch fails.
hdo::Workflow<hugo::Unit> RunChild(hdo::WorkflowContext ctx, int x,
                                   std::shared_ptr<std::vector<int>> results, size_t index) {
  hdo::ChildWorkflowOptions options;
  options.workflow_id = ctx.Info().workflow_id + "-square-" + std::to_string(x);
  hdo::ChildWorkflowFuture<int> child = ctx.ExecuteChildWorkflow<int>("Square", options, x);
  hugo::Result<int> squared = co_await child.result;
  if (squared.IsFailure()) co_return squared.Error();
  (*results)[index] = squared.Value();
  co_return hugo::Unit{};
}

hdo::Workflow<std::vector<int>> SquareAll(hdo::WorkflowContext ctx, int n) {
  auto results = std::make_shared<std::vector<int>>(static_cast<size_t>(n));
  hdo::ErrGroup group(ctx);
  for (int i = 0; i < n; ++i) group.Go(&RunChild, i + 1, results, static_cast<size_t>(i));
  hugo::Result<hugo::Unit> all = co_await group.Wait();
  if (all.IsFailure()) co_return all.Error();
  co_return *results;
}

}  // namespace

int main(int argc, char** argv) {
  samples::Args args;
  if (auto exit = samples::ParseArgs(
          argc, argv, "child_fanout: a parent starting child workflows with hdo::ErrGroup", args)) {
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
  worker_options.task_queue = samples::Unique("fanout");
  hdo::Worker worker(connection.Value(), "default", worker_options);
  worker.RegisterWorkflow("SquareAll", &SquareAll);
  worker.RegisterWorkflow("Square", &Square);
  if (auto started = worker.Start(); started.IsFailure()) {
    std::fprintf(stderr, "worker: %s\n", started.Error().ToString().c_str());
    return 1;
  }

  hdo::Client client(connection.Value());
  hdo::StartWorkflowOptions options;
  options.id = samples::Unique("fanout-workflow");
  options.task_queue = worker_options.task_queue;
  options.execution_timeout = std::chrono::minutes(1);
  const int n = 5;
  auto squares = client.ExecuteWorkflow<std::vector<int>>("SquareAll", options, n);
  worker.Shutdown();
  if (squares.IsFailure()) {
    std::fprintf(stderr, "workflow failed: %s\n", squares.Error().ToString().c_str());
    return 1;
  }
  std::string text;
  int sum = 0;
  for (int square : squares.Value()) {
    text += " " + std::to_string(square);
    sum += square;
  }
  std::printf("squares of 1..%d:%s\nsum: %d\n", n, text.c_str(), sum);
  return 0;
}
