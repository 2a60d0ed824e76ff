// A standalone application on the installed hdo SDK (find_package(hdo), hdo::sdk): a worker and a
// client in one process, running one workflow with one activity.
//
//   ./app --address 127.0.0.1:7233
//   result: Hello from a standalone app, World!
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "hdo/client.h"
#include "hdo/worker.h"

std::string Compose(std::string name) { return "Hello from a standalone app, " + name + "!"; }

hdo::Workflow<std::string> Greet(hdo::WorkflowContext ctx, std::string name) {
  hdo::ActivityOptions options;
  options.start_to_close_timeout = std::chrono::seconds(10);
  hugo::Result<std::string> text =
      co_await ctx.ExecuteActivity<std::string>("Compose", options, name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value();
}

int main(int argc, char** argv) {
  std::string address = "127.0.0.1:7233";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("standalone hdo app\n\nusage: %s [--address host:port]\n", argv[0]);
      return 0;
    }
    if (arg == "--address" && i + 1 < argc) {
      address = argv[++i];
    } else {
      std::fprintf(stderr, "unknown argument %s (try --help)\n", argv[i]);
      return 2;
    }
  }

  hdo::ConnectionOptions connection_options;
  connection_options.address = address;
  auto connection = hdo::Connection::Connect(connection_options);
  if (connection.IsFailure()) {
    std::fprintf(stderr, "cannot connect: %s\n", connection.Error().ToString().c_str());
    return 1;
  }
  std::string task_queue = "standalone-" + std::to_string(::getpid());
  hdo::WorkerOptions worker_options;
  worker_options.task_queue = task_queue;
  hdo::Worker worker(connection.Value(), "default", worker_options);
  worker.RegisterWorkflow("Greet", &Greet);
  worker.RegisterActivity("Compose", &Compose);
  if (auto started = worker.Start(); started.IsFailure()) {
    std::fprintf(stderr, "worker: %s\n", started.Error().ToString().c_str());
    return 1;
  }
  hdo::Client client(connection.Value());
  hdo::StartWorkflowOptions options;
  options.id = task_queue + "-greet";
  options.task_queue = task_queue;
  options.execution_timeout = std::chrono::minutes(1);
  auto result = client.ExecuteWorkflow<std::string>("Greet", options, std::string("World"));
  worker.Shutdown();
  if (result.IsFailure()) {
    std::fprintf(stderr, "workflow failed: %s\n", result.Error().ToString().c_str());
    return 1;
  }
  std::printf("result: %s\n", result.Value().c_str());
  return 0;
}
