// The SDK's scenario suite: C++ workflows and activities on a real hdo::Worker, driven by the
// hdo::Client, against a real server. By default each run starts `hdo server start-dev`; with
// HDO_SDK_TARGET=host:port it runs against that server instead (tests/sdk/run-reference runs it
// against the reference `temporal server start-dev`). Every scenario uses its own task queue.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "hdo/client.h"
#include "hdo/replayer.h"
#include "hdo/worker.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using namespace std::chrono_literals;
namespace enums = temporal::api::enums::v1;

// One server for the whole suite.
class Target {
 public:
  static Target& Get() {
    static Target target;
    return target;
  }
  const std::string& address() const { return address_; }

 private:
  Target() {
    if (const char* env = std::getenv("HDO_SDK_TARGET"); env != nullptr && *env != '\0') {
      address_ = env;
      return;
    }
    dir_ = testlib::MakeTempDir("hdo-sdk-scenarios");
    server_ = std::make_unique<testlib::DevServer>(dir_ + "/hdo.db");
    address_ = server_->address();
  }
  std::string dir_;
  std::unique_ptr<testlib::DevServer> server_;
  std::string address_;
};

class ScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(Target::Get().address().empty()) << "the server did not start";
    ConnectionOptions options;
    options.address = Target::Get().address();
    auto connection = Connection::Connect(options);
    ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
    connection_ = connection.Value();
    client_ = std::make_unique<Client>(connection_);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    task_queue_ = std::string("sdk-") + info->name() + "-" + std::to_string(::getpid());
  }
  void TearDown() override {
    if (worker_) worker_->Shutdown();
  }

  Worker& NewWorker(WorkerOptions options = {}) {
    options.task_queue = task_queue_;
    worker_ = std::make_unique<Worker>(connection_, "default", std::move(options));
    return *worker_;
  }
  void StartWorker() {
    auto started = worker_->Start();
    ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
  }
  StartWorkflowOptions Options(const std::string& id) {
    StartWorkflowOptions options;
    options.id = id + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    options.task_queue = task_queue_;
    options.execution_timeout = 60s;
    return options;
  }
  // The event types of a run's history, in order.
  std::vector<enums::EventType> EventTypes(const UntypedWorkflowHandle& handle) {
    std::vector<enums::EventType> types;
    auto history = handle.FetchHistory();
    EXPECT_TRUE(history.IsSuccess());
    if (history.IsFailure()) return types;
    for (const auto& e : history.Value().events()) types.push_back(e.event_type());
    return types;
  }
  static bool Contains(const std::vector<enums::EventType>& types, enums::EventType type) {
    return std::find(types.begin(), types.end(), type) != types.end();
  }

  std::shared_ptr<Connection> connection_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<Worker> worker_;
  std::string task_queue_;
  int counter_ = 0;
};

ActivityOptions Quick() {
  ActivityOptions o;
  o.start_to_close_timeout = 10s;
  o.retry_policy = RetryPolicy{};
  o.retry_policy->initial_interval = 100ms;
  o.retry_policy->maximum_attempts = 3;
  return o;
}

// --- hello: one activity.
std::string ComposeGreeting(ActivityContext&, std::string name) { return "Hello, " + name; }

Workflow<std::string> Greeting(WorkflowContext ctx, std::string name) {
  auto text = co_await ctx.ExecuteActivity<std::string>("ComposeGreeting", Quick(), name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value() + "!";
}

TEST_F(ScenarioTest, HelloRunsAnActivityAndReturnsItsResult) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Greeting", &Greeting);
  worker.RegisterActivity("ComposeGreeting", &ComposeGreeting);
  StartWorker();
  auto result = client_->ExecuteWorkflow<std::string>("Greeting", Options("hello"), std::string("Ada"));
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "Hello, Ada!");
}

}  // namespace
}  // namespace hdo
