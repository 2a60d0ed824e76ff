// Regression: an update rejected by its validator leaves no trace in history (the server discards
// its speculative workflow task), so the next update's sticky task starts at event ids the cached
// run already applied. The worker rebuilt the run from the persisted history but dropped the
// task's unpersisted tail, never saw the new update, and the server failed it as unprocessed.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hdo/client.h"
#include "hdo/worker.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using namespace std::chrono_literals;

Workflow<int> AddOne(WorkflowContext, std::shared_ptr<int> total, int amount) {
  *total += amount;
  co_return *total;
}

Workflow<int> Counter(WorkflowContext ctx) {
  auto total = std::make_shared<int>(0);
  (void)ctx.SetUpdateHandler(
      "add", [total](WorkflowContext c, int amount) { return AddOne(c, total, amount); },
      [](int amount) -> hugo::Result<hugo::Unit> {
        if (amount > 0) return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
        return hugo::Error::From("amount must be positive", "error.validation");
      });
  auto done = ctx.GetSignalChannel<hugo::Unit>("done");
  auto received = co_await done.Receive();
  if (received.IsFailure()) co_return received.Error();
  co_return *total;
}

TEST(StickyUpdate, AnUpdateAfterARejectedOneIsProcessedByTheStickyWorker) {
  testlib::TempDir dir("hdo-sdk-sticky-update");
  testlib::DevServer server(dir.path() + "/hdo.db");
  ASSERT_TRUE(server.started());
  ConnectionOptions connection_options;
  connection_options.address = server.address();
  auto connection = Connection::Connect(connection_options);
  ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();

  WorkerOptions worker_options;
  worker_options.task_queue = "sticky-update";
  ASSERT_TRUE(worker_options.enable_sticky_execution);
  Worker worker(connection.Value(), "default", worker_options);
  worker.RegisterWorkflow("Counter", &Counter);
  ASSERT_TRUE(worker.Start().IsSuccess());

  Client client(connection.Value());
  StartWorkflowOptions options;
  options.id = "sticky-update";
  options.task_queue = worker_options.task_queue;
  options.execution_timeout = 60s;
  auto handle = client.StartWorkflow<int>("Counter", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();

  EXPECT_EQ(handle.Value().Update<int>("add", 2).ValueOr(-100), 2);
  EXPECT_TRUE(handle.Value().Update<int>("add", -1).IsFailure());
  auto after = handle.Value().Update<int>("add", 3);
  ASSERT_TRUE(after.IsSuccess()) << after.Error().ToString();
  EXPECT_EQ(after.Value(), 5);
  ASSERT_TRUE(handle.Value().Signal("done").IsSuccess());
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 5);
  worker.Shutdown();
}

}  // namespace
}  // namespace hdo
