// Goal: hdo::Client against a real `hdo server start-dev`: starting, describing, signalling,
// cancelling, terminating, listing and counting workflows, and GetResult decoding what a worker
// completed (following continue-as-new), plus failures, async activity completion and connection
// errors; the asynchronous start and result wait give the same answers to callbacks. Method: one
// dev server for the suite (SQLite in a temp dir); the test plays the worker itself over raw gRPC
// (PollWorkflowTaskQueue + RespondWorkflowTaskCompleted with commands).
#include "hdo/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <thread>

#include "temporal/api/command/v1/message.pb.h"
#include "temporal/api/update/v1/message.pb.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"

namespace hdo {
namespace {

namespace ws = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using std::chrono::milliseconds;
using temporal::api::command::v1::Command;

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testlib::MakeTempDir("hdo-sdk-client-test"));
    server_ = new testlib::DevServer(*dir_ + "/hdo.db");
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->started()) << "the dev server did not start";
    ConnectionOptions options;
    options.address = server_->address();
    auto client = Client::Connect(options, ClientOptions{"default", "client-test"});
    ASSERT_TRUE(client.IsSuccess()) << client.Error().ToString();
    client_.emplace(std::move(client).Value());
  }

  // A workflow id and task queue no other test uses.
  static std::string Unique(const std::string& prefix) {
    static int counter = 0;
    return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  }

  StartWorkflowOptions Options(const std::string& name) const {
    StartWorkflowOptions options;
    options.id = Unique(name);
    options.task_queue = Unique(name + "-tq");
    return options;
  }

  // Plays the worker: the next workflow task of `task_queue` (empty token when none came).
  ws::PollWorkflowTaskQueueResponse PollWorkflowTask(const std::string& task_queue) const {
    ws::PollWorkflowTaskQueueRequest request;
    request.set_namespace_("default");
    request.mutable_task_queue()->set_name(task_queue);
    request.mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
    request.set_identity("test-worker");
    grpc::ClientContext context;
    client_->connection()->PrepareLongPoll(context);
    ws::PollWorkflowTaskQueueResponse response;
    grpc::Status status =
        client_->connection()->stub().PollWorkflowTaskQueue(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  void CompleteWorkflowTask(const std::string& task_token, std::vector<Command> commands) const {
    ws::RespondWorkflowTaskCompletedRequest request;
    request.set_namespace_("default");
    request.set_task_token(task_token);
    request.set_identity("test-worker");
    for (Command& command : commands) *request.add_commands() = std::move(command);
    grpc::ClientContext context;
    client_->connection()->Prepare(context);
    ws::RespondWorkflowTaskCompletedResponse response;
    grpc::Status status =
        client_->connection()->stub().RespondWorkflowTaskCompleted(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Polls one task of `task_queue` and answers it with `command`.
  void AnswerWorkflowTask(const std::string& task_queue, Command command) const {
    auto task = PollWorkflowTask(task_queue);
    ASSERT_FALSE(task.task_token().empty()) << "no workflow task came";
    CompleteWorkflowTask(task.task_token(), {std::move(command)});
  }

  static Command CompleteCommand(const Payloads& result) {
    Command command;
    command.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
    *command.mutable_complete_workflow_execution_command_attributes()->mutable_result() = result;
    return command;
  }

  static bool HasEvent(const temporal::api::history::v1::History& history, enums::EventType type) {
    for (const auto& event : history.events()) {
      if (event.event_type() == type) return true;
    }
    return false;
  }

  static std::string* dir_;
  static testlib::DevServer* server_;

 public:
  const Connection& connection() const { return *client_->connection(); }

 protected:
  std::optional<Client> client_;
};

std::string* ClientTest::dir_ = nullptr;
testlib::DevServer* ClientTest::server_ = nullptr;

struct Greeting {
  std::string text;
  int count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Greeting, text, count)

TEST_F(ClientTest, AStartedWorkflowIsDescribedAsRunningWithItsTypeAndMemo) {
  StartWorkflowOptions options = Options("describe");
  options.memo["owner"] = "team-a";
  auto handle = client_->StartWorkflow("DescribeMe", options, std::string("arg"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  EXPECT_EQ(handle.Value().workflow_id(), options.id);
  EXPECT_FALSE(handle.Value().run_id().empty());
  EXPECT_EQ(handle.Value().first_execution_run_id(), handle.Value().run_id());

  auto described = handle.Value().Describe();
  ASSERT_TRUE(described.IsSuccess()) << described.Error().ToString();
  const auto& info = described.Value().workflow_execution_info();
  EXPECT_EQ(info.execution().run_id(), handle.Value().run_id());
  EXPECT_EQ(info.type().name(), "DescribeMe");
  EXPECT_EQ(info.status(), enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(described.Value().execution_config().task_queue().name(), options.task_queue);
  ASSERT_EQ(info.memo().fields().count("owner"), 1u);
  EXPECT_EQ(FromPayload<std::string>(info.memo().fields().at("owner")).Value(), "team-a");
}

TEST_F(ClientTest, StartOptionsReachTheStartedEvent) {
  StartWorkflowOptions options = Options("options");
  options.execution_timeout = std::chrono::hours(1);
  options.run_timeout = std::chrono::minutes(30);
  options.task_timeout = std::chrono::seconds(5);
  options.retry_policy = RetryPolicy{std::chrono::milliseconds(2'000), 3.0, {}, 7, {"BadArg"}};
  auto handle = client_->StartWorkflow("WithOptions", options, 1, std::string("two"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  ASSERT_GT(history.Value().events_size(), 0);
  const auto& started = history.Value().events(0).workflow_execution_started_event_attributes();
  EXPECT_EQ(started.workflow_execution_timeout().seconds(), 3600);
  EXPECT_EQ(started.workflow_run_timeout().seconds(), 1800);
  EXPECT_EQ(started.workflow_task_timeout().seconds(), 5);
  EXPECT_EQ(started.retry_policy().initial_interval().seconds(), 2);
  EXPECT_EQ(started.retry_policy().backoff_coefficient(), 3.0);
  EXPECT_EQ(started.retry_policy().maximum_attempts(), 7);
  ASSERT_EQ(started.retry_policy().non_retryable_error_types_size(), 1);
  EXPECT_EQ(started.retry_policy().non_retryable_error_types(0), "BadArg");
  EXPECT_EQ(started.identity(), "client-test");
  auto [number, text] = FromPayloads<int, std::string>(started.input()).Value();
  EXPECT_EQ(number, 1);
  EXPECT_EQ(text, "two");
}

TEST_F(ClientTest, StartingTheSameIdTwiceIsAlreadyStartedNamingTheRun) {
  StartWorkflowOptions options = Options("duplicate");
  auto first = client_->StartWorkflow("Dup", options);
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  auto second = client_->StartWorkflow("Dup", options);
  ASSERT_TRUE(second.IsFailure());
  EXPECT_EQ(second.Error().Code(), "grpc.already_exists");
  EXPECT_EQ(second.Error().TryGetMetadata<std::string>("temporal.failure"),
            "WorkflowExecutionAlreadyStartedFailure");
  EXPECT_EQ(second.Error().TryGetMetadata<std::string>("run_id"), first.Value().run_id());
}

TEST_F(ClientTest, BadArgumentsAreValidationErrorsBeforeAnyCall) {
  StartWorkflowOptions options = Options("invalid");
  EXPECT_EQ(client_->StartWorkflow("", options).Error().Code(), "error.validation");
  StartWorkflowOptions no_id = options;
  no_id.id.clear();
  EXPECT_EQ(client_->StartWorkflow("T", no_id).Error().Code(), "error.validation");
  StartWorkflowOptions no_queue = options;
  no_queue.task_queue.clear();
  EXPECT_EQ(client_->StartWorkflow("T", no_queue).Error().Code(), "error.validation");
  EXPECT_EQ(client_->GetHandle("").Signal("s").Error().Code(), "error.validation");
}

TEST_F(ClientTest, ASignalIsInTheHistoryWithItsPayload) {
  auto handle = client_->StartWorkflow("Signalled", Options("signal"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto signalled = handle.Value().Signal("poke", Greeting{"hi", 2});
  ASSERT_TRUE(signalled.IsSuccess()) << signalled.Error().ToString();

  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  const temporal::api::history::v1::HistoryEvent* signal = nullptr;
  for (const auto& event : history.Value().events()) {
    if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) signal = &event;
  }
  ASSERT_NE(signal, nullptr);
  const auto& attributes = signal->workflow_execution_signaled_event_attributes();
  EXPECT_EQ(attributes.signal_name(), "poke");
  EXPECT_EQ(attributes.identity(), "client-test");
  ASSERT_EQ(attributes.input().payloads_size(), 1);
  EXPECT_EQ(attributes.input().payloads(0).data(), R"({"count":2,"text":"hi"})");
}

TEST_F(ClientTest, GetResultOfATerminatedWorkflowIsCausedByTermination) {
  auto handle = client_->StartWorkflow("Terminated", Options("terminate"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  ASSERT_TRUE(handle.Value().Terminate("enough").IsSuccess());
  auto result = handle.Value().GetResult(milliseconds(10'000));
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), "temporal.workflow_execution");
  EXPECT_EQ(result.Error().TryGetMetadata<std::string>("workflow_type"), "Terminated");
  ASSERT_NE(result.Error().Cause(), nullptr);
  EXPECT_EQ(result.Error().Cause()->Code(), "temporal.terminated");
  EXPECT_EQ(result.Error().Cause()->Message(), "enough");
}

TEST_F(ClientTest, ACancelRequestIsInTheHistory) {
  auto handle = client_->StartWorkflow("Canceled", Options("cancel"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  ASSERT_TRUE(handle.Value().Cancel("please").IsSuccess());
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  EXPECT_TRUE(HasEvent(history.Value(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED));
}

TEST_F(ClientTest, ListAndCountFindTheWorkflowsOfAType) {
  std::string type = Unique("Listed");
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(client_->StartWorkflow(type, Options("list")).IsSuccess());
  std::string query = "WorkflowType = '" + type + "'";
  // Visibility may lag behind the start: await the count with a deadline.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int64_t count = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto counted = client_->CountWorkflows(query);
    ASSERT_TRUE(counted.IsSuccess()) << counted.Error().ToString();
    if ((count = counted.Value()) == 3) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(count, 3);
  // A page size of 2 makes the listing read two pages.
  auto listed = client_->ListWorkflows(query, 2);
  ASSERT_TRUE(listed.IsSuccess()) << listed.Error().ToString();
  ASSERT_EQ(listed.Value().size(), 3u);
  for (const auto& info : listed.Value()) EXPECT_EQ(info.type().name(), type);
  EXPECT_EQ(client_->ListWorkflows(query, 2, 1).Value().size(), 2u);  // pages_max bounds it
}

TEST_F(ClientTest, GetResultWaitsForTheWorkerAndDecodesTheTypedResult) {
  StartWorkflowOptions options = Options("result");
  auto handle = client_->StartWorkflow<Greeting>("Greet", options, std::string("world"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = std::async(std::launch::async, [&] { return handle.Value().GetResult(); });

  auto task = PollWorkflowTask(options.task_queue);
  ASSERT_FALSE(task.task_token().empty());
  const auto& started = task.history().events(0).workflow_execution_started_event_attributes();
  EXPECT_EQ(started.input().payloads(0).data(), "\"world\"");
  EXPECT_EQ(result.wait_for(milliseconds(100)), std::future_status::timeout) << "did not wait";
  CompleteWorkflowTask(task.task_token(),
                       {CompleteCommand(ToPayloads(Greeting{"hello", 3}).Value())});

  auto greeting = result.get();
  ASSERT_TRUE(greeting.IsSuccess()) << greeting.Error().ToString();
  EXPECT_EQ(greeting.Value().text, "hello");
  EXPECT_EQ(greeting.Value().count, 3);
}

TEST_F(ClientTest, GetResultFollowsContinueAsNewToTheLastRun) {
  StartWorkflowOptions options = Options("continue");
  auto handle = client_->StartWorkflow<int>("Looping", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();

  Command again;
  again.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
  auto& attributes = *again.mutable_continue_as_new_workflow_execution_command_attributes();
  attributes.mutable_workflow_type()->set_name("Looping");
  attributes.mutable_task_queue()->set_name(options.task_queue);
  *attributes.mutable_input() = ToPayloads(2).Value();
  AnswerWorkflowTask(options.task_queue, again);
  AnswerWorkflowTask(options.task_queue, CompleteCommand(ToPayloads(42).Value()));

  auto result = handle.Value().GetResult(milliseconds(10'000));
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 42);
  auto described = client_->GetHandle(options.id).Describe();
  ASSERT_TRUE(described.IsSuccess());
  EXPECT_NE(described.Value().workflow_execution_info().execution().run_id(),
            handle.Value().run_id());
}

TEST_F(ClientTest, AFailedWorkflowGivesItsApplicationFailureAsTheCause) {
  StartWorkflowOptions options = Options("fail");
  auto handle = client_->StartWorkflow("Failing", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  Command fail;
  fail.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
  *fail.mutable_fail_workflow_execution_command_attributes()->mutable_failure() =
      ErrorToFailure(ApplicationError("out of stock", "StockError", true));
  AnswerWorkflowTask(options.task_queue, fail);

  auto result = handle.Value().GetResult(milliseconds(10'000));
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), "temporal.workflow_execution");
  ASSERT_NE(result.Error().Cause(), nullptr);
  EXPECT_EQ(result.Error().Cause()->Code(), "temporal.application");
  EXPECT_EQ(ApplicationErrorType(*result.Error().Cause()), "StockError");
  EXPECT_TRUE(IsNonRetryable(*result.Error().Cause()));
}

TEST_F(ClientTest, ExecuteWorkflowStartsAndReturnsTheResult) {
  StartWorkflowOptions options = Options("execute");
  auto result = std::async(std::launch::async, [&] {
    return client_->ExecuteWorkflow<std::string>("Execute", options, 20);
  });
  AnswerWorkflowTask(options.task_queue, CompleteCommand(ToPayloads(std::string("ok")).Value()));
  auto value = result.get();
  ASSERT_TRUE(value.IsSuccess()) << value.Error().ToString();
  EXPECT_EQ(value.Value(), "ok");
}

TEST_F(ClientTest, AWorkflowThatAcceptsItsCancellationGivesACanceledCause) {
  StartWorkflowOptions options = Options("cancelled");
  auto handle = client_->StartWorkflow("Cancelled", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto first = PollWorkflowTask(options.task_queue);
  CompleteWorkflowTask(first.task_token(), {});
  ASSERT_TRUE(handle.Value().Cancel("stop").IsSuccess());
  Command cancel;
  cancel.set_command_type(enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION);
  *cancel.mutable_cancel_workflow_execution_command_attributes()->mutable_details() =
      ToPayloads(std::string("cleaned up")).Value();
  AnswerWorkflowTask(options.task_queue, cancel);

  auto result = handle.Value().GetResult(milliseconds(10'000));
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), "temporal.workflow_execution");
  ASSERT_NE(result.Error().Cause(), nullptr);
  EXPECT_EQ(result.Error().Cause()->Code(), "error.canceled");
  EXPECT_EQ(FromPayloads1<std::string>(ApplicationErrorDetails(*result.Error().Cause())).Value(),
            "cleaned up");
}

TEST_F(ClientTest, GetResultGivesUpAfterItsTimeout) {
  auto handle = client_->StartWorkflow("Never", Options("timeout"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto begin = std::chrono::steady_clock::now();
  auto result = handle.Value().GetResult(milliseconds(300));
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), "error.timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

// The asynchronous start and result wait: the same answers as the blocking calls, delivered to
// callbacks (here turned into futures the test waits on).
template <class T>
std::pair<std::function<void(hugo::Result<T>)>, std::future<hugo::Result<T>>> Callback() {
  auto promise = std::make_shared<std::promise<hugo::Result<T>>>();
  auto future = promise->get_future();
  return {[promise](hugo::Result<T> result) { promise->set_value(std::move(result)); },
          std::move(future)};
}

TEST_F(ClientTest, StartWorkflowAsyncAndGetResultAsyncFollowContinueAsNewToTheTypedResult) {
  StartWorkflowOptions options = Options("async-result");
  auto [started, handle_future] = Callback<WorkflowHandle<Greeting>>();
  client_->StartWorkflowAsync<Greeting>("Greet", options, started, std::string("world"));
  auto handle = handle_future.get();
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  EXPECT_EQ(handle.Value().workflow_id(), options.id);
  EXPECT_FALSE(handle.Value().run_id().empty());
  auto [answered, result] = Callback<Greeting>();
  handle.Value().GetResultAsync(answered);

  auto task = PollWorkflowTask(options.task_queue);
  ASSERT_FALSE(task.task_token().empty());
  const auto& input = task.history().events(0).workflow_execution_started_event_attributes();
  EXPECT_EQ(input.input().payloads(0).data(), "\"world\"");
  EXPECT_EQ(result.wait_for(milliseconds(100)), std::future_status::timeout) << "did not wait";
  Command again;
  again.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
  auto& attributes = *again.mutable_continue_as_new_workflow_execution_command_attributes();
  attributes.mutable_workflow_type()->set_name("Greet");
  attributes.mutable_task_queue()->set_name(options.task_queue);
  CompleteWorkflowTask(task.task_token(), {again});
  EXPECT_EQ(result.wait_for(milliseconds(100)), std::future_status::timeout)
      << "did not follow the new run";
  AnswerWorkflowTask(options.task_queue, CompleteCommand(ToPayloads(Greeting{"hello", 3}).Value()));

  auto greeting = result.get();
  ASSERT_TRUE(greeting.IsSuccess()) << greeting.Error().ToString();
  EXPECT_EQ(greeting.Value().text, "hello");
  EXPECT_EQ(greeting.Value().count, 3);
}

TEST_F(ClientTest, StartWorkflowAsyncGivesTheErrorsOfTheBlockingStart) {
  StartWorkflowOptions options = Options("async-errors");
  {
    StartWorkflowOptions no_queue = options;
    no_queue.task_queue.clear();
    auto [started, handle] = Callback<WorkflowHandle<nlohmann::json>>();
    client_->StartWorkflowAsync("T", no_queue, started);
    ASSERT_EQ(handle.wait_for(milliseconds(0)), std::future_status::ready)
        << "a bad option is refused before any call";
    EXPECT_EQ(handle.get().Error().Code(), "error.validation");
  }
  auto first = client_->StartWorkflow("Dup", options);
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  auto [started, second_future] = Callback<WorkflowHandle<nlohmann::json>>();
  client_->StartWorkflowAsync("Dup", options, started);
  auto second = second_future.get();
  ASSERT_TRUE(second.IsFailure());
  EXPECT_EQ(second.Error().Code(), "grpc.already_exists");
  EXPECT_EQ(second.Error().TryGetMetadata<std::string>("run_id"), first.Value().run_id());
}

// The calls in flight keep the connection: a start sent by a client dropped at once still gets
// its answer (here an error, so that no handle holds the connection either), and the
// connection's last reference, dropped on gRPC's thread after the answer, is released safely (the
// dev preset's address sanitizer saw gRPC free its callback queue twice before).
TEST_F(ClientTest, AClientDroppedWhileItsAsyncStartIsInFlightStillGetsTheAnswer) {
  StartWorkflowOptions options = Options("async-dropped");
  auto first = client_->StartWorkflow("Dropped", options);
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  std::promise<hugo::Result<WorkflowHandle<nlohmann::json>>> answered;
  {
    ConnectionOptions connection_options;
    connection_options.address = server_->address();
    auto client = Client::Connect(connection_options, ClientOptions{"default", "dropped-client"});
    ASSERT_TRUE(client.IsSuccess()) << client.Error().ToString();
    client.Value().StartWorkflowAsync(
        "Dropped", options, [&answered](hugo::Result<WorkflowHandle<nlohmann::json>> handle) {
          answered.set_value(std::move(handle));
        });
  }
  auto second = answered.get_future().get();
  ASSERT_TRUE(second.IsFailure());
  EXPECT_EQ(second.Error().Code(), "grpc.already_exists");
  EXPECT_EQ(second.Error().TryGetMetadata<std::string>("run_id"), first.Value().run_id());
}

TEST_F(ClientTest, GetResultAsyncGivesTheFailureAndTheTimeoutOfTheBlockingWait) {
  StartWorkflowOptions options = Options("async-fail");
  auto handle = client_->StartWorkflow("Failing", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto [waited, timed_out] = Callback<nlohmann::json>();
  handle.Value().GetResultAsync(waited, milliseconds(300));
  auto timeout = timed_out.get();
  ASSERT_TRUE(timeout.IsFailure());
  EXPECT_EQ(timeout.Error().Code(), "error.timeout");

  Command fail;
  fail.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
  *fail.mutable_fail_workflow_execution_command_attributes()->mutable_failure() =
      ErrorToFailure(ApplicationError("out of stock", "StockError", true));
  AnswerWorkflowTask(options.task_queue, fail);
  auto [answered, result_future] = Callback<nlohmann::json>();
  handle.Value().GetResultAsync(answered, milliseconds(10'000));
  auto result = result_future.get();
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), "temporal.workflow_execution");
  ASSERT_NE(result.Error().Cause(), nullptr);
  EXPECT_EQ(ApplicationErrorType(*result.Error().Cause()), "StockError");
}

TEST_F(ClientTest, SignalWithStartStartsThenSignalsTheSameRun) {
  StartWorkflowOptions options = Options("signal-with-start");
  auto first = client_->SignalWithStartWorkflow("SWS", options, "go", ToPayloads(1).Value());
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  auto second = client_->SignalWithStartWorkflow("SWS", options, "go", ToPayloads(2).Value());
  ASSERT_TRUE(second.IsSuccess()) << second.Error().ToString();
  EXPECT_EQ(first.Value().run_id(), second.Value().run_id());
  auto history = first.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess());
  int signals = 0;
  for (const auto& event : history.Value().events()) {
    signals += event.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED;
  }
  EXPECT_EQ(signals, 2);
}

TEST_F(ClientTest, AnActivityIsCompletedAsynchronouslyByItsTaskToken) {
  StartWorkflowOptions options = Options("async-activity");
  auto handle = client_->StartWorkflow("WithActivity", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  Command schedule;
  schedule.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  auto& attributes = *schedule.mutable_schedule_activity_task_command_attributes();
  attributes.set_activity_id("1");
  attributes.mutable_activity_type()->set_name("Charge");
  attributes.mutable_task_queue()->set_name(options.task_queue);
  *attributes.mutable_start_to_close_timeout() = google::protobuf::Duration();
  attributes.mutable_start_to_close_timeout()->set_seconds(60);
  AnswerWorkflowTask(options.task_queue, schedule);

  ws::PollActivityTaskQueueRequest poll;
  poll.set_namespace_("default");
  poll.mutable_task_queue()->set_name(options.task_queue);
  grpc::ClientContext context;
  client_->connection()->PrepareLongPoll(context);
  ws::PollActivityTaskQueueResponse task;
  ASSERT_TRUE(client_->connection()->stub().PollActivityTaskQueue(&context, poll, &task).ok());
  ASSERT_FALSE(task.task_token().empty());

  auto heartbeat = client_->HeartbeatActivity(task.task_token(), 50);
  ASSERT_TRUE(heartbeat.IsSuccess()) << heartbeat.Error().ToString();
  EXPECT_FALSE(heartbeat.Value());
  auto completed = client_->CompleteActivity(task.task_token(), std::string("charged"));
  ASSERT_TRUE(completed.IsSuccess()) << completed.Error().ToString();
  // The token is spent: a second completion is refused.
  EXPECT_TRUE(client_->CompleteActivity(task.task_token(), 1).IsFailure());

  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess());
  bool found = false;
  for (const auto& event : history.Value().events()) {
    if (event.event_type() != enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED) continue;
    found = true;
    const auto& result = event.activity_task_completed_event_attributes().result();
    EXPECT_EQ(FromPayloads1<std::string>(result).Value(), "charged");
  }
  EXPECT_TRUE(found);
}

TEST_F(ClientTest, AQueryIsAnsweredByTheWorkerAsALegacyQueryTask) {
  StartWorkflowOptions options = Options("query");
  auto handle = client_->StartWorkflow("Queried", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto first = PollWorkflowTask(options.task_queue);
  ASSERT_FALSE(first.task_token().empty());
  CompleteWorkflowTask(first.task_token(), {});  // the workflow waits, open

  auto answer = std::async(std::launch::async, [&] {
    return handle.Value().Query<Greeting>("state", std::string("who"));
  });
  auto task = PollWorkflowTask(options.task_queue);
  ASSERT_TRUE(task.has_query()) << "no legacy query task came";
  EXPECT_EQ(task.query().query_type(), "state");
  EXPECT_EQ(FromPayloads1<std::string>(task.query().query_args()).Value(), "who");
  ws::RespondQueryTaskCompletedRequest request;
  request.set_namespace_("default");
  request.set_task_token(task.task_token());
  request.set_completed_type(enums::QUERY_RESULT_TYPE_ANSWERED);
  *request.mutable_query_result() = ToPayloads(Greeting{"state", 7}).Value();
  grpc::ClientContext context;
  client_->connection()->Prepare(context);
  ws::RespondQueryTaskCompletedResponse response;
  ASSERT_TRUE(
      client_->connection()->stub().RespondQueryTaskCompleted(&context, request, &response).ok());

  auto result = answer.get();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value().text, "state");
  EXPECT_EQ(result.Value().count, 7);
}

// Answers the update request of `task` (its only message) with `bodies`, one message each.
void AnswerUpdate(const ClientTest& test, const ws::PollWorkflowTaskQueueResponse& task,
                  const std::vector<const google::protobuf::Message*>& bodies);

TEST_F(ClientTest, AnUpdateWaitsForTheWorkersOutcomeAndDecodesIt) {
  StartWorkflowOptions options = Options("update");
  auto handle = client_->StartWorkflow("Updated", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto first = PollWorkflowTask(options.task_queue);
  ASSERT_FALSE(first.task_token().empty());
  CompleteWorkflowTask(first.task_token(), {});

  auto outcome = std::async(std::launch::async, [&] {
    return handle.Value().Update<int>(UpdateOptions{"add-1"}, "add", 2, 3);
  });
  auto task = PollWorkflowTask(options.task_queue);
  ASSERT_EQ(task.messages_size(), 1) << "the update request did not come";
  temporal::api::update::v1::Request request;
  ASSERT_TRUE(task.messages(0).body().UnpackTo(&request));
  EXPECT_EQ(request.meta().update_id(), "add-1");
  EXPECT_EQ(request.meta().identity(), "client-test");
  EXPECT_EQ(request.input().name(), "add");
  auto [a, b] = FromPayloads<int, int>(request.input().args()).Value();
  EXPECT_EQ(a + b, 5);

  temporal::api::update::v1::Acceptance acceptance;
  acceptance.set_accepted_request_message_id(task.messages(0).id());
  acceptance.set_accepted_request_sequencing_event_id(task.messages(0).event_id());
  temporal::api::update::v1::Response response;
  response.mutable_meta()->set_update_id("add-1");
  *response.mutable_outcome()->mutable_success() = ToPayloads(a + b).Value();
  AnswerUpdate(*this, task, {&acceptance, &response});

  auto result = outcome.get();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 5);
}

TEST_F(ClientTest, ARejectedUpdateIsItsFailureAsAnError) {
  StartWorkflowOptions options = Options("update-rejected");
  auto handle = client_->StartWorkflow("Updated", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto first = PollWorkflowTask(options.task_queue);
  CompleteWorkflowTask(first.task_token(), {});

  auto outcome = std::async(std::launch::async, [&] {
    return handle.Value().Update<int>("add", std::string("not a number"));
  });
  auto task = PollWorkflowTask(options.task_queue);
  ASSERT_EQ(task.messages_size(), 1) << "the update request did not come";
  temporal::api::update::v1::Rejection rejection;
  *rejection.mutable_failure() = ErrorToFailure(ApplicationError("bad argument", "BadArg"));
  AnswerUpdate(*this, task, {&rejection});

  auto result = outcome.get();
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), "temporal.application");
  EXPECT_EQ(ApplicationErrorType(result.Error()), "BadArg");
  EXPECT_EQ(result.Error().Message(), "bad argument");
}

void AnswerUpdate(const ClientTest& test, const ws::PollWorkflowTaskQueueResponse& task,
                  const std::vector<const google::protobuf::Message*>& bodies) {
  ws::RespondWorkflowTaskCompletedRequest request;
  request.set_namespace_("default");
  request.set_task_token(task.task_token());
  int n = 0;
  for (const google::protobuf::Message* body : bodies) {
    auto& message = *request.add_messages();
    message.set_id(task.messages(0).protocol_instance_id() + "/" + std::to_string(++n));
    message.set_protocol_instance_id(task.messages(0).protocol_instance_id());
    message.mutable_body()->PackFrom(*body);
  }
  grpc::ClientContext context;
  test.connection().Prepare(context);
  ws::RespondWorkflowTaskCompletedResponse response;
  grpc::Status status =
      test.connection().stub().RespondWorkflowTaskCompleted(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

TEST(ClientConnect, AnUnreadableCaFileIsAValidationError) {
  ConnectionOptions options;
  options.tls = TlsOptions{"/nonexistent/ca.pem", "", "", ""};
  auto client = Client::Connect(options);
  ASSERT_TRUE(client.IsFailure());
  EXPECT_EQ(client.Error().Code(), "error.validation");
  EXPECT_NE(client.Error().Message().find("/nonexistent/ca.pem"), std::string::npos);
}

// A port nothing listens on: bound, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return -1;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

TEST(ClientConnect, AClosedPortFailsWithinTheConnectTimeout) {
  int port = ClosedPort();
  ASSERT_GT(port, 0);
  ConnectionOptions options;
  options.address = "127.0.0.1:" + std::to_string(port);
  options.connect_timeout = milliseconds(500);
  auto begin = std::chrono::steady_clock::now();
  auto client = Client::Connect(options);
  ASSERT_TRUE(client.IsFailure());
  EXPECT_EQ(client.Error().Code(), "error.unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(3));
}

}  // namespace
}  // namespace hdo
