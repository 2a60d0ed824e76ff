// Goal: `hdo server start` on PostgreSQL and MariaDB refuses every store it cannot use with one
// line on stderr and exit code 2, naming what to fix and never the password: a wrong password, a
// port nothing listens on, an unknown database, a database without the schema (naming `hdo admin
// schema migrate`), a shard count other than the cluster's; and `hdo admin schema migrate|version`
// bring a new database to the schema the server accepts. Method: the real binary against the
// servers of the ctest fixture test_db, a database of its own per test.
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "persistence/sql/connect.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"
#include "testlib/test_db.h"

namespace hdo {
namespace {

using std::chrono::seconds;

std::string WithDatabase(const std::string& dsn, const std::string& database) {
  size_t slash = dsn.find('/', dsn.find("://") + 3);
  return dsn.substr(0, slash) + "/" + database;
}

class StoreConfigTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const testlib::TestDb& server = testlib::SharedTestDb(GetParam());
    ASSERT_TRUE(server.error.empty()) << server.error;
    admin_dsn_ = server.dsn;
    static std::atomic<int> counter{0};
    database_ = "hdo_cfg_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    auto admin = persistence::sql::Connect(admin_dsn_);
    ASSERT_TRUE(admin.IsSuccess()) << admin.Error().ToString();
    ASSERT_TRUE(admin.Value()->Execute("CREATE DATABASE " + database_, {}).IsSuccess());
    dsn_ = WithDatabase(admin_dsn_, database_);
    dir_ = testlib::MakeTempDir("hdo-store-config");
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    auto admin = persistence::sql::Connect(admin_dsn_);
    if (admin.IsSuccess()) (void)admin.Value()->Execute("DROP DATABASE " + database_, {});
  }
  std::string Config(const std::string& dsn, int shards = 1) {
    std::string path = dir_ + "/hdo.yaml";
    std::ofstream(path)
        << "server:\n  port: 0\n  metrics_port: -1\n  http_port: -1\npersistence:\n  dsn: " << dsn
        << "\nhistory:\n  shards: " << shards << "\n";
    return path;
  }
  // Runs `hdo args...` to its end; returns the exit code.
  int Run(std::vector<std::string> args, std::string* out, std::string* err) {
    args.insert(args.begin(), testlib::HdoBinary());
    testlib::Process process(args);
    int code = process.Wait(seconds(60));
    *out = process.Stdout();
    *err = process.Stderr();
    return code;
  }
  // A refused start: exit 2, one line naming `words`, no password.
  void ExpectRefused(const std::string& config, const std::string& words) {
    std::string out;
    std::string err;
    EXPECT_EQ(Run({"server", "start", "--config", config}, &out, &err), 2) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(err.rfind("hdo: error: ", 0), 0u) << err;
    EXPECT_NE(err.find(words), std::string::npos) << err;
    EXPECT_EQ(err.find(":hdo@"), std::string::npos) << "a password leaked: " << err;
    EXPECT_EQ(err.find("wrong-secret"), std::string::npos) << "a password leaked: " << err;
  }

  std::string admin_dsn_;
  std::string database_;
  std::string dsn_;
  std::string dir_;
};

TEST_P(StoreConfigTest, AStoreThatCannotBeUsedIsOneLineAndExitCode2) {
  std::string wrong_password = std::regex_replace(dsn_, std::regex(":hdo@"), ":wrong-secret@");
  ExpectRefused(Config(wrong_password), "password in the DSN");
  std::string closed_port = std::regex_replace(dsn_, std::regex(":[0-9]+/"), ":1/");
  ExpectRefused(Config(closed_port), "is the server running and listening there?");
  ExpectRefused(Config(WithDatabase(admin_dsn_, "no_such_database")), "no_such_database");
  ExpectRefused(Config(dsn_), "run `hdo admin schema migrate --db <dsn>` first");
}

