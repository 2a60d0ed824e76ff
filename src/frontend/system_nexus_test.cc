// The system Nexus endpoint through a real engine on SQLite: a workflow schedules
// SignalWithStartWorkflowExecution on "__temporal_system", the engine runs it in-process, and
// both histories show what the reference's show (the result, the links both ways); a command
// whose request the RPC would refuse fails its workflow task with the RPC's message.
#include "frontend/system_nexus.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "history/engine_test_fixture.h"

namespace hdo::frontend {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace command = temporal::api::command::v1;
namespace hist = temporal::api::history::v1;
using history::Engine;

class SystemNexusTest : public history::test_support::EngineHarness {
 protected:
  SystemNexusTest() : EngineHarness("hdo-system-nexus") {
    Engine::Options options;
    options.namespace_name_of = [](const std::string&) { return std::string("default"); };
    options.system_nexus_check = [](const Engine::SystemNexusCall& call) {
      return CheckSystemNexus(call);
    };
    options.system_nexus_start = [this](const Engine::SystemNexusCall& call) {
      return StartSystemNexus(*engine_, call);
    };
    RestartEngine(std::move(options));
  }

  static wf::SignalWithStartWorkflowExecutionRequest Request(const std::string& workflow_id) {
    wf::SignalWithStartWorkflowExecutionRequest request;
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Target");
    request.mutable_task_queue()->set_name("target-queue");
    request.set_signal_name("go");
    auto* input = request.mutable_signal_input()->add_payloads();
    (*input->mutable_metadata())["encoding"] = "json/plain";
    input->set_data("\"signal-input\"");
    return request;
  }

  static command::Command Schedule(
      const wf::SignalWithStartWorkflowExecutionRequest& request,
      const std::string& operation = "SignalWithStartWorkflowExecution") {
    command::Command cmd;
    cmd.set_command_type(enums::COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION);
    auto* attributes = cmd.mutable_schedule_nexus_operation_command_attributes();
    attributes->set_endpoint("__temporal_system");
    attributes->set_service("temporal.api.workflowservice.v1.WorkflowService");
    attributes->set_operation(operation);
    auto& metadata = *attributes->mutable_input()->mutable_metadata();
    metadata["encoding"] = "binary/protobuf";
    metadata["messageType"] =
        "temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionRequest";
    metadata["__temporal_system_payload"] = "true";
    attributes->mutable_input()->set_data(request.SerializeAsString());
    return cmd;
  }

  void StartCaller() {
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id("caller");
    request.mutable_workflow_type()->set_name("Caller");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id("start-caller");
    ASSERT_TRUE(engine_->StartWorkflow("ns", request).IsSuccess());
  }

  hugo::Result<wf::RespondWorkflowTaskCompletedResponse> CompleteCallerTask(command::Command cmd) {
    auto task = PollWorkflowTask();
    EXPECT_FALSE(task.task_token().empty());
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(task.task_token());
    *request.add_commands() = std::move(cmd);
    return engine_->CompleteWorkflowTask("ns", request);
  }

  // The caller scheduled the operation and the engine ran it: the caller's next workflow task.
  wf::PollWorkflowTaskQueueResponse Run(command::Command cmd) {
    StartCaller();
    auto completed = CompleteCallerTask(std::move(cmd));
    EXPECT_TRUE(completed.IsSuccess()) << completed.Error().Message();
    io_.poll();
    return PollWorkflowTask();
  }

  // The rejection a command gets when the caller's workflow task completes with it.
  std::string Rejection(command::Command cmd) {
    StartCaller();
    auto completed = CompleteCallerTask(std::move(cmd));
    EXPECT_TRUE(completed.IsFailure());
    return completed.IsFailure() ? completed.Error().Message() : "";
  }

  static const hist::HistoryEvent* Find(const hist::History& history, enums::EventType type) {
    for (const auto& event : history.events()) {
      if (event.event_type() == type) return &event;
    }
    return nullptr;
  }

  hist::History History(const std::string& workflow_id) {
    wf::GetWorkflowExecutionHistoryRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    request.set_maximum_page_size(1000);
    hist::History history;
    engine_->GetHistory("ns", request, [&history](auto result) {
      ASSERT_TRUE(result.IsSuccess()) << result.Error().Message();
      history = result.Value().history();
    });
    return history;
  }

