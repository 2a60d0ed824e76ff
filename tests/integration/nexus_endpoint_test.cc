// Goal: the Nexus endpoint RPCs of OperatorService answer over gRPC with the reference's codes
// and messages (create, get, list, update, delete; AlreadyExists, NotFound, FailedPrecondition,
// InvalidArgument), and endpoints are durable: what a client created is there, unchanged, after
// a restart on the same file, and a deleted one stays deleted. Method: the real binary
// (`hdo server start-dev`) on port 0 with a temp SQLite file, the generated C++ stubs.
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "temporal/api/operatorservice/v1/service.grpc.pb.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using std::chrono::seconds;
namespace nexus = temporal::api::nexus::v1;
namespace op = temporal::api::operatorservice::v1;

class NexusEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testlib::MakeTempDir("hdo-nexus-endpoint-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Db() const { return dir_ + "/hdo.db"; }

  static std::unique_ptr<op::OperatorService::Stub> Stub(const std::string& address) {
    return op::OperatorService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  // Calls `method` of `stub` with a 10 s deadline.
  template <class Request, class Response, class Method>
  static grpc::Status Call(op::OperatorService::Stub& stub, Method method, const Request& request,
                           Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    return (stub.*method)(&context, request, response);
  }

  static nexus::EndpointSpec WorkerSpec(const std::string& name, const std::string& task_queue) {
    nexus::EndpointSpec spec;
    spec.set_name(name);
    spec.mutable_target()->mutable_worker()->set_namespace_("default");
    spec.mutable_target()->mutable_worker()->set_task_queue(task_queue);
    return spec;
  }

  std::string dir_;
};

TEST_F(NexusEndpointTest, TheEndpointRpcsAnswerWithTheReferencesCodesAndMessages) {
  testlib::DevServer server(Db());
  ASSERT_TRUE(server.started()) << server.process().Stderr();
  auto stub = Stub(server.address());

  op::CreateNexusEndpointRequest create;
  *create.mutable_spec() = WorkerSpec("payments", "payments-queue");
  op::CreateNexusEndpointResponse created;
  grpc::Status status =
      Call(*stub, &op::OperatorService::Stub::CreateNexusEndpoint, create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const nexus::Endpoint& endpoint = created.endpoint();
  EXPECT_EQ(endpoint.version(), 1);
  EXPECT_EQ(endpoint.url_prefix(), "/nexus/endpoints/" + endpoint.id() + "/services");
  EXPECT_TRUE(endpoint.has_created_time());

  op::CreateNexusEndpointResponse ignored;
  status = Call(*stub, &op::OperatorService::Stub::CreateNexusEndpoint, create, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(status.error_message(),
            "error creating Nexus endpoint. Endpoint with name payments already registered");

  create.mutable_spec()->set_name("other");
  create.mutable_spec()->mutable_target()->mutable_worker()->set_namespace_("nope");
  status = Call(*stub, &op::OperatorService::Stub::CreateNexusEndpoint, create, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "could not verify namespace referenced by target exists: Namespace nope is not found.");

  create.mutable_spec()->set_name("1x");
  create.mutable_spec()->mutable_target()->mutable_external()->set_url("ftp://x");
  status = Call(*stub, &op::OperatorService::Stub::CreateNexusEndpoint, create, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            R"(endpoint name must match the regex: "^[a-zA-Z][a-zA-Z0-9\\-]*[a-zA-Z0-9]$", )"
            R"(invalid target URL scheme: "ftp", expected http or https)");

  op::GetNexusEndpointRequest get;
  get.set_id(endpoint.id());
  op::GetNexusEndpointResponse got;
  status = Call(*stub, &op::OperatorService::Stub::GetNexusEndpoint, get, &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got.endpoint().SerializeAsString(), endpoint.SerializeAsString());

  op::UpdateNexusEndpointRequest update;
  update.set_id(endpoint.id());
  update.set_version(7);
  *update.mutable_spec() = WorkerSpec("payments", "q2");
  op::UpdateNexusEndpointResponse updated;
  status = Call(*stub, &op::OperatorService::Stub::UpdateNexusEndpoint, update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "nexus endpoint version mismatch. received: 7 expected 1");
  update.set_version(1);
  status = Call(*stub, &op::OperatorService::Stub::UpdateNexusEndpoint, update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.endpoint().version(), 2);
  EXPECT_TRUE(updated.endpoint().has_last_modified_time());

  op::ListNexusEndpointsRequest list;
  list.set_name("payments");
  op::ListNexusEndpointsResponse listed;
  status = Call(*stub, &op::OperatorService::Stub::ListNexusEndpoints, list, &listed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.endpoints_size(), 1);
  EXPECT_EQ(listed.endpoints(0).spec().target().worker().task_queue(), "q2");

  op::DeleteNexusEndpointRequest remove;
  remove.set_id(endpoint.id());
  remove.set_version(2);
  op::DeleteNexusEndpointResponse removed;
  status = Call(*stub, &op::OperatorService::Stub::DeleteNexusEndpoint, remove, &removed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  status = Call(*stub, &op::OperatorService::Stub::GetNexusEndpoint, get, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "Nexus endpoint with ID `" + endpoint.id() + "` not found");
  status = Call(*stub, &op::OperatorService::Stub::DeleteNexusEndpoint, remove, &removed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "error deleting nexus endpoint with ID: " + endpoint.id());
}

TEST_F(NexusEndpointTest, EndpointsSurviveARestartOnTheSameFile) {
  nexus::Endpoint kept;
  std::string deleted_id;
  {
    testlib::DevServer server(Db());
    ASSERT_TRUE(server.started()) << server.process().Stderr();
    auto stub = Stub(server.address());
    for (const char* name : {"kept", "deleted"}) {
      op::CreateNexusEndpointRequest create;
      *create.mutable_spec() = WorkerSpec(name, "queue");
      op::CreateNexusEndpointResponse created;
      grpc::Status status =
          Call(*stub, &op::OperatorService::Stub::CreateNexusEndpoint, create, &created);
      ASSERT_TRUE(status.ok()) << status.error_message();
      if (std::string(name) == "kept") kept = created.endpoint();
      if (std::string(name) == "deleted") deleted_id = created.endpoint().id();
    }
    op::DeleteNexusEndpointRequest remove;
    remove.set_id(deleted_id);
    remove.set_version(1);
    op::DeleteNexusEndpointResponse removed;
    grpc::Status status =
        Call(*stub, &op::OperatorService::Stub::DeleteNexusEndpoint, remove, &removed);
    ASSERT_TRUE(status.ok()) << status.error_message();
    server.process().Signal(SIGINT);
    ASSERT_EQ(server.process().Wait(seconds(30)), 0);
  }
  testlib::DevServer restarted(Db());
  ASSERT_TRUE(restarted.started()) << restarted.process().Stderr();
  auto stub = Stub(restarted.address());
  op::ListNexusEndpointsResponse listed;
  grpc::Status status = Call(*stub, &op::OperatorService::Stub::ListNexusEndpoints,
                             op::ListNexusEndpointsRequest(), &listed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.endpoints_size(), 1);
  EXPECT_EQ(listed.endpoints(0).SerializeAsString(), kept.SerializeAsString());
  // The name of the deleted endpoint is free again.
  op::CreateNexusEndpointRequest create;
  *create.mutable_spec() = WorkerSpec("deleted", "queue");
  op::CreateNexusEndpointResponse created;
  status = Call(*stub, &op::OperatorService::Stub::CreateNexusEndpoint, create, &created);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(created.endpoint().id(), deleted_id);
}

}  // namespace
}  // namespace hdo
