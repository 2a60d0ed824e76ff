// Goal: hdo::Worker runs activities against a real server the way the Go SDK worker does: the
// result bytes reach the history, an ApplicationError non_retryable fails after one attempt, a
// cancel request reaches a heartbeating activity, CompleteAsync leaves the reply to the client,
// heartbeat details survive into the next attempt, Shutdown drains, and the slot limit holds.
// Method: `hdo server start-dev` on a free port; the test plays the workflow worker with raw
// gRPC (StartWorkflowExecution, PollWorkflowTaskQueue, RespondWorkflowTaskCompleted with
// ScheduleActivityTask / RequestCancelActivityTask) while a real hdo::Worker runs the activities;
// the history is read with GetWorkflowExecutionHistory. Every wait has a deadline.
#include "hdo/worker.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "hdo/converter.h"
#include "hdo/failure.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"

namespace hdo {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace cmd = temporal::api::command::v1;
namespace hist = temporal::api::history::v1;
namespace enums = temporal::api::enums::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr char kNamespace[] = "default";
constexpr auto kWait = seconds(30);

// Waits (with a deadline) until a predicate over shared test state holds.
class Signal {
 public:
  void Update(const std::function<void()>& change) {
    {
      std::lock_guard lock(mutex_);
      change();
    }
    changed_.notify_all();
  }
  bool Await(const std::function<bool()>& condition, milliseconds timeout = kWait) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, condition);
  }
  std::mutex& mutex() { return mutex_; }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
};

struct ActivityOptions {
  seconds start_to_close{30};
  seconds heartbeat_timeout{0};
  int maximum_attempts = 0;
  milliseconds initial_interval{100};
};

cmd::Command ScheduleActivity(const std::string& activity_id, const std::string& type,
                              const std::string& task_queue, const Payloads& input,
                              const ActivityOptions& options = {}) {
  cmd::Command command;
  command.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  auto* a = command.mutable_schedule_activity_task_command_attributes();
  a->set_activity_id(activity_id);
  a->mutable_activity_type()->set_name(type);
  a->mutable_task_queue()->set_name(task_queue);
  *a->mutable_input() = input;
  a->mutable_start_to_close_timeout()->set_seconds(options.start_to_close.count());
  if (options.heartbeat_timeout.count() > 0) {
    a->mutable_heartbeat_timeout()->set_seconds(options.heartbeat_timeout.count());
  }
  a->mutable_retry_policy()->set_maximum_attempts(options.maximum_attempts);
  a->mutable_retry_policy()->mutable_initial_interval()->set_nanos(
      static_cast<int32_t>(milliseconds(options.initial_interval).count() * 1'000'000));
  a->mutable_retry_policy()->set_backoff_coefficient(1.0);
  return command;
}

const hist::HistoryEvent* FindEvent(const std::vector<hist::HistoryEvent>& events,
                                    enums::EventType type) {
  for (const auto& event : events) {
    if (event.event_type() == type) return &event;
  }
  return nullptr;
}

class WorkerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testlib::MakeTempDir("hdo-sdk-worker-test"));
    server_ = new testlib::DevServer(*dir_ + "/hdo.db");
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->started()) << server_->process().Stderr();
    ConnectionOptions options;
    options.address = server_->address();
    auto connection = Connection::Connect(options);
    ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
    connection_ = connection.Value();
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    workflow_queue_ = "wf-" + name;
    activity_queue_ = "act-" + name;
  }

  std::unique_ptr<Worker> MakeWorker(WorkerOptions options = {}) {
    options.task_queue = activity_queue_;
    if (options.identity.empty()) options.identity = "sdk-worker-test";
    return std::make_unique<Worker>(connection_, kNamespace, std::move(options));
  }

  // Starts a workflow on the test's workflow queue; its run id.
  std::string StartWorkflow(const std::string& workflow_id) {
    wf::StartWorkflowExecutionRequest request;
    request.set_namespace_(kNamespace);
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("TestWorkflow");
    request.mutable_task_queue()->set_name(workflow_queue_);
    request.set_request_id(workflow_id + "-request");
    request.set_identity("test");
    wf::StartWorkflowExecutionResponse response;
    grpc::ClientContext context;
    connection_->Prepare(context);
    grpc::Status status = connection_->stub().StartWorkflowExecution(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    workflow_id_ = workflow_id;
    run_id_ = response.run_id();
    return run_id_;
  }

  // The next workflow task of the test's workflow queue (empty token on timeout).
  wf::PollWorkflowTaskQueueResponse PollWorkflowTask(Clock::time_point deadline) {
    wf::PollWorkflowTaskQueueResponse response;
    while (response.task_token().empty() && Clock::now() < deadline) {
      wf::PollWorkflowTaskQueueRequest request;
      request.set_namespace_(kNamespace);
      request.mutable_task_queue()->set_name(workflow_queue_);
      request.set_identity("test");
      grpc::ClientContext context;
      connection_->Prepare(context,
                           std::chrono::duration_cast<milliseconds>(
                               std::min<Clock::duration>(deadline - Clock::now(), seconds(20))));
      grpc::Status status = connection_->stub().PollWorkflowTaskQueue(&context, request, &response);
      if (!status.ok() && status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        ADD_FAILURE() << "PollWorkflowTaskQueue: " << status.error_message();
        break;
      }
    }
    return response;
  }

  void CompleteWorkflowTask(const std::string& token, std::vector<cmd::Command> commands) {
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_namespace_(kNamespace);
    request.set_task_token(token);
    request.set_identity("test");
    for (auto& command : commands) *request.add_commands() = std::move(command);
    wf::RespondWorkflowTaskCompletedResponse response;
    grpc::ClientContext context;
    connection_->Prepare(context);
    grpc::Status status =
        connection_->stub().RespondWorkflowTaskCompleted(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Polls the first workflow task and answers it with `commands`.
  void RunFirstWorkflowTask(std::vector<cmd::Command> commands) {
    auto task = PollWorkflowTask(Clock::now() + kWait);
    ASSERT_FALSE(task.task_token().empty()) << "no first workflow task";
    CompleteWorkflowTask(task.task_token(), std::move(commands));
  }

  std::vector<hist::HistoryEvent> History() {
    wf::GetWorkflowExecutionHistoryRequest request;
    request.set_namespace_(kNamespace);
    request.mutable_execution()->set_workflow_id(workflow_id_);
    request.mutable_execution()->set_run_id(run_id_);
    request.set_maximum_page_size(1000);
    wf::GetWorkflowExecutionHistoryResponse response;
    grpc::ClientContext context;
    connection_->Prepare(context);
    grpc::Status status =
        connection_->stub().GetWorkflowExecutionHistory(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.history().events().begin(), response.history().events().end()};
  }

  // Answers workflow tasks (with no commands) until one whose history holds `count` events of
  // `type`; the history then. Empty on timeout.
  std::vector<hist::HistoryEvent> AwaitEvents(enums::EventType type, int count = 1) {
    const auto deadline = Clock::now() + kWait;
    while (Clock::now() < deadline) {
      auto task = PollWorkflowTask(deadline);
      if (task.task_token().empty()) break;
      std::vector<hist::HistoryEvent> events = History();
      int seen = 0;
      for (const auto& event : events) seen += event.event_type() == type ? 1 : 0;
      CompleteWorkflowTask(task.task_token(), {});
      if (seen >= count) return events;
    }
    ADD_FAILURE() << "no workflow task saw " << count << " x " << enums::EventType_Name(type);
    return {};
  }

  static std::string* dir_;
  static testlib::DevServer* server_;
  std::shared_ptr<Connection> connection_;
  std::string workflow_queue_;
  std::string activity_queue_;
  std::string workflow_id_;
  std::string run_id_;
};

std::string* WorkerTest::dir_ = nullptr;
testlib::DevServer* WorkerTest::server_ = nullptr;

TEST_F(WorkerTest, ACompletedActivityPutsItsExactResultBytesInTheHistory) {
  auto worker = MakeWorker();
  worker->RegisterActivity("Echo", [](ActivityContext& context, std::string text, int n) {
    return text + ":" + std::to_string(n) + ":" + std::to_string(context.info().attempt);
  });
  ASSERT_TRUE(worker->Start().IsSuccess());
  StartWorkflow("echo");
  RunFirstWorkflowTask(
      {ScheduleActivity("1", "Echo", activity_queue_, ToPayloads(std::string("hi"), 7).Value())});
  auto events = AwaitEvents(enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  const auto* completed = FindEvent(events, enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  ASSERT_NE(completed, nullptr);
  EXPECT_EQ(completed->activity_task_completed_event_attributes().result().SerializeAsString(),
            ToPayloads(std::string("hi:7:1")).Value().SerializeAsString());
  EXPECT_EQ(completed->activity_task_completed_event_attributes().identity(), "sdk-worker-test");
}

TEST_F(WorkerTest, ANonRetryableApplicationErrorFailsTheActivityAfterOneAttempt) {
  auto worker = MakeWorker();
  std::atomic<int> attempts{0};
  worker->RegisterActivity("Refuse", [&attempts](ActivityContext&) -> hugo::Result<int> {
    ++attempts;
    return ApplicationError("card declined", "CardDeclined", true);
  });
  ASSERT_TRUE(worker->Start().IsSuccess());
  StartWorkflow("refuse");
  ActivityOptions options;
  options.maximum_attempts = 5;
  RunFirstWorkflowTask({ScheduleActivity("1", "Refuse", activity_queue_, Payloads{}, options)});
  auto events = AwaitEvents(enums::EVENT_TYPE_ACTIVITY_TASK_FAILED);
  const auto* failed = FindEvent(events, enums::EVENT_TYPE_ACTIVITY_TASK_FAILED);
  ASSERT_NE(failed, nullptr);
  const Failure& failure = failed->activity_task_failed_event_attributes().failure();
  EXPECT_EQ(failure.message(), "card declined");
  EXPECT_EQ(failure.application_failure_info().type(), "CardDeclined");
  EXPECT_TRUE(failure.application_failure_info().non_retryable());
  const auto* started = FindEvent(events, enums::EVENT_TYPE_ACTIVITY_TASK_STARTED);
  ASSERT_NE(started, nullptr);
  EXPECT_EQ(started->activity_task_started_event_attributes().attempt(), 1);
  EXPECT_EQ(attempts.load(), 1);
}

TEST_F(WorkerTest, ACancelRequestStopsAHeartbeatingActivityAndItEndsCanceled) {
  auto worker = MakeWorker();
  Signal signal;
  bool started = false;
  bool saw_stop = false;
  worker->RegisterActivity("Wait", [&](ActivityContext& context) -> hugo::Result<hugo::Unit> {
    signal.Update([&] { started = true; });
    std::mutex mutex;
    std::condition_variable_any tick;
    for (int i = 0; !context.stop_token().stop_requested(); ++i) {
      context.Heartbeat(i);
      std::unique_lock lock(mutex);
      tick.wait_for(lock, context.stop_token(), milliseconds(50), [] { return false; });
    }
    signal.Update([&] { saw_stop = context.IsCancelRequested(); });
    return hugo::Error::Canceled("stopped as asked");
  });
  ASSERT_TRUE(worker->Start().IsSuccess());
  StartWorkflow("cancel");
  ActivityOptions options;
  options.heartbeat_timeout = seconds(1);  // throttle 800 ms
  options.start_to_close = seconds(60);
  RunFirstWorkflowTask({ScheduleActivity("1", "Wait", activity_queue_, Payloads{}, options)});
  ASSERT_TRUE(signal.Await([&] { return started; })) << "the activity never started";

  // A signal gives the test a workflow task in which to ask for the cancellation.
  wf::SignalWorkflowExecutionRequest request;
  request.set_namespace_(kNamespace);
  request.mutable_workflow_execution()->set_workflow_id(workflow_id_);
  request.set_signal_name("cancel-it");
  request.set_identity("test");
  wf::SignalWorkflowExecutionResponse response;
  grpc::ClientContext context;
  connection_->Prepare(context);
  ASSERT_TRUE(connection_->stub().SignalWorkflowExecution(&context, request, &response).ok());
  auto task = PollWorkflowTask(Clock::now() + kWait);
  ASSERT_FALSE(task.task_token().empty());
  const std::vector<hist::HistoryEvent> before_cancel = History();
  const auto* scheduled = FindEvent(before_cancel, enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  ASSERT_NE(scheduled, nullptr);
  cmd::Command cancel;
  cancel.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK);
  cancel.mutable_request_cancel_activity_task_command_attributes()->set_scheduled_event_id(
      scheduled->event_id());
  CompleteWorkflowTask(task.task_token(), {cancel});

  auto events = AwaitEvents(enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED);
  EXPECT_NE(FindEvent(events, enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED), nullptr);
  EXPECT_NE(FindEvent(events, enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED), nullptr);
  EXPECT_TRUE(signal.Await([&] { return saw_stop; })) << "the token stopped for another reason";
}

TEST_F(WorkerTest, CompleteAsyncLeavesTheReplyToWhoeverHoldsTheTaskToken) {
  auto worker = MakeWorker();
  Signal signal;
  std::string task_token;
  worker->RegisterActivity("Later", [&](ActivityContext& context) -> hugo::Result<std::string> {
    signal.Update([&] { task_token = context.info().task_token; });
    return context.CompleteAsync();
  });
  ASSERT_TRUE(worker->Start().IsSuccess());
  StartWorkflow("async");
  RunFirstWorkflowTask({ScheduleActivity("1", "Later", activity_queue_, Payloads{})});
  ASSERT_TRUE(signal.Await([&] { return !task_token.empty(); }));

  // Had the worker replied, this would be NotFound (the attempt would be closed already).
  wf::RespondActivityTaskCompletedRequest request;
  request.set_namespace_(kNamespace);
  request.set_task_token(task_token);
  *request.mutable_result() = ToPayloads(std::string("done by the client")).Value();
  request.set_identity("client");
  wf::RespondActivityTaskCompletedResponse response;
  grpc::ClientContext context;
  connection_->Prepare(context);
  grpc::Status status =
      connection_->stub().RespondActivityTaskCompleted(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  auto events = AwaitEvents(enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  const auto* completed = FindEvent(events, enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  ASSERT_NE(completed, nullptr);
  EXPECT_EQ(completed->activity_task_completed_event_attributes().result().SerializeAsString(),
            request.result().SerializeAsString());
  EXPECT_EQ(completed->activity_task_completed_event_attributes().identity(), "client");
}

TEST_F(WorkerTest, HeartbeatDetailsOfAFailedAttemptReachTheNextAttempt) {
  auto worker = MakeWorker();
  worker->RegisterActivity("Resume", [](ActivityContext& context) -> hugo::Result<int> {
    if (context.info().attempt == 1) {
      context.Heartbeat(1);   // sent at once
      context.Heartbeat(42);  // held back by the throttle, reported with the failure
      return ApplicationError("transient", "Transient", false);
    }
    return context.LastHeartbeatDetails<int>();
  });
  ASSERT_TRUE(worker->Start().IsSuccess());
  StartWorkflow("resume");
  ActivityOptions options;
  options.maximum_attempts = 3;
  RunFirstWorkflowTask({ScheduleActivity("1", "Resume", activity_queue_, Payloads{}, options)});
  auto events = AwaitEvents(enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  const auto* completed = FindEvent(events, enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  ASSERT_NE(completed, nullptr);
  EXPECT_EQ(completed->activity_task_completed_event_attributes().result().SerializeAsString(),
            ToPayloads(42).Value().SerializeAsString());
  const auto* started = FindEvent(events, enums::EVENT_TYPE_ACTIVITY_TASK_STARTED);
  ASSERT_NE(started, nullptr);
  EXPECT_EQ(started->activity_task_started_event_attributes().attempt(), 2);
}

TEST_F(WorkerTest, ShutdownWaitsForARunningActivityAndSendsItsReply) {
  WorkerOptions options;
  options.shutdown_grace = seconds(60);
  auto worker = MakeWorker(options);
  Signal signal;
  bool started = false;
  bool release = false;
  worker->RegisterActivity("Slow", [&](ActivityContext&) {
    signal.Update([&] { started = true; });
    signal.Await([&] { return release; });
    return std::string("finished");
  });
  ASSERT_TRUE(worker->Start().IsSuccess());
  StartWorkflow("drain");
  RunFirstWorkflowTask({ScheduleActivity("1", "Slow", activity_queue_, Payloads{})});
  ASSERT_TRUE(signal.Await([&] { return started; }));

  std::atomic<bool> shutdown_returned{false};
  std::thread shutdown([&] {
    worker->Shutdown();
    shutdown_returned = true;
  });
  // Wait until Shutdown has begun (the worker reports not running), then check it still waits.
  const auto deadline = Clock::now() + kWait;
  while (worker->running() && Clock::now() < deadline) std::this_thread::yield();
  EXPECT_FALSE(worker->running());
  EXPECT_FALSE(shutdown_returned.load()) << "Shutdown returned while an activity ran";
  signal.Update([&] { release = true; });
  shutdown.join();
  EXPECT_TRUE(shutdown_returned.load());

  auto events = AwaitEvents(enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  const auto* completed = FindEvent(events, enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  ASSERT_NE(completed, nullptr);
  EXPECT_EQ(completed->activity_task_completed_event_attributes().result().SerializeAsString(),
            ToPayloads(std::string("finished")).Value().SerializeAsString());
}

TEST_F(WorkerTest, AnActivityStillRunningAfterTheGracePeriodHasItsTokenStopped) {
  WorkerOptions options;
  options.shutdown_grace = milliseconds(200);
  auto worker = MakeWorker(options);
  Signal signal;
  bool started = false;
  bool saw_stop = false;
  worker->RegisterActivity("Stubborn", [&](ActivityContext& context) -> hugo::Result<int> {
    signal.Update([&] { started = true; });
    std::mutex mutex;
    std::condition_variable_any never;
    std::unique_lock lock(mutex);
    never.wait_for(lock, context.stop_token(), kWait, [] { return false; });
    signal.Update([&] { saw_stop = context.stop_token().stop_requested(); });
    return hugo::Error::Canceled();
  });
  ASSERT_TRUE(worker->Start().IsSuccess());
  StartWorkflow("grace");
  RunFirstWorkflowTask({ScheduleActivity("1", "Stubborn", activity_queue_, Payloads{})});
  ASSERT_TRUE(signal.Await([&] { return started; }));
  const auto before = Clock::now();
  worker->Shutdown();
  EXPECT_LT(Clock::now() - before, seconds(20)) << "the grace period was not applied";
  EXPECT_TRUE(signal.Await([&] { return saw_stop; }, milliseconds(0)));
}

TEST_F(WorkerTest, NoMoreActivitiesRunAtOnceThanTheSlotLimit) {
  WorkerOptions options;
  options.max_concurrent_activities = 2;
  options.activity_pollers = 4;  // more pollers than slots: the slots must hold them back
  auto worker = MakeWorker(options);
  Signal signal;
  int running = 0, running_max = 0, finished = 0, releases = 0;
  worker->RegisterActivity("Hold", [&](ActivityContext&) {
    int ticket = 0;
    signal.Update([&] {
      running_max = std::max(running_max, ++running);
      ticket = running + finished;  // releases are handed out in start order
    });
    signal.Await([&] { return releases >= ticket; });
    signal.Update([&] {
      --running;
      ++finished;
    });
  });
  ASSERT_TRUE(worker->Start().IsSuccess());
  StartWorkflow("slots");
  std::vector<cmd::Command> commands;
  for (int i = 1; i <= 5; ++i) {
    commands.push_back(ScheduleActivity(std::to_string(i), "Hold", activity_queue_, Payloads{}));
  }
  RunFirstWorkflowTask(std::move(commands));
  for (int i = 1; i <= 5; ++i) {
    const int expected = std::min(2, 5 - i + 1);
    ASSERT_TRUE(signal.Await([&] { return running >= expected; }))
        << "only " << running << " running before release " << i;
    signal.Update([&] { ++releases; });
  }
  ASSERT_TRUE(signal.Await([&] { return finished == 5; }));
  EXPECT_EQ(running_max, 2);
  AwaitEvents(enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 5);
}

// The identities polling `task_queue` (workflow tasks), awaited until `identity` is among them.
bool AwaitWorkflowPoller(Connection& connection, const std::string& task_queue,
                         const std::string& identity) {
  const auto deadline = Clock::now() + kWait;
  while (Clock::now() < deadline) {
    wf::DescribeTaskQueueRequest request;
    request.set_namespace_(kNamespace);
    request.mutable_task_queue()->set_name(task_queue);
    request.set_task_queue_type(enums::TASK_QUEUE_TYPE_WORKFLOW);
    wf::DescribeTaskQueueResponse response;
    grpc::ClientContext context;
    connection.Prepare(context);
    if (connection.stub().DescribeTaskQueue(&context, request, &response).ok()) {
      for (const auto& poller : response.pollers()) {
        if (poller.identity() == identity) return true;
      }
    }
    std::this_thread::yield();
  }
  return false;
}

TEST_F(WorkerTest, WorkflowPollersPollTheNormalAndTheStickyQueue) {
  WorkerOptions options;
  options.identity = "sticky-poller-test";
  auto worker = MakeWorker(options);
  worker->RegisterWorkflow("TestWorkflow",
                           [](WorkflowContext) -> Workflow<hugo::Unit> { co_return hugo::Unit{}; });
  ASSERT_TRUE(worker->Start().IsSuccess());
  EXPECT_TRUE(AwaitWorkflowPoller(*connection_, activity_queue_, "sticky-poller-test"))
      << "nobody polls the normal queue";
  EXPECT_TRUE(AwaitWorkflowPoller(*connection_, worker->sticky_task_queue(), "sticky-poller-test"))
      << "nobody polls the sticky queue";
  worker->Shutdown();
  EXPECT_FALSE(worker->running());
}

TEST_F(WorkerTest, APollErrorThatRetryingCannotFixStopsTheWorkerAndIsTheResultOfRun) {
  WorkerOptions options;
  options.task_queue = activity_queue_;
  options.identity = "lost-worker";
  Worker worker(connection_, "no-such-namespace", options);
  worker.RegisterActivity("Noop", [] {});
  std::stop_source never_stopped;
  auto result = worker.Run(never_stopped.get_token());  // returns by itself, or the test hangs
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), "grpc.not_found") << result.Error().ToString();
  EXPECT_FALSE(worker.running());
  ASSERT_TRUE(worker.fatal_error().has_value());
}

// A port on this host that nothing listens on (bound, then closed).
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

TEST_F(WorkerTest, ShutdownEndsPollersThatAreWaitingOutABackoff) {
  // Every poll fails UNAVAILABLE (nothing listens) and its loop then waits an hour to poll again;
  // Shutdown must cancel those waits, not sit them out.
  ConnectionOptions connection_options;
  connection_options.address = "127.0.0.1:" + std::to_string(ClosedPort());
  connection_options.connect_timeout = milliseconds(0);
  auto unreachable = Connection::Connect(connection_options);
  ASSERT_TRUE(unreachable.IsSuccess()) << unreachable.Error().ToString();
  Signal signal;
  int failures = 0;
  WorkerOptions options;
  options.task_queue = activity_queue_;
  options.activity_pollers = 3;
  options.poll_backoff_initial = std::chrono::hours(1);
  options.poll_backoff_max = std::chrono::hours(1);
  options.log = [&](std::string_view line) {
    if (line.find("poll failed") != std::string_view::npos) signal.Update([&] { ++failures; });
  };
  Worker worker(unreachable.Value(), kNamespace, options);
  worker.RegisterActivity("Noop", [] {});
  ASSERT_TRUE(worker.Start().IsSuccess());
  ASSERT_TRUE(signal.Await([&] { return failures >= 3; })) << failures << " polls failed";
  worker.Shutdown();  // returns at once, or the test hangs past its timeout
  EXPECT_FALSE(worker.running());
  EXPECT_FALSE(worker.fatal_error().has_value()) << "UNAVAILABLE is worth retrying";
}

TEST_F(WorkerTest, StartRefusesAWorkerWithNothingRegistered) {
  auto worker = MakeWorker();
  auto started = worker->Start();
  ASSERT_TRUE(started.IsFailure());
  EXPECT_NE(started.Error().Message().find("no workflows or activities registered"),
            std::string::npos);
  EXPECT_FALSE(worker->running());
}

TEST_F(WorkerTest, TheStickyQueueIsNamedAfterTheIdentity) {
  auto worker = MakeWorker();
  EXPECT_EQ(worker->sticky_task_queue().rfind("sdk-worker-test-", 0), 0u);
  EXPECT_EQ(worker->sticky_task_queue().size(), std::string("sdk-worker-test-").size() + 36);
  WorkerOptions no_sticky;
  no_sticky.enable_sticky_execution = false;
  EXPECT_TRUE(MakeWorker(no_sticky)->sticky_task_queue().empty());
}

}  // namespace
}  // namespace hdo