  static wf::SignalWithStartWorkflowExecutionResponse ResponseOf(const hist::HistoryEvent& event) {
    const auto& result = event.nexus_operation_completed_event_attributes().result();
    EXPECT_EQ(result.metadata().at("encoding"), "binary/protobuf");
    EXPECT_EQ(result.metadata().at("messageType"),
              "temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionResponse");
    // The response embeds no payloads: not marked as an envelope to unwrap.
    EXPECT_EQ(result.metadata().count("__temporal_system_payload"), 0u);
    wf::SignalWithStartWorkflowExecutionResponse response;
    EXPECT_TRUE(response.ParseFromString(result.data()));
    return response;
  }
};

TEST_F(SystemNexusTest, SignalWithStartStartsTheTargetAndLinksBothWays) {
  auto task = Run(Schedule(Request("target")));
  ASSERT_FALSE(task.task_token().empty());
  const auto* scheduled = Find(task.history(), enums::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
  const auto* completed = Find(task.history(), enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED);
  ASSERT_NE(scheduled, nullptr);
  ASSERT_NE(completed, nullptr);
  EXPECT_TRUE(scheduled->nexus_operation_scheduled_event_attributes().endpoint_id().empty());
  const std::string request_id =
      scheduled->nexus_operation_scheduled_event_attributes().request_id();
  auto response = ResponseOf(*completed);
  EXPECT_TRUE(response.started());
  EXPECT_FALSE(response.run_id().empty());
  // The caller's completion links the target's Signaled event by the operation's request id.
  ASSERT_EQ(completed->links_size(), 1);
  const auto& to_target = completed->links(0).workflow_event();
  EXPECT_EQ(to_target.workflow_id(), "target");
  EXPECT_EQ(to_target.run_id(), response.run_id());
  EXPECT_EQ(to_target.request_id_ref().request_id(), request_id);
  EXPECT_EQ(to_target.request_id_ref().event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);

  // The target was started by the operation's request, linked to the caller's scheduled event,
  // and signaled with the request's signal.
  auto target = History("target");
  const auto* started = Find(target, enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  const auto* signaled = Find(target, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  ASSERT_NE(started, nullptr);
  ASSERT_NE(signaled, nullptr);
  ASSERT_EQ(started->links_size(), 1);
  const auto& to_caller = started->links(0).workflow_event();
  EXPECT_EQ(to_caller.workflow_id(), "caller");
  EXPECT_EQ(to_caller.run_id(), task.workflow_execution().run_id());
  EXPECT_EQ(to_caller.event_ref().event_id(), scheduled->event_id());
  EXPECT_EQ(to_caller.event_ref().event_type(), enums::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
  EXPECT_EQ(started->workflow_execution_started_event_attributes().workflow_type().name(),
            "Target");
  EXPECT_EQ(signaled->workflow_execution_signaled_event_attributes().signal_name(), "go");
  EXPECT_EQ(signaled->workflow_execution_signaled_event_attributes().input().payloads(0).data(),
            "\"signal-input\"");
  EXPECT_EQ(signaled->workflow_execution_signaled_event_attributes().request_id(), request_id);
}

TEST_F(SystemNexusTest, ARunningTargetIsSignaledNotStarted) {
  auto existing = Request("target");
  existing.set_request_id("first");
  auto first = engine_->SignalWithStart("ns", existing);
  ASSERT_TRUE(first.IsSuccess());
  auto task = Run(Schedule(Request("target")));
  const auto* completed = Find(task.history(), enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED);
  ASSERT_NE(completed, nullptr);
  auto response = ResponseOf(*completed);
  EXPECT_FALSE(response.started());
  EXPECT_EQ(response.run_id(), first.Value().run_id());
  int signals = 0;
  const auto target = History("target");
  for (const auto& event : target.events()) {
    if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) ++signals;
  }
  EXPECT_EQ(signals, 2);
}

TEST_F(SystemNexusTest, AStartTheIdPolicyRefusesFailsTheOperationForGood) {
  auto existing = Request("target");
  existing.set_request_id("first");
  auto first = engine_->SignalWithStart("ns", existing);
  ASSERT_TRUE(first.IsSuccess());
  wf::TerminateWorkflowExecutionRequest terminate;
  terminate.mutable_workflow_execution()->set_workflow_id("target");
  ASSERT_TRUE(engine_->Terminate("ns", terminate).IsSuccess());
  auto request = Request("target");
  request.set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE);
  auto task = Run(Schedule(request));
  const auto* failed = Find(task.history(), enums::EVENT_TYPE_NEXUS_OPERATION_FAILED);
  ASSERT_NE(failed, nullptr);
  const auto& failure = failed->nexus_operation_failed_event_attributes().failure();
  EXPECT_EQ(failure.nexus_operation_execution_failure_info().endpoint(), "__temporal_system");
  EXPECT_EQ(failure.cause().message().rfind("WorkflowExecutionAlreadyStarted: ", 0), 0u)
      << failure.cause().message();
  EXPECT_NE(failure.cause().message().find("reuse policy"), std::string::npos)
      << failure.cause().message();
  EXPECT_TRUE(failure.cause().server_failure_info().non_retryable());
}

TEST_F(SystemNexusTest, AJsonEncodedRequestIsReadToo) {
  auto cmd = Schedule(Request("target"));
  auto* input = cmd.mutable_schedule_nexus_operation_command_attributes()->mutable_input();
  (*input->mutable_metadata())["encoding"] = "json/protobuf";
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(Request("target"), &json).ok());
  input->set_data(json);
  auto task = Run(std::move(cmd));
  const auto* completed = Find(task.history(), enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED);
  ASSERT_NE(completed, nullptr);
  EXPECT_TRUE(ResponseOf(*completed).started());
}

TEST_F(SystemNexusTest, AnUnknownOperationOrServiceFailsTheWorkflowTask) {
  EXPECT_EQ(Rejection(Schedule(Request("target"), "StartWorkflowExecution")),
            "BadScheduleNexusOperationAttributes: operation \"StartWorkflowExecution\" not found");
}

TEST_F(SystemNexusTest, AnUnknownServiceFailsTheWorkflowTask) {
  auto cmd = Schedule(Request("target"));
  cmd.mutable_schedule_nexus_operation_command_attributes()->set_service("my.Service");
  EXPECT_EQ(Rejection(std::move(cmd)),
            "BadScheduleNexusOperationAttributes: service \"my.Service\" not found");
}

TEST_F(SystemNexusTest, WhatTheCallerMayNotSetIsRefused) {
  auto with_request_id = Request("target");
  with_request_id.set_request_id("mine");
  EXPECT_EQ(Rejection(Schedule(with_request_id)),
            "BadScheduleNexusOperationAttributes: RequestID should not be set on the request");
}

TEST_F(SystemNexusTest, LinksInTheRequestAreRefused) {
  auto with_links = Request("target");
  with_links.add_links()->mutable_workflow_event()->set_workflow_id("x");
  EXPECT_EQ(Rejection(Schedule(with_links)),
            "BadScheduleNexusOperationAttributes: Links should not be set on the request");
}

TEST_F(SystemNexusTest, AnotherNamespaceIsRefused) {
  auto elsewhere = Request("target");
  elsewhere.set_namespace_("other");
  EXPECT_EQ(Rejection(Schedule(elsewhere)),
            "BadScheduleNexusOperationAttributes: Namespace in request \"other\" does not match "
            "namespace in context \"default\"");
}

TEST_F(SystemNexusTest, TheConflictPolicyFailIsRefusedAsTheRpcRefusesIt) {
  auto fail_policy = Request("target");
  fail_policy.set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_FAIL);
  EXPECT_EQ(Rejection(Schedule(fail_policy)),
            "BadScheduleNexusOperationAttributes: Invalid WorkflowIDConflictPolicy: "
            "WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.");
}

TEST_F(SystemNexusTest, ANexusHeaderIsRefused) {
  auto with_header = Schedule(Request("target"));
  (*with_header.mutable_schedule_nexus_operation_command_attributes()
        ->mutable_nexus_header())["k"] = "v";
  EXPECT_EQ(Rejection(std::move(with_header)),
            "BadScheduleNexusOperationAttributes: ScheduleNexusOperationCommandAttributes."
            "NexusHeader must be empty when using __temporal_system endpoint");
}

TEST_F(SystemNexusTest, AnInputOfAnotherEncodingIsRefused) {
  auto cmd = Schedule(Request("target"));
  auto* input = cmd.mutable_schedule_nexus_operation_command_attributes()->mutable_input();
  (*input->mutable_metadata())["encoding"] = "binary/plain";
  EXPECT_EQ(Rejection(std::move(cmd)),
            "BadScheduleNexusOperationAttributes: failed to decode input payload: payload "
            "encoding binary/plain: encoding is not supported");
}

TEST_F(SystemNexusTest, WithoutTheSystemServiceTheEndpointIsUnknown) {
  RestartEngine();  // no system_nexus_check: as a server without the service
  EXPECT_EQ(Rejection(Schedule(Request("target"))),
            "BadScheduleNexusOperationAttributes: endpoint \"__temporal_system\" not found");
}

}  // namespace
}  // namespace hdo::frontend
