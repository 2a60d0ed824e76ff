// hello: the smallest hdo program. A workflow runs one activity; this process is both the worker
// (it polls the task queue and runs the workflow and the activity) and the client (it starts the
// workflow and waits for its result).
//
//   hdo server start-dev &          # or: temporal server start-dev
//   ./sample_hello --address 127.0.0.1:7233
//   result: Hello, World!
#include <chrono>
#include <cstdio>
#include <string>

#include "hdo/client.h"
#include "hdo/worker.h"
#include "sample_args.h"

// An activity: ordinary code, it may do I/O. Its arguments and result go through the data
// converter (JSON here).
std::string ComposeGreeting(hdo::ActivityContext&, std::string name) {
  return "Hello, " + name + "!";
}

// A workflow: a coroutine, deterministic; everything it does goes through its context.
hdo::Workflow<std::string> Greeting(hdo::WorkflowContext ctx, std::string name) {
  hdo::ActivityOptions options;
  options.start_to_close_timeout = std::chrono::seconds(10);
  hugo::Result<std::string> text =
      co_await ctx.ExecuteActivity<std::string>("ComposeGreeting", options, name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value();
}

int main(int argc, char** argv) {
  samples::Args args;
  if (auto exit =
          samples::ParseArgs(argc, argv, "hello: one workflow running one activity", args)) {
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
  worker_options.task_queue = samples::Unique("hello");
  hdo::Worker worker(connection.Value(), "default", worker_options);
  worker.RegisterWorkflow("Greeting", &Greeting);
  worker.RegisterActivity("ComposeGreeting", &ComposeGreeting);
  if (auto started = worker.Start(); started.IsFailure()) {
    std::fprintf(stderr, "worker: %s\n", started.Error().ToString().c_str());
    return 1;
  }

  hdo::Client client(connection.Value());
  hdo::StartWorkflowOptions options;
  options.id = samples::Unique("hello-workflow");
  options.task_queue = worker_options.task_queue;
  options.execution_timeout = std::chrono::minutes(1);
  hugo::Result<std::string> result =
      client.ExecuteWorkflow<std::string>("Greeting", options, std::string("World"));
  worker.Shutdown();
  if (result.IsFailure()) {
    std::fprintf(stderr, "workflow failed: %s\n", result.Error().ToString().c_str());
    return 1;
  }
  std::printf("result: %s\n", result.Value().c_str());
  return 0;
}
