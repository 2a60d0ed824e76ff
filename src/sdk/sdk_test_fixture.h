// Test support for the SDK's end-to-end tests (header only, test code): one server per test
// process (`hdo server start-dev`, or the server HDO_SDK_TARGET=host:port names, e.g. the
// reference started by tests/sdk/run-reference), and a fixture with a connection, a client, a
// worker on a task queue of its own per test, and history helpers.
//
// Owner: the test. Thread safety: the server is created once (function-local static); a fixture
// is used by its test's thread.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "call.h"
#include "hdo/client.h"
#include "hdo/worker.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"

namespace hdo::testsupport {

class SdkServer {
 public:
  static SdkServer& Get() {
    static SdkServer server;
    return server;
  }
  // Empty when the server did not start.
  const std::string& address() const { return address_; }

 private:
  SdkServer() {
    if (const char* env = std::getenv("HDO_SDK_TARGET"); env != nullptr && *env != '\0') {
      address_ = env;
      return;
    }
    dir_ = std::make_unique<testlib::TempDir>("hdo-sdk-test");
    server_ = std::make_unique<testlib::DevServer>(dir_->path() + "/hdo.db");
    address_ = server_->address();
  }
  // Removed after the server stopped (members end in reverse order).
  std::unique_ptr<testlib::TempDir> dir_;
  std::unique_ptr<testlib::DevServer> server_;
  std::string address_;
};

class SdkWorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(SdkServer::Get().address().empty()) << "the server did not start";
    ConnectionOptions options;
    options.address = SdkServer::Get().address();
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

  // A worker on this test's task queue (started by StartWorker once registered).
  Worker& NewWorker(WorkerOptions options = {}) {
    options.task_queue = task_queue_;
    worker_ = std::make_unique<Worker>(connection_, "default", std::move(options));
    return *worker_;
  }
  void StartWorker() {
    auto started = worker_->Start();
    ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
  }
  // Start options with a workflow id unique to this process and call.
  StartWorkflowOptions Options(const std::string& id) {
    StartWorkflowOptions options;
    options.id = id + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    options.task_queue = task_queue_;
    options.execution_timeout = std::chrono::seconds(60);
    return options;
  }
  static std::vector<temporal::api::history::v1::HistoryEvent> Events(
      const UntypedWorkflowHandle& handle) {
    auto fetched = handle.FetchHistory();
    EXPECT_TRUE(fetched.IsSuccess()) << fetched.Error().ToString();
    if (fetched.IsFailure()) return {};
    return {fetched.Value().events().begin(), fetched.Value().events().end()};
  }
  // The event types of a run's history, in order.
  static std::vector<temporal::api::enums::v1::EventType> EventTypes(
      const UntypedWorkflowHandle& handle) {
    std::vector<temporal::api::enums::v1::EventType> types;
    for (const auto& e : Events(handle)) types.push_back(e.event_type());
    return types;
  }
  static bool Contains(const std::vector<temporal::api::enums::v1::EventType>& types,
                       temporal::api::enums::v1::EventType type) {
    return std::find(types.begin(), types.end(), type) != types.end();
  }

  std::shared_ptr<Connection> connection_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<Worker> worker_;
  std::string task_queue_;
  int counter_ = 0;
};

// A connection to the suite's server; null, with the failure reported, when the server did not
// start or the connection failed.
inline std::shared_ptr<Connection> ConnectToSdkServer() {
  if (SdkServer::Get().address().empty()) {
    ADD_FAILURE() << "the server did not start";
    return nullptr;
  }
  ConnectionOptions options;
  options.address = SdkServer::Get().address();
  auto connection = Connection::Connect(options);
  if (connection.IsFailure()) {
    ADD_FAILURE() << connection.Error().ToString();
    return nullptr;
  }
  return connection.Value();
}

// Starts a run of `workflow_type` on `task_queue` with raw gRPC and polls its first workflow task
// as identity "test" (the tests that hand tasks to a WorkflowTaskProcessor themselves); an empty
// token when either call failed (the failure is reported).
inline temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse StartAndPollFirstTask(
    Connection& connection, const std::string& namespace_name, const std::string& task_queue,
    const std::string& workflow_type, const std::string& workflow_id) {
  namespace wf = temporal::api::workflowservice::v1;
  wf::StartWorkflowExecutionRequest start;
  start.set_namespace_(namespace_name);
  start.set_workflow_id(workflow_id);
  start.mutable_workflow_type()->set_name(workflow_type);
  start.mutable_task_queue()->set_name(task_queue);
  start.set_request_id(workflow_id + "-request");
  wf::StartWorkflowExecutionResponse started;
  grpc::ClientContext start_context;
  connection.Prepare(start_context);
  grpc::Status status = connection.stub().StartWorkflowExecution(&start_context, start, &started);
  EXPECT_TRUE(status.ok()) << status.error_message();
  wf::PollWorkflowTaskQueueRequest poll;
  poll.set_namespace_(namespace_name);
  poll.mutable_task_queue()->set_name(task_queue);
  poll.set_identity("test");
  wf::PollWorkflowTaskQueueResponse task;
  grpc::ClientContext poll_context;
  connection.Prepare(poll_context, std::chrono::seconds(20));
  status = connection.stub().PollWorkflowTaskQueue(&poll_context, poll, &task);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return task;
}

// Sends signal `signal_name` with the string `text` to the current run of `workflow_id` with raw
// gRPC (`request_id` deduplicates it); the failure is reported.
inline void SignalWithRawCall(Connection& connection, const std::string& namespace_name,
                              const std::string& workflow_id, const std::string& signal_name,
                              const std::string& text, const std::string& request_id) {
  namespace wf = temporal::api::workflowservice::v1;
  wf::SignalWorkflowExecutionRequest signal;
  signal.set_namespace_(namespace_name);
  signal.mutable_workflow_execution()->set_workflow_id(workflow_id);
  signal.set_signal_name(signal_name);
  auto payloads = ToPayloads(text);
  ASSERT_TRUE(payloads.IsSuccess());
  *signal.mutable_input() = payloads.Value();
  signal.set_request_id(request_id);
  auto sent = Call<wf::SignalWorkflowExecutionResponse>(
      connection, &Connection::Stub::SignalWorkflowExecution, signal, "signal");
  ASSERT_TRUE(sent.IsSuccess()) << sent.Error().Message();
}

// The history of the current run of `workflow_id`, read with raw gRPC; empty, with the failure
// reported, when the call failed.
inline temporal::api::history::v1::History HistoryWithRawCall(Connection& connection,
                                                              const std::string& namespace_name,
                                                              const std::string& workflow_id) {
  namespace wf = temporal::api::workflowservice::v1;
  wf::GetWorkflowExecutionHistoryRequest request;
  request.set_namespace_(namespace_name);
  request.mutable_execution()->set_workflow_id(workflow_id);
  auto read = Call<wf::GetWorkflowExecutionHistoryResponse>(
      connection, &Connection::Stub::GetWorkflowExecutionHistory, request, "history");
  EXPECT_TRUE(read.IsSuccess()) << read.Error().Message();
  temporal::api::history::v1::History history;
  if (read.IsSuccess()) history = read.Value().history();
  return history;
}

}  // namespace hdo::testsupport
