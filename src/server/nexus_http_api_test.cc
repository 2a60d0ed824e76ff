// Goal: the server serves the Nexus HTTP API on its own listener: a start sent over HTTP to an
// endpoint created through the OperatorService reaches a worker polling PollNexusTaskQueue, and
// the worker's RespondNexusTaskCompleted is the HTTP answer; the listener's port is the one in the
// callback URLs, a port in use fails the start with the flag to change, -1 turns the API off.
// Method: a real Server in this process on free ports and a temp SQLite file, gRPC stubs as the
// worker and the operator, raw HTTP/1.1 requests as the Nexus caller.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <string>

#include "server/server.h"
#include "temporal/api/operatorservice/v1/service.grpc.pb.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"
#include "testlib/http.h"
#include "testlib/process.h"

namespace hdo::server {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace op = temporal::api::operatorservice::v1;

class NexusHttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testlib::MakeTempDir("hdo-nexus-http-test"); }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  Server::Options Options() const {
    Server::Options options;
    options.port = 0;
    options.metrics_port = -1;
    options.http_port = 0;
    options.db_filename = dir_ + "/hdo.db";
    return options;
  }

  void StartServer(Server::Options options) {
    server_ = std::make_unique<Server>(options);
    auto started = server_->Start();
    ASSERT_TRUE(started.IsSuccess()) << started.Error().Message();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->BoundPort()),
                                       grpc::InsecureChannelCredentials());
    workflow_ = wf::WorkflowService::NewStub(channel);
    operator_ = op::OperatorService::NewStub(channel);
  }

  // The endpoint's id.
  std::string CreateEndpoint(const std::string& name, const std::string& task_queue) {
    op::CreateNexusEndpointRequest request;
    request.mutable_spec()->set_name(name);
    request.mutable_spec()->mutable_target()->mutable_worker()->set_namespace_("default");
    request.mutable_spec()->mutable_target()->mutable_worker()->set_task_queue(task_queue);
    op::CreateNexusEndpointResponse response;
    grpc::ClientContext context;
    grpc::Status status = operator_->CreateNexusEndpoint(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.endpoint().id();
  }

  std::string dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<wf::WorkflowService::Stub> workflow_;
  std::unique_ptr<op::OperatorService::Stub> operator_;
};

TEST_F(NexusHttpApiTest, AStartOverHttpIsAnsweredWithTheWorkersSyncResult) {
  StartServer(Options());
  ASSERT_GT(server_->HttpPort(), 0);
  const std::string endpoint_id = CreateEndpoint("my-endpoint", "nexus-tq");
  ASSERT_FALSE(endpoint_id.empty());

  // The caller, on a thread of its own: its answer comes once the worker responds.
  std::future<std::string> answer = std::async(std::launch::async, [&] {
    return testlib::HttpRequest(
        server_->HttpPort(),
        "POST /nexus/endpoints/" + endpoint_id +
            "/services/svc/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Nexus-Request-Id: r-1\r\nRequest-Timeout: 20s\r\nContent-Length: 4\r\n\r\n\"hi\"");
  });

  wf::PollNexusTaskQueueRequest poll;
  poll.set_namespace_("default");
  poll.mutable_task_queue()->set_name("nexus-tq");
  poll.set_identity("test-worker");
  wf::PollNexusTaskQueueResponse task;
  grpc::ClientContext poll_context;
  poll_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  grpc::Status polled = workflow_->PollNexusTaskQueue(&poll_context, poll, &task);
  ASSERT_TRUE(polled.ok()) << polled.error_message();
  ASSERT_FALSE(task.task_token().empty());
  EXPECT_EQ(task.request().endpoint(), "my-endpoint");
  EXPECT_EQ(task.request().start_operation().service(), "svc");
  EXPECT_EQ(task.request().start_operation().request_id(), "r-1");
  EXPECT_EQ(task.request().start_operation().payload().data(), "\"hi\"");

  wf::RespondNexusTaskCompletedRequest respond;
  respond.set_namespace_("default");
  respond.set_identity("test-worker");
  respond.set_task_token(task.task_token());
  auto* sync = respond.mutable_response()->mutable_start_operation()->mutable_sync_success();
  (*sync->mutable_payload()->mutable_metadata())["encoding"] = "json/plain";
  sync->mutable_payload()->set_data("\"hi back\"");
  wf::RespondNexusTaskCompletedResponse responded;
  grpc::ClientContext respond_context;
  grpc::Status completed =
      workflow_->RespondNexusTaskCompleted(&respond_context, respond, &responded);
  ASSERT_TRUE(completed.ok()) << completed.error_message();

  ASSERT_EQ(answer.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  std::string response = answer.get();
  EXPECT_EQ(response.substr(0, response.find("\r\n")), "HTTP/1.1 200 OK") << response;
  EXPECT_NE(response.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_EQ(response.substr(response.find("\r\n\r\n") + 4), "\"hi back\"");
}

TEST_F(NexusHttpApiTest, UnknownEndpointsAndNamespacesAreNexusNotFound) {
  StartServer(Options());
  std::string response = testlib::HttpRequest(
      server_->HttpPort(), "POST /nexus/endpoints/nope/services/s/o HTTP/1.1\r\n\r\n");
  EXPECT_EQ(response.substr(0, response.find("\r\n")), "HTTP/1.1 404 Not Found");
  EXPECT_NE(response.find("{\"message\":\"nexus endpoint not found\"}"), std::string::npos);
  response = testlib::HttpRequest(server_->HttpPort(),
                                  "POST /namespaces/nope/nexus/callback HTTP/1.1\r\n"
                                  "Nexus-Operation-State: succeeded\r\n\r\n");
  EXPECT_NE(response.find("{\"message\":\"namespace \\\"nope\\\" not found\"}"), std::string::npos)
      << response;
}

TEST_F(NexusHttpApiTest, TheCallbackUrlNamesTheListenersPortAndTheNamespace) {
  Server::Options options = Options();
  options.ip = "0.0.0.0";
  StartServer(options);
  EXPECT_EQ(server_->NexusCallbackUrl("my ns"),
            "http://127.0.0.1:" + std::to_string(server_->HttpPort()) +
                "/namespaces/my%20ns/nexus/callback");
  EXPECT_EQ(server_->HttpAddress(), "0.0.0.0:" + std::to_string(server_->HttpPort()));
}

TEST_F(NexusHttpApiTest, MinusOneServesNoNexusHttpApi) {
  Server::Options options = Options();
  options.http_port = -1;
  StartServer(options);
  EXPECT_EQ(server_->HttpPort(), 0);
  EXPECT_EQ(server_->HttpAddress(), "");
  EXPECT_EQ(server_->NexusCallbackUrl("default"), "");
}

TEST_F(NexusHttpApiTest, APortInUseFailsTheStartNamingTheFlag) {
  StartServer(Options());
  Server::Options options = Options();
  options.db_filename = dir_ + "/second.db";
  options.http_port = server_->HttpPort();
  Server second(options);
  auto started = second.Start();
  ASSERT_TRUE(started.IsFailure());
  EXPECT_TRUE(started.Error().HasCode(kErrorAddressInUse));
  EXPECT_NE(started.Error().Message().find("--http-port"), std::string::npos);
}

}  // namespace
}  // namespace hdo::server
