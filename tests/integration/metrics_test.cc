// Goal: `hdo server start-dev` serves Prometheus metrics over HTTP: GET /metrics answers valid
// exposition text with the process and matching families, the banner and the start log name the
// URL, --metrics-port -1 turns it off, a port given explicitly that is in use is one line and
// exit code 2, and the default port in use is only a warning. Method: the real binary on free
// ports with a temp SQLite file; a workflow started and its task polled over gRPC so that matching
// has something to count; /metrics read over a plain socket and checked line by line.
#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "temporal/api/workflowservice/v1/service.grpc.pb.h"
#include "testlib/dev_server.h"
#include "testlib/http.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using std::chrono::seconds;
namespace wf = temporal::api::workflowservice::v1;

using testlib::DevServer;
using testlib::HttpRequest;
using testlib::HttpResponse;

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testlib::MakeTempDir("hdo-metrics-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Db(const std::string& name = "hdo.db") const { return dir_ + "/" + name; }
  std::string dir_;
};

// Checks text against exposition format 0.0.4 as Prometheus parses it: HELP and TYPE at most once
// per family and before its samples; sample names that belong to the family of the last TYPE;
// label sets of name="escaped value"; numeric values; histogram buckets cumulative, ending with
// +Inf equal to _count. Returns the problems found (empty: valid) and fills `families`.
std::vector<std::string> ValidateExposition(const std::string& text,
                                            std::map<std::string, std::string>* families) {
  static const std::regex kHelp(R"re(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)re");
  static const std::regex kType(
      R"re(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))re");
  // name, then optionally {label="value",...} with \\, \" and \n the only escapes, then the value.
  static const std::regex kSample(
      R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? ([^ ]+))re");
  // The renderer writes le last; removing it leaves the labels of the series' _sum and _count.
  static const std::regex kLe(R"re(,?le="([^"]*)")re");
  std::vector<std::string> problems;
  if (text.empty() || text.back() != '\n') problems.push_back("text does not end in a newline");
  std::set<std::string> helped;
  std::string family;
  std::string type;
  // Per histogram series (labels without le): the last cumulative count and the +Inf count.
  std::map<std::string, double> last_bucket;
  std::map<std::string, double> inf_bucket;
  std::stringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::string where = "line " + std::to_string(number) + " '" + line + "': ";
    std::smatch match;
    if (std::regex_match(line, match, kHelp)) {
      if (!helped.insert(match[1]).second) problems.push_back(where + "HELP again");
    } else if (std::regex_match(line, match, kType)) {
      family = match[1];
      type = match[2];
      if (!families->emplace(family, type).second) problems.push_back(where + "TYPE again");
    } else if (std::regex_match(line, match, kSample)) {
      std::string name = match[1];
      std::string labels = match[3];
      std::string value = match[4];
      bool belongs = name == family;
      if (type == "histogram") {
        belongs =
            name == family + "_bucket" || name == family + "_sum" || name == family + "_count";
      }
      if (!belongs) problems.push_back(where + "sample outside its family " + family);
      double number_value = 0;
      if (value == "+Inf" || value == "-Inf" || value == "NaN") {
        number_value = value == "NaN" ? NAN : (value[0] == '+' ? INFINITY : -INFINITY);
      } else {
        size_t used = 0;
        try {
          number_value = std::stod(value, &used);
        } catch (const std::exception&) {
        }
        if (used != value.size()) problems.push_back(where + "value is not a number");
      }
      // A series is its family and its labels: two histograms without labels are two series.
      std::string series = family + "{" + std::regex_replace(labels, kLe, "") + "}";
      if (name == family + "_bucket") {
        std::smatch le;
        if (!std::regex_search(labels, le, kLe)) problems.push_back(where + "bucket without le");
        if (number_value < last_bucket[series]) problems.push_back(where + "not cumulative");
        last_bucket[series] = number_value;
        if (le.size() > 1 && le[1] == "+Inf") inf_bucket[series] = number_value;
      } else if (name == family + "_count") {
        auto inf = inf_bucket.find(series);
        if (inf == inf_bucket.end() || inf->second != number_value) {
          problems.push_back(where + "_count differs from the +Inf bucket");
        }
      }
    } else if (!line.empty()) {
      problems.push_back(where + "neither a comment nor a sample");
    }
  }
  return problems;
}

// The value of one sample line; nullopt when absent.
std::optional<double> Sample(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  at += series.size() + 2;
  return std::stod(text.substr(at, text.find('\n', at) - at));
}

std::shared_ptr<grpc::Channel> Dial(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

// Starts a workflow on `queue` and takes its first workflow task, as a worker would.
void StartAndPollOneWorkflowTask(const std::string& address, const std::string& queue) {
  auto stub = wf::WorkflowService::NewStub(Dial(address));
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    wf::StartWorkflowExecutionRequest request;
    request.set_namespace_("default");
    request.set_workflow_id("metrics-workflow");
    request.mutable_workflow_type()->set_name("Metrics");
    request.mutable_task_queue()->set_name(queue);
    request.set_request_id("metrics-request-1");
    wf::StartWorkflowExecutionResponse response;
    grpc::Status status = stub->StartWorkflowExecution(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + seconds(30));
  wf::PollWorkflowTaskQueueRequest request;
  request.set_namespace_("default");
  request.mutable_task_queue()->set_name(queue);
  request.set_identity("metrics-test-worker");
  wf::PollWorkflowTaskQueueResponse response;
  grpc::Status status = stub->PollWorkflowTaskQueue(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(response.task_token().empty());
}

TEST_F(MetricsTest, MetricsServesValidExpositionWithTheProcessAndMatchingFamilies) {
  DevServer server(Db(), {"--metrics-port", "0"});
  ASSERT_TRUE(server.started()) << server.process().Stderr();
  ASSERT_GT(server.metrics_port(), 0) << server.metrics_url();
  auto banner =
      server.process().WaitForStdout(std::regex("Prometheus metrics +(.+)$"), seconds(10));
  ASSERT_TRUE(banner.has_value()) << server.process().Stdout();
  EXPECT_EQ((*banner)[1], "http://127.0.0.1:" + std::to_string(server.metrics_port()) + "/metrics");
  EXPECT_EQ(server.metrics_url(), (*banner)[1]);

  ASSERT_NO_FATAL_FAILURE(StartAndPollOneWorkflowTask(server.address(), "metrics-queue"));

  HttpResponse response = testlib::HttpGet(server.metrics_port(), "/metrics");
  EXPECT_EQ(response.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(response.headers["content-type"].rfind("text/plain; version=0.0.4", 0), 0u)
      << response.headers["content-type"];
  std::map<std::string, std::string> families;
  std::vector<std::string> problems = ValidateExposition(response.body, &families);
  for (const auto& problem : problems) ADD_FAILURE() << problem;
  std::map<std::string, std::string> expected = {
      {"process_cpu_seconds_total", "counter"},
      {"process_resident_memory_bytes", "gauge"},
      {"process_start_time_seconds", "gauge"},
      {"hdo_matching_tasks_added_total", "counter"},
      {"hdo_matching_sync_match_total", "counter"},
      {"hdo_matching_backlog_match_total", "counter"},
      {"hdo_matching_backlog_depth", "gauge"},
      {"hdo_matching_pollers_waiting", "gauge"},
      {"hdo_matching_poll_wait_seconds", "histogram"},
      {"hdo_matching_task_dispatch_latency_seconds", "histogram"},
      {"hdo_history_engine_queue_wait_seconds", "histogram"},
      {"hdo_persistence_commit_latency_seconds", "histogram"},
  };
  for (const auto& [name, type] : expected) {
    EXPECT_EQ(families[name], type) << name << " in\n" << response.body;
  }

  // The one workflow task was added, matched once (at once or from the queue) and is gone.
  const std::string labels =
      R"({namespace="default",task_queue="metrics-queue",task_type="Workflow"})";
  const std::string& body = response.body;
  EXPECT_EQ(Sample(body, "hdo_matching_tasks_added_total" + labels), 1) << body;
  EXPECT_EQ(Sample(body, "hdo_matching_sync_match_total" + labels).value_or(0) +
                Sample(body, "hdo_matching_backlog_match_total" + labels).value_or(0),
            1)
      << body;
  EXPECT_EQ(Sample(body, "hdo_matching_backlog_depth" + labels), 0) << body;
  EXPECT_EQ(Sample(body, "hdo_matching_task_dispatch_latency_seconds_count" + labels), 1) << body;
  EXPECT_EQ(Sample(body, R"(hdo_matching_poll_wait_seconds_count{namespace="default",)"
                         R"(outcome="task",task_queue="metrics-queue",task_type="Workflow"})"),
            1)
      << body;
  // The start and the poll each waited their turn on the engine thread (other requests may too).
  EXPECT_GE(Sample(body, "hdo_history_engine_queue_wait_seconds_count").value_or(0), 2) << body;
}

TEST_F(MetricsTest, OtherPathsAndMethodsAreRefused) {
  DevServer server(Db(), {"--metrics-port", "0"});
  ASSERT_TRUE(server.started()) << server.process().Stderr();
  EXPECT_EQ(testlib::HttpGet(server.metrics_port(), "/nothing").status_line,
            "HTTP/1.1 404 Not Found");
  std::string post = HttpRequest(server.metrics_port(), "POST /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(post.substr(0, post.find("\r\n")), "HTTP/1.1 405 Method Not Allowed");
}

TEST_F(MetricsTest, MetricsPortMinusOneServesNoMetrics) {
  DevServer server(Db(), {"--metrics-port", "-1"});
  ASSERT_TRUE(server.started()) << server.process().Stderr();
  EXPECT_EQ(server.metrics_url(), "");
  auto banner = server.process().WaitForStdout(std::regex("Press Ctrl-C"), seconds(10));
  ASSERT_TRUE(banner.has_value()) << server.process().Stdout();
  EXPECT_EQ(server.process().Stdout().find("Prometheus"), std::string::npos);
  server.process().Signal(SIGINT);
  EXPECT_EQ(server.process().Wait(seconds(30)), 0) << server.process().Stderr();
}

std::vector<std::string> StderrLines(const testlib::Process& process) {
  std::vector<std::string> lines;
  std::stringstream stream(process.Stderr());
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

TEST_F(MetricsTest, AMetricsPortGivenExplicitlyThatIsInUseGivesOneLineAndExitCode2) {
  DevServer first(Db("first.db"), {"--metrics-port", "0"});
  ASSERT_TRUE(first.started()) << first.process().Stderr();
  testlib::Process second({testlib::HdoBinary(), "server", "start-dev", "--port", "0",
                           "--db-filename", Db("second.db"), "--metrics-port",
                           std::to_string(first.metrics_port())});
  EXPECT_EQ(second.Wait(seconds(30)), 2) << second.Stderr();
  auto lines = StderrLines(second);
  ASSERT_EQ(lines.size(), 1u) << second.Stderr();
  EXPECT_EQ(lines[0].rfind("hdo: error: cannot serve metrics on 127.0.0.1:", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("already in use"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("--metrics-port"), std::string::npos) << lines[0];
}

TEST_F(MetricsTest, AMetricsPortOutOfRangeGivesOneLineAndExitCode2) {
  testlib::Process process({testlib::HdoBinary(), "server", "start-dev", "--port", "0",
                            "--db-filename", Db(), "--metrics-port", "70000"});
  EXPECT_EQ(process.Wait(seconds(30)), 2) << process.Stderr();
  auto lines = StderrLines(process);
  ASSERT_EQ(lines.size(), 1u) << process.Stderr();
  EXPECT_NE(lines[0].find("70000"), std::string::npos) << lines[0];
}

// The default port is shared by every server started without the flag (tests run many at once),
// so when it is taken the server warns and runs without metrics.
TEST_F(MetricsTest, TheDefaultMetricsPortInUseIsAWarningNotAFailure) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(9090);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  // The test must hold the port itself: someone else may let it go at any moment. Another test's
  // server (ctest runs several at once) holds it for a few seconds, so wait for it to be free.
  int holder = -1;
  for (auto give_up = std::chrono::steady_clock::now() + seconds(60);;) {
    holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
        ::listen(holder, 1) == 0) {
      break;
    }
    ::close(holder);
    holder = -1;
    if (std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (holder < 0) GTEST_SKIP() << "port 9090 was held by another process for a minute";
  DevServer server(Db(), {});
  ::close(holder);
  ASSERT_TRUE(server.started()) << server.process().Stderr();
  EXPECT_EQ(server.metrics_url(), "");
  EXPECT_NE(server.process().Stderr().find("level=warn msg=\"metrics port in use"),
            std::string::npos)
      << server.process().Stderr();
}

}  // namespace
}  // namespace hdo
