// Goal: /readyz follows the server's state: ready once started; not ready, naming the store, when
// the store's round trip fails; not ready while the store thread does not answer (its check hangs)
// and ready again once it does; /healthz answers throughout. Method: a real Server in this process
// on free ports and a temp SQLite file, with Options::store_ping standing in for a failing or
// hanging database; /readyz read over a socket (awaiting a condition with a deadline).
#include "server/server.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "testlib/http.h"
#include "testlib/process.h"

namespace hdo::server {
namespace {

using nlohmann::json;

class ServerReadinessTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testlib::MakeTempDir("hdo-server-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Server::Options Options() const {
    Server::Options options;
    options.port = 0;
    options.metrics_port = 0;
    options.db_filename = dir_ + "/hdo.db";
    return options;
  }
  std::string dir_;
};

// GET /readyz until `condition` holds for its status line, or 30 s pass; the last response.
testlib::HttpResponse AwaitReadyz(int port, const std::string& status_line) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  testlib::HttpResponse response = testlib::HttpGet(port, "/readyz");
  while (response.status_line != status_line && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a condition
    response = testlib::HttpGet(port, "/readyz");
  }
  return response;
}

TEST_F(ServerReadinessTest, AStartedServerIsReadyAtOnce) {
  Server server(Options());
  ASSERT_TRUE(server.Start().IsSuccess());
  testlib::HttpResponse ready = testlib::HttpGet(server.MetricsPort(), "/readyz");
  EXPECT_EQ(ready.status_line, "HTTP/1.1 200 OK") << ready.body;
  EXPECT_EQ(json::parse(ready.body)["status"], "ready");
  EXPECT_EQ(testlib::HttpGet(server.MetricsPort(), "/healthz").body, "ok\n");
  server.Shutdown();
}

TEST_F(ServerReadinessTest, AFailingStoreRoundTripIsNotReadyAndNamesTheStore) {
  Server::Options options = Options();
  options.store_ping = [] { return hugo::Error::From("connection refused"); };
  Server server(options);
  ASSERT_TRUE(server.Start().IsSuccess());
  testlib::HttpResponse response = testlib::HttpGet(server.MetricsPort(), "/readyz");
  EXPECT_EQ(response.status_line, "HTTP/1.1 503 Service Unavailable") << response.body;
  json body = json::parse(response.body);
  EXPECT_EQ(body["failing"], json({"store"}));
  EXPECT_EQ(body["checks"]["store"]["error"], "connection refused");
  EXPECT_EQ(testlib::HttpGet(server.MetricsPort(), "/healthz").status_line, "HTTP/1.1 200 OK");
  server.Shutdown();
}

TEST_F(ServerReadinessTest, AStoreThreadThatDoesNotAnswerIsNotReadyUntilItDoes) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Server::Options options = Options();
  options.readiness_check_timeout = std::chrono::milliseconds(10);
  // The first check hangs on the store thread until the test releases it.
  options.store_ping = [released] {
    released.wait();
    return hugo::Ok();
  };
  Server server(options);
  ASSERT_TRUE(server.Start().IsSuccess());
  testlib::HttpResponse stuck = testlib::HttpGet(server.MetricsPort(), "/readyz");
  EXPECT_EQ(stuck.status_line, "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(json::parse(stuck.body)["reason"],
            "the store thread has not answered the first readiness check");
  // The probe did not wait for the store thread, and neither does liveness.
  EXPECT_EQ(testlib::HttpGet(server.MetricsPort(), "/healthz").body, "ok\n");

  release.set_value();
  testlib::HttpResponse ready = AwaitReadyz(server.MetricsPort(), "HTTP/1.1 200 OK");
  EXPECT_EQ(ready.status_line, "HTTP/1.1 200 OK") << ready.body;
  server.Shutdown();
}

}  // namespace
}  // namespace hdo::server
