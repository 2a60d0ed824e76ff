// hdo::Connection over TLS and mTLS with an API key, against an in-test gRPC server that plays
// the frontend's GetSystemInfo and records what the client sent. Certificates are made by openssl
// at test time (a test CA, another CA, a server and a client certificate).
#include "hdo/connection.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "testlib/process.h"

namespace hdo {
namespace {

namespace ws = temporal::api::workflowservice::v1;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Records the authorization header and the peer's client certificate of each call.
class RecordingService final : public ws::WorkflowService::Service {
 public:
  grpc::Status GetSystemInfo(grpc::ServerContext* context, const ws::GetSystemInfoRequest*,
                             ws::GetSystemInfoResponse* response) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = context->client_metadata().find("authorization");
    authorization_ = it == context->client_metadata().end()
                         ? ""
                         : std::string(it->second.data(), it->second.size());
    auto peer = context->auth_context()->FindPropertyValues("x509_common_name");
    client_common_name_ = peer.empty() ? "" : std::string(peer[0].data(), peer[0].size());
    response->set_server_version("test");
    return grpc::Status::OK;
  }
  std::string authorization() {
    std::lock_guard<std::mutex> lock(mutex_);
    return authorization_;
  }
  std::string client_common_name() {
    std::lock_guard<std::mutex> lock(mutex_);
    return client_common_name_;
  }

 private:
  std::mutex mutex_;
  std::string authorization_;
  std::string client_common_name_;
};

class ConnectionTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string script =
        "cd '" + dir_.path() +
        "' && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
        "-subj '/CN=sdk test CA' && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.pem -days 2 "
        "-subj '/CN=other CA' && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
        "-subj '/CN=localhost' && "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile server.ext && "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
        "-subj '/CN=worker-7' && "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out client.pem -days 2";
    ASSERT_EQ(std::system(("(" + script + ") >/dev/null 2>&1").c_str()), 0) << "openssl failed";

    grpc::SslServerCredentialsOptions ssl(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = ReadFile(dir_.path() + "/ca.pem");
    ssl.pem_key_cert_pairs.push_back(
        {ReadFile(dir_.path() + "/server.key"), ReadFile(dir_.path() + "/server.pem")});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  ConnectionOptions Options() const {
    ConnectionOptions options;
    options.address = "127.0.0.1:" + std::to_string(port_);
    options.tls = TlsOptions{dir_.path() + "/ca.pem", dir_.path() + "/client.pem",
                             dir_.path() + "/client.key", ""};
    options.connect_timeout = std::chrono::seconds(5);
    return options;
  }

  testlib::TempDir dir_{"hdo-sdk-tls"};
  RecordingService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(ConnectionTlsTest, MutualTlsWithAnApiKeyReachesTheServerWithBoth) {
  ConnectionOptions options = Options();
  options.api_key = "secret-key";
  auto connection = Connection::Connect(options);
  ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
  grpc::ClientContext context;
  connection.Value()->Prepare(context);
  ws::GetSystemInfoResponse response;
  grpc::Status status =
      connection.Value()->stub().GetSystemInfo(&context, ws::GetSystemInfoRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.server_version(), "test");
  EXPECT_EQ(service_.authorization(), "Bearer secret-key");
  EXPECT_EQ(service_.client_common_name(), "worker-7");
}

TEST_F(ConnectionTlsTest, AServerCertificateFromAnotherCaIsRefused) {
  ConnectionOptions options = Options();
  options.tls->ca_file = dir_.path() + "/other-ca.pem";
  auto connection = Connection::Connect(options);
  ASSERT_TRUE(connection.IsFailure());
  EXPECT_EQ(connection.Error().Code(), "error.unavailable");
  EXPECT_NE(connection.Error().Message().find("cannot connect to 127.0.0.1:"), std::string::npos)
      << connection.Error().Message();
}

TEST_F(ConnectionTlsTest, WithoutAClientCertificateTheMutualTlsServerRefuses) {
  ConnectionOptions options = Options();
  options.tls->cert_file.clear();
  options.tls->key_file.clear();
  auto connection = Connection::Connect(options);
  EXPECT_TRUE(connection.IsFailure());
}

TEST_F(ConnectionTlsTest, ACertificateWithoutItsKeyIsABadOption) {
  ConnectionOptions options = Options();
  options.tls->key_file.clear();
  auto connection = Connection::Connect(options);
  ASSERT_TRUE(connection.IsFailure());
  EXPECT_EQ(connection.Error().Code(), hugo::ErrorCodes::kValidation);
  EXPECT_NE(connection.Error().Message().find("cert_file and key_file"), std::string::npos);
}

TEST(ConnectionTest, AnEmptyAddressIsABadOption) {
  ConnectionOptions options;
  options.address = "";
  auto connection = Connection::Connect(options);
  ASSERT_TRUE(connection.IsFailure());
  EXPECT_EQ(connection.Error().Code(), hugo::ErrorCodes::kValidation);
}

}  // namespace
}  // namespace hdo