TEST_P(StoreConfigTest, MigrateBringsTheSchemaTheServerNeedsAndTheShardCountIsFixed) {
  std::string out;
  std::string err;
  ASSERT_EQ(Run({"admin", "schema", "version", "--db", dsn_}, &out, &err), 0) << err;
  EXPECT_NE(out.find("schema version 0"), std::string::npos) << out;
  ASSERT_EQ(Run({"admin", "schema", "migrate", "--db", dsn_}, &out, &err), 0) << err;
  EXPECT_NE(out.find("applied V1__init.sql"), std::string::npos) << out;
  EXPECT_NE(out.find("(up to date)"), std::string::npos) << out;
  ASSERT_EQ(Run({"admin", "schema", "migrate", "--db", dsn_}, &out, &err), 0) << err;
  EXPECT_EQ(out.find("applied"), std::string::npos) << "migrated twice: " << out;
  ASSERT_EQ(Run({"admin", "schema", "version", "--db", dsn_}, &out, &err), 0) << err;
  EXPECT_NE(out.find("(up to date)"), std::string::npos) << out;

  {
    testlib::Process server(
        {testlib::HdoBinary(), "server", "start", "--config", Config(dsn_, /*shards=*/2)});
    ASSERT_TRUE(
        server.WaitForStderr(std::regex("msg=\"server started\".*history_shards=2"), seconds(60)))
        << server.Stderr();
    server.Signal(SIGINT);
    EXPECT_EQ(server.Wait(seconds(30)), 0) << server.Stderr();
  }
  ExpectRefused(Config(dsn_, /*shards=*/8),
                "the cluster was created with 2 history shards and this server is configured "
                "with 8");
}

TEST_P(StoreConfigTest, AServerReachesItsStoreOverVerifiedTls) {
  const testlib::TestDb& server = testlib::SharedTestDb(GetParam());
  ASSERT_FALSE(server.ca_file.empty()) << "scripts/test-db names no CA";
  const bool postgres = GetParam() == "postgres";
  std::string out;
  std::string err;
  std::string tls_dsn = dsn_ + (postgres ? "?sslmode=verify-full&sslrootcert=" + server.ca_file
                                         : "?tls=true&ssl-ca=" + server.ca_file);
  ASSERT_EQ(Run({"admin", "schema", "migrate", "--db", tls_dsn}, &out, &err), 0) << err;
  auto config = [&](const std::string& ca) {
    std::string path = dir_ + "/tls.yaml";
    std::ofstream(path)
        << "server:\n  port: 0\n  metrics_port: -1\n  http_port: -1\npersistence:\n  dsn: " << dsn_
        << "\n  tls:\n    mode: " << (postgres ? "verify-full" : "true") << "\n    ca_file: " << ca
        << "\n";
    return path;
  };
  {
    testlib::Process hdo(
        {testlib::HdoBinary(), "server", "start", "--config", config(server.ca_file)});
    ASSERT_TRUE(hdo.WaitForStderr(std::regex("msg=\"server started\""), seconds(60)))
        << hdo.Stderr();
    hdo.Signal(SIGINT);
    EXPECT_EQ(hdo.Wait(seconds(30)), 0) << hdo.Stderr();
  }
  std::string other_ca = server.ca_file.substr(0, server.ca_file.rfind('/')) + "/other-ca.pem";
  ExpectRefused(config(other_ca), "certificate");
}

// Two servers on one database: the second takes the shards (range_id + 1), and the first one's
// next write fails the fence, so it exits saying why instead of writing over the second's state.
TEST_P(StoreConfigTest, ASecondServerOnTheStoreFencesTheFirstOneOutAndItExits) {
  std::string out;
  std::string err;
  ASSERT_EQ(Run({"admin", "schema", "migrate", "--db", dsn_}, &out, &err), 0) << err;
  std::string config = Config(dsn_, /*shards=*/2);
  const std::regex started("msg=\"server started\".* grpc_address=([^ ]+)");
  testlib::Process first({testlib::HdoBinary(), "server", "start", "--config", config});
  auto first_address = first.WaitForStderr(started, seconds(60));
  ASSERT_TRUE(first_address) << first.Stderr();
  testlib::Process second({testlib::HdoBinary(), "server", "start", "--config", config});
  auto second_address = second.WaitForStderr(started, seconds(60));
  ASSERT_TRUE(second_address) << second.Stderr();

  namespace wf = temporal::api::workflowservice::v1;
  auto register_namespace = [](const std::string& address, const std::string& name) {
    auto stub = wf::WorkflowService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(20));
    wf::RegisterNamespaceRequest request;
    request.set_namespace_(name);
    request.mutable_workflow_execution_retention_period()->set_seconds(86400);
    wf::RegisterNamespaceResponse response;
    return stub->RegisterNamespace(&context, request, &response);
  };
  grpc::Status refused = register_namespace((*first_address)[1].str(), "from-the-first");
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(first.Wait(seconds(30)), 1) << first.Stderr();
  EXPECT_NE(first.Stderr().find("another server took the history shards"), std::string::npos)
      << first.Stderr();
  grpc::Status accepted = register_namespace((*second_address)[1].str(), "from-the-second");
  EXPECT_TRUE(accepted.ok()) << accepted.error_message();
  second.Signal(SIGINT);
  EXPECT_EQ(second.Wait(seconds(30)), 0) << second.Stderr();
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreConfigTest, ::testing::Values("postgres", "mariadb"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace hdo
