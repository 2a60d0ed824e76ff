// Goal: the C++ SDK and the official Go SDK interoperate on one server with identical payload
// bytes: a C++ client starts a Go-SDK workflow and reads its result, a Go client does the same
// for a C++ workflow, and the two results (the same value, computed by twin workflows that each
// call an activity of their own SDK) are byte for byte the same payload.
//
// Method: a real `hdo server start-dev` (or HDO_SDK_TARGET=host:port: ctest sdk_interop_reference
// runs it on the reference server through tests/sdk/run-reference), the Go program
// tests/compat/go/interop (built by CMake; HDO_INTEROP_GO overrides its path) as a worker process
// for workflow GoInterop and as a client process of workflow CppInterop, and an hdo::Worker running
// CppInterop. Payloads are compared as the server's history holds them (the close event), not as
// decoded values.
#include <gtest/gtest.h>
#include <unistd.h>

#include <charconv>
#include <csignal>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "hdo/client.h"
#include "hdo/worker.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using namespace std::chrono_literals;
namespace enums = temporal::api::enums::v1;
namespace history = temporal::api::history::v1;

// The workflows' argument and result, as the Go program declares them (Input's Go field order is
// name, count, tags; Output's is alphabetical, the order nlohmann::json writes keys in).
struct InteropInput {
  std::string name;
  int count = 0;
  std::vector<std::string> tags;
  friend bool operator==(const InteropInput&, const InteropInput&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(InteropInput, name, count, tags)

struct InteropNested {
  bool even = false;
  int half = 0;
  friend bool operator==(const InteropNested&, const InteropNested&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(InteropNested, even, half)

struct InteropOutput {
  int count = 0;
  std::string greeting;
  InteropNested nested;
  std::vector<std::string> tags;
  friend bool operator==(const InteropOutput&, const InteropOutput&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(InteropOutput, count, greeting, nested, tags)

// "Zoë" in UTF-8: both SDKs write non-ASCII text unescaped.
const InteropInput kInput{"Zo\xc3\xab", 3, {"x", "y"}};
const InteropOutput kOutput{3, "Hello, Zo\xc3\xab!", {false, 1}, {"x", "y"}};
// The exact bytes both SDKs must write for kOutput, and the Go SDK for kInput.
const std::string kOutputJson = R"({"count":3,"greeting":"Hello, Zo)"
                                "\xc3\xab"
                                R"(!","nested":{"even":false,"half":1},"tags":["x","y"]})";
const std::string kGoInputJson = R"({"name":"Zo)"
                                 "\xc3\xab"
                                 R"(","count":3,"tags":["x","y"]})";
const std::map<std::string, std::string> kJsonPlainMetadata{{"encoding", "json/plain"}};

// --- The C++ twin of the Go program's GoInterop / GoInteropCompose.
std::string CppInteropCompose(ActivityContext&, std::string name) { return "Hello, " + name; }

Workflow<InteropOutput> CppInterop(WorkflowContext ctx, InteropInput in) {
  ActivityOptions options;
  options.start_to_close_timeout = 10s;
  options.retry_policy = RetryPolicy{};
  options.retry_policy->initial_interval = 100ms;
  options.retry_policy->maximum_attempts = 3;
  auto greeting = co_await ctx.ExecuteActivity<std::string>("CppInteropCompose", options, in.name);
  if (greeting.IsFailure()) co_return greeting.Error();
  co_return InteropOutput{
      in.count, greeting.Value() + "!", {in.count % 2 == 0, in.count / 2}, in.tags};
}

// --- The C++ twin of the Go program's GoPropagation / GoPropagationRead: the tenant of the
// workflow's context values and of its activity's thread context.
std::string TenantText(const hugo::Result<std::optional<std::string>>& tenant) {
  if (tenant.IsFailure()) return "<" + tenant.Error().Message() + ">";
  return tenant.Value().value_or("<none>");
}
std::string CppPropagationRead(ActivityContext&) {
  return TenantText(ContextValue<std::string>(ScopedContextValues::Current(), "tenant"));
}
Workflow<std::string> CppPropagation(WorkflowContext ctx) {
  ActivityOptions options;
  options.start_to_close_timeout = 10s;
  auto read = co_await ctx.ExecuteActivity<std::string>("CppPropagationRead", options);
  if (read.IsFailure()) co_return read.Error();
  co_return "workflow=" + TenantText(ctx.ContextValue<std::string>("tenant")) +
      " activity=" + read.Value();
}

// --- For the reference CLI's built-in queries: a workflow with described handlers and current
// details, waiting for its `finish` signal (and, in a branch, on a timer).
Workflow<std::string> CppDescribed(WorkflowContext ctx) {
  auto q = ctx.SetQueryHandler(
      "progress", [] { return std::string("halfway"); }, QueryHandlerOptions{"How far it got"});
  if (q.IsFailure()) co_return q.Error();
  auto finish = ctx.GetSignalChannel<std::string>("finish", SignalChannelOptions{"Ends the run"});
  ctx.SetCurrentDetails("waiting for **finish**");
  ctx.Go([](WorkflowContext c) -> Workflow<hugo::Unit> {
    co_return co_await c.NewTimer(std::chrono::hours(1));
  }(ctx));
  auto got = co_await finish.Receive();
  if (got.IsFailure()) co_return got.Error();
  co_return got.Value();
}

// The reference `temporal` CLI (a client of the tests, as in tests/compat/go/hdotest/cli.go):
// HDO_TEMPORAL_CLI or TEMPORAL_CLI, else REFERENCE_CLI_DIR/temporal, else where
// scripts/install-deps puts it; empty when none is there.
std::string TemporalCli() {
  std::vector<std::string> candidates;
  for (const char* variable : {"HDO_TEMPORAL_CLI", "TEMPORAL_CLI"}) {
    if (const char* bin = std::getenv(variable); bin != nullptr && *bin != '\0') {
      candidates.push_back(bin);
    }
  }
  if (const char* dir = std::getenv("REFERENCE_CLI_DIR"); dir != nullptr && *dir != '\0') {
    candidates.push_back(std::string(dir) + "/temporal");
  }
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache != nullptr && *cache != '\0') {
    candidates.push_back(std::string(cache) + "/hdo/temporal-cli-1.5.1/temporal");
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    candidates.push_back(std::string(home) + "/.cache/hdo/temporal-cli-1.5.1/temporal");
  }
  for (const auto& candidate : candidates) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string InteropGoBinary() {
  const char* bin = std::getenv("HDO_INTEROP_GO");
  return bin != nullptr && *bin != '\0' ? bin : HDO_INTEROP_GO_DEFAULT;
}

// Hex text to bytes; nullopt when it is not hex.
std::optional<std::string> FromHex(const std::string& hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    auto [end, error] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (error != std::errc() || end != hex.data() + i + 2) return std::nullopt;
    bytes.push_back(static_cast<char>(value));
  }
  return bytes;
}

// A payload the Go client printed ({"metadata": {key: hex}, "data": hex}).
std::optional<Payload> PayloadFromReport(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("metadata") || !json.contains("data"))
    return std::nullopt;
  Payload payload;
  for (const auto& [key, value] : json["metadata"].items()) {
    auto bytes = FromHex(value.get<std::string>());
    if (!bytes) return std::nullopt;
    (*payload.mutable_metadata())[key] = *bytes;
  }
  auto data = FromHex(json["data"].get<std::string>());
  if (!data) return std::nullopt;
  payload.set_data(*data);
  return payload;
}

std::map<std::string, std::string> Metadata(const Payload& payload) {
  return {payload.metadata().begin(), payload.metadata().end()};
}

// The single payload of the run's started event (input) and of its completed event (result),
// and the activity types it scheduled.
struct RunPayloads {
  std::optional<Payload> input;
  std::optional<Payload> result;
  std::vector<std::string> activity_types;
};
RunPayloads PayloadsOf(const history::History& events) {
  RunPayloads run;
  for (const auto& e : events.events()) {
    if (e.has_workflow_execution_started_event_attributes()) {
      const auto& input = e.workflow_execution_started_event_attributes().input();
      if (input.payloads_size() == 1) run.input = input.payloads(0);
    }
    if (e.has_workflow_execution_completed_event_attributes()) {
      const auto& result = e.workflow_execution_completed_event_attributes().result();
      if (result.payloads_size() == 1) run.result = result.payloads(0);
    }
    if (e.has_activity_task_scheduled_event_attributes()) {
      run.activity_types.push_back(
          e.activity_task_scheduled_event_attributes().activity_type().name());
    }
  }
  return run;
}

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* env = std::getenv("HDO_SDK_TARGET"); env != nullptr && *env != '\0') {
      address_ = env;
    } else {
      dir_ = std::make_unique<testlib::TempDir>("hdo-sdk-interop");
      server_ = std::make_unique<testlib::DevServer>(dir_->path() + "/hdo.db");
      ASSERT_TRUE(server_->started()) << "hdo did not start:\n" << server_->process().Stderr();
      address_ = server_->address();
    }
    go_binary_ = InteropGoBinary();
    ASSERT_TRUE(std::filesystem::exists(go_binary_))
        << go_binary_ << " is missing: build the target hdo_interop_go (it needs `go`, which "
        << "scripts/install-deps installs), or set HDO_INTEROP_GO";
    const std::string suffix = std::to_string(::getpid());
    go_task_queue_ = "interop-go-" + suffix;
    cpp_task_queue_ = "interop-cpp-" + suffix;

    ConnectionOptions options;
    options.address = address_;
    // The Go program's clients propagate the same key (its tenantPropagator).
    options.context_propagators = {
        std::make_shared<KeysPropagator>(std::vector<std::string>{"tenant"})};
    auto plain = Connection::Connect(options);
    ASSERT_TRUE(plain.IsSuccess()) << plain.Error().ToString();
    plain_connection_ = plain.Value();
    options.codecs = Codecs();
    auto connection = Connection::Connect(options);
    ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
    connection_ = connection.Value();
    client_ = std::make_unique<Client>(connection_);

    std::vector<std::string> go_worker_args{go_binary_, "worker",      "-address",
                                            address_,   "-task-queue", go_task_queue_};
    for (const auto& arg : GoCodecArgs()) go_worker_args.push_back(arg);
    go_worker_ = std::make_unique<testlib::Process>(go_worker_args);
    ASSERT_TRUE(go_worker_->WaitForStderr(std::regex("interop worker started"), 60s))
        << "the Go worker did not start:\n"
        << go_worker_->Stderr();

    WorkerOptions worker_options;
    worker_options.task_queue = cpp_task_queue_;
    worker_ = std::make_unique<Worker>(connection_, "default", worker_options);
    worker_->RegisterWorkflow("CppInterop", &CppInterop);
    worker_->RegisterActivity("CppInteropCompose", &CppInteropCompose);
    worker_->RegisterWorkflow("CppPropagation", &CppPropagation);
    worker_->RegisterActivity("CppPropagationRead", &CppPropagationRead);
    worker_->RegisterWorkflow("CppDescribed", &CppDescribed);
    auto started = worker_->Start();
    ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
  }

  void TearDown() override {
    if (worker_) worker_->Shutdown();
    if (go_worker_) {
      go_worker_->Signal(SIGTERM);
      go_worker_->Wait(10s);
    }
  }

  // The codecs of the C++ side (none here) and the Go program's flags for the same.
  virtual PayloadCodecs Codecs() const { return {}; }
  virtual std::vector<std::string> GoCodecArgs() const { return {}; }

  // (a): the C++ client runs GoInterop; the run's history as the C++ client reads it.
  RunPayloads RunGoWorkflowFromCpp(InteropOutput* decoded) {
    StartWorkflowOptions options;
    options.id = "interop-go-workflow-" + std::to_string(::getpid());
    options.task_queue = go_task_queue_;
    options.execution_timeout = 60s;
    auto handle = client_->StartWorkflow<InteropOutput>("GoInterop", options, kInput);
    EXPECT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
    if (handle.IsFailure()) return {};
    auto result = handle.Value().GetResult(60s);
    EXPECT_TRUE(result.IsSuccess()) << result.Error().ToString() << "\nGo worker:\n"
                                    << go_worker_->Stderr();
    if (result.IsSuccess()) *decoded = result.Value();
    auto events = handle.Value().FetchHistory();
    EXPECT_TRUE(events.IsSuccess()) << events.Error().ToString();
    if (events.IsFailure()) return {};
    return PayloadsOf(events.Value());
  }

  // (b): the Go client runs CppInterop; its report line, parsed.
  nlohmann::json RunCppWorkflowFromGo() {
    std::vector<std::string> args{
        go_binary_,     "client",
        "-address",     address_,
        "-task-queue",  cpp_task_queue_,
        "-workflow-id", "interop-cpp-workflow-" + std::to_string(::getpid()),
        "-input",       nlohmann::json(kInput).dump()};
    for (const auto& arg : GoCodecArgs()) args.push_back(arg);
    testlib::Process go_client(args);
    const int code = go_client.Wait(120s);
    EXPECT_EQ(code, 0) << "Go client:\n" << go_client.Stderr();
    nlohmann::json report =
        nlohmann::json::parse(go_client.Stdout(), nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(report.is_object()) << "Go client stdout is not one JSON object:\n"
                                    << go_client.Stdout() << "\nstderr:\n"
                                    << go_client.Stderr();
    return report;
  }

  std::unique_ptr<testlib::TempDir> dir_;  // removed after the server stopped
  std::unique_ptr<testlib::DevServer> server_;
  std::string address_;
  std::string go_binary_;
  std::string go_task_queue_;
  std::string cpp_task_queue_;
  // Without codecs: what the server stores.
  std::shared_ptr<Connection> plain_connection_;
  std::shared_ptr<Connection> connection_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<testlib::Process> go_worker_;
  std::unique_ptr<Worker> worker_;
};

TEST_F(InteropTest, CppAndGoClientsReadEachOthersWorkflowResultsAsIdenticalPayloadBytes) {
  // (a) C++ client -> Go workflow.
  InteropOutput go_decoded;
  RunPayloads go_run = RunGoWorkflowFromCpp(&go_decoded);
  EXPECT_EQ(go_decoded, kOutput) << "the C++ client decoded " << nlohmann::json(go_decoded).dump();
  EXPECT_EQ(go_run.activity_types, std::vector<std::string>{"GoInteropCompose"});
  ASSERT_TRUE(go_run.input.has_value()) << "GoInterop's started event has no single input";
  ASSERT_TRUE(go_run.result.has_value()) << "GoInterop did not complete with one result";
  // What the C++ client sent: keys in nlohmann::json's (sorted) order.
  EXPECT_EQ(Metadata(*go_run.input), kJsonPlainMetadata);
  EXPECT_EQ(go_run.input->data(), nlohmann::json(kInput).dump());

  // (b) Go client -> C++ workflow.
  nlohmann::json report = RunCppWorkflowFromGo();
  ASSERT_TRUE(report.is_object());
  std::optional<Payload> cpp_result = PayloadFromReport(report.value("result", nlohmann::json()));
  std::optional<Payload> go_input = PayloadFromReport(report.value("input", nlohmann::json()));
  ASSERT_TRUE(cpp_result.has_value()) << "no result payload in " << report.dump();
  ASSERT_TRUE(go_input.has_value()) << "no input payload in " << report.dump();
  // The Go SDK decoded the C++ result into its Output (the value, whatever the key order).
  EXPECT_EQ(report.value("decoded", nlohmann::json()), nlohmann::json(kOutput))
      << "the Go client decoded " << report.value("decoded", nlohmann::json()).dump();
  // The Go client's input (Go field order) decodes in C++, and it is what the C++ workflow ran on.
  EXPECT_EQ(Metadata(*go_input), kJsonPlainMetadata);
  EXPECT_EQ(go_input->data(), kGoInputJson);
  auto input = FromPayload<InteropInput>(*go_input);
  ASSERT_TRUE(input.IsSuccess()) << input.Error().ToString();
  EXPECT_EQ(input.Value(), kInput);
  auto cpp_history = client_->GetHandle(report.value("workflow_id", ""), report.value("run_id", ""))
                         .FetchHistory();
  ASSERT_TRUE(cpp_history.IsSuccess()) << cpp_history.Error().ToString();
  RunPayloads cpp_run = PayloadsOf(cpp_history.Value());
  EXPECT_EQ(cpp_run.activity_types, std::vector<std::string>{"CppInteropCompose"});
  ASSERT_TRUE(cpp_run.input.has_value() && cpp_run.result.has_value());
  EXPECT_TRUE(Metadata(*cpp_run.input) == Metadata(*go_input) &&
              cpp_run.input->data() == go_input->data() &&
              Metadata(*cpp_run.result) == Metadata(*cpp_result) &&
              cpp_run.result->data() == cpp_result->data())
      << "the Go client's report does not match the history the C++ client reads";

  // The two results: the same value, the same bytes, the expected JSON text.
  EXPECT_EQ(Metadata(*go_run.result), kJsonPlainMetadata);
  EXPECT_EQ(Metadata(*cpp_result), kJsonPlainMetadata);
  EXPECT_EQ(go_run.result->data(), kOutputJson);
  EXPECT_EQ(cpp_result->data(), kOutputJson);
  EXPECT_EQ(Metadata(*go_run.result), Metadata(*cpp_result));
  EXPECT_EQ(go_run.result->data(), cpp_result->data());
}

// Context propagation between the SDKs: a C++ client's thread context reaches a Go workflow and
// its activity, a Go client's context reaches a C++ workflow and its activity, and both write the
// header field as the same bytes (json/plain, the default converter's).
TEST_F(InteropTest, ContextPropagatedByEitherSdkReachesTheOthersWorkflowAndActivity) {
  // (a) C++ client -> Go workflow.
  StartWorkflowOptions options;
  options.id = "interop-go-propagation-" + std::to_string(::getpid());
  options.task_queue = go_task_queue_;
  options.execution_timeout = 60s;
  std::optional<WorkflowHandle<std::string>> handle;
  {
    ScopedContextValues scope({{"tenant", ToPayload(std::string("acme-cpp")).Value()}});
    auto started = client_->StartWorkflow<std::string>("GoPropagation", options);
    ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
    handle = started.Value();
  }
  auto go_result = handle->GetResult(60s);
  ASSERT_TRUE(go_result.IsSuccess()) << go_result.Error().ToString() << "\nGo worker:\n"
                                     << go_worker_->Stderr();
  EXPECT_EQ(go_result.Value(), "workflow=acme-cpp activity=acme-cpp");
  auto go_history = handle->FetchHistory();
  ASSERT_TRUE(go_history.IsSuccess()) << go_history.Error().ToString();
  const auto& cpp_header =
      go_history.Value().events(0).workflow_execution_started_event_attributes().header().fields();
  ASSERT_EQ(cpp_header.count("tenant"), 1u);
  EXPECT_EQ(Metadata(cpp_header.at("tenant")), kJsonPlainMetadata);
  EXPECT_EQ(cpp_header.at("tenant").data(), "\"acme-cpp\"");

  // (b) Go client -> C++ workflow.
  testlib::Process go_client({go_binary_, "propagate", "-address", address_, "-task-queue",
                              cpp_task_queue_, "-workflow-id",
                              "interop-cpp-propagation-" + std::to_string(::getpid()), "-tenant",
                              "acme-go"});
  ASSERT_EQ(go_client.Wait(120s), 0) << "Go client:\n" << go_client.Stderr();
  nlohmann::json report =
      nlohmann::json::parse(go_client.Stdout(), nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(report.is_object()) << go_client.Stdout();
  EXPECT_EQ(report.value("result", ""), "workflow=acme-go activity=acme-go");
  std::optional<Payload> go_header = PayloadFromReport(report.value("header", nlohmann::json()));
  ASSERT_TRUE(go_header.has_value()) << report.dump();
  EXPECT_EQ(Metadata(*go_header), Metadata(cpp_header.at("tenant")));
  EXPECT_EQ(go_header->data(), "\"acme-go\"");
}

// The same two runs with the zlib codec on both sides (the Go program's -codec zlib:
// converter.NewCodecDataConverter with converter.NewZlibCodec, AlwaysEncode): the server stores
// only binary/zlib payloads, and each SDK decodes what the other compressed into the same bytes.
class InteropCodecTest : public InteropTest {
 protected:
  PayloadCodecs Codecs() const override { return {NewZlibCodec({.always_encode = true})}; }
  std::vector<std::string> GoCodecArgs() const override { return {"-codec", "zlib"}; }

  static Payload Decoded(const Payload& payload) {
    auto decoded = NewZlibCodec()->Decode({payload});
    EXPECT_TRUE(decoded.IsSuccess()) << decoded.Error().ToString();
    return decoded.IsSuccess() ? decoded.Value()[0] : Payload();
  }
  RunPayloads StoredPayloads(const std::string& workflow_id, const std::string& run_id) {
    auto stored = Client(plain_connection_).GetHandle(workflow_id, run_id).FetchHistory();
    EXPECT_TRUE(stored.IsSuccess()) << stored.Error().ToString();
    return stored.IsSuccess() ? PayloadsOf(stored.Value()) : RunPayloads{};
  }
};

const std::map<std::string, std::string> kZlibMetadata{{"encoding", "binary/zlib"}};

// `temporal workflow metadata` and `temporal workflow stack` (the reference CLI, which the
// Temporal UI's metadata and stack views mirror) read a C++ workflow's built-in queries.
TEST_F(InteropTest, TheTemporalCliShowsACppWorkflowsMetadataAndWhatItWaitsFor) {
  const std::string cli = TemporalCli();
  ASSERT_FALSE(cli.empty()) << "no reference temporal CLI: run scripts/install-deps, or set "
                               "HDO_TEMPORAL_CLI";
  StartWorkflowOptions options;
  options.id = "interop-cpp-described-" + std::to_string(::getpid());
  options.task_queue = cpp_task_queue_;
  options.execution_timeout = 60s;
  auto handle = client_->StartWorkflow<std::string>("CppDescribed", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  // A query sent before the first task has run waits for it (it goes with that task), so the
  // handlers exist when it is answered; the loop retries an answer that came back as a failure.
  auto progress = handle.Value().Query<std::string>("progress");
  for (auto until = std::chrono::steady_clock::now() + 30s;
       progress.IsFailure() && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(50ms);
    progress = handle.Value().Query<std::string>("progress");
  }
  ASSERT_TRUE(progress.IsSuccess()) << progress.Error().ToString();

  auto run_cli = [&](const std::string& command) {
    testlib::Process process({cli, "workflow", command, "--address", address_, "--namespace",
                              "default", "--workflow-id", options.id, "-o", "json"});
    const int code = process.Wait(60s);
    EXPECT_EQ(code, 0) << "temporal workflow " << command << ":\n"
                       << process.Stdout() << process.Stderr();
    // {"queryResult": [the answer's one payload, decoded]}
    nlohmann::json printed =
        nlohmann::json::parse(process.Stdout(), nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(printed.is_object() && printed.contains("queryResult") &&
                printed["queryResult"].is_array() && printed["queryResult"].size() == 1)
        << process.Stdout();
    return printed.is_object() && printed.contains("queryResult") &&
                   printed["queryResult"].is_array() && !printed["queryResult"].empty()
               ? printed["queryResult"][0]
               : nlohmann::json();
  };
  nlohmann::json metadata = run_cli("metadata");
  ASSERT_TRUE(metadata.is_object()) << metadata.dump();
  // The CLI decoded the json/protobuf payload as the message it names.
  EXPECT_EQ(metadata.value("_protoMessageType", ""), "temporal.api.sdk.v1.WorkflowMetadata");
  const nlohmann::json& definition = metadata.value("definition", nlohmann::json::object());
  EXPECT_EQ(definition.value("type", ""), "CppDescribed") << metadata.dump();
  nlohmann::json queries = nlohmann::json::array();
  for (const auto& q : definition.value("queryDefinitions", nlohmann::json::array())) {
    queries.push_back(q.value("name", "") + "=" + q.value("description", ""));
  }
  EXPECT_EQ(queries, nlohmann::json({"__stack_trace=Current stack trace",
                                     "__temporal_workflow_metadata=Metadata about the workflow",
                                     "progress=How far it got"}))
      << metadata.dump();
  const auto signals = definition.value("signalDefinitions", nlohmann::json::array());
  ASSERT_EQ(signals.size(), 1u) << metadata.dump();
  EXPECT_EQ(signals[0].value("name", ""), "finish");
  EXPECT_EQ(signals[0].value("description", ""), "Ends the run");
  EXPECT_EQ(metadata.value("currentDetails", ""), "waiting for **finish**") << metadata.dump();

  nlohmann::json stack = run_cli("stack");
  const std::string trace = stack.is_string() ? stack.get<std::string>() : stack.dump();
  EXPECT_NE(trace.find("workflow CppDescribed"), std::string::npos) << trace;
  EXPECT_NE(trace.find("timer "), std::string::npos) << trace;

  ASSERT_TRUE(handle.Value().Signal("finish", std::string("done")).IsSuccess());
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "done");
}

TEST_F(InteropCodecTest, CppAndGoDecodeEachOthersZlibPayloadsIntoTheSameBytes) {
  // (a) C++ client -> Go workflow: the C++ client decodes the Go worker's compressed result.
  InteropOutput go_decoded;
  RunPayloads go_run = RunGoWorkflowFromCpp(&go_decoded);
  EXPECT_EQ(go_decoded, kOutput) << "the C++ client decoded " << nlohmann::json(go_decoded).dump();
  ASSERT_TRUE(go_run.input.has_value() && go_run.result.has_value());
  EXPECT_EQ(Metadata(*go_run.result), kJsonPlainMetadata);  // read through the codec
  EXPECT_EQ(go_run.result->data(), kOutputJson);
  RunPayloads go_stored =
      StoredPayloads("interop-go-workflow-" + std::to_string(::getpid()), std::string());
  ASSERT_TRUE(go_stored.input.has_value() && go_stored.result.has_value());
  EXPECT_EQ(Metadata(*go_stored.input), kZlibMetadata);
  EXPECT_EQ(Metadata(*go_stored.result), kZlibMetadata);
  EXPECT_EQ(Decoded(*go_stored.input).data(), nlohmann::json(kInput).dump());

  // (b) Go client -> C++ workflow: the Go client decodes the C++ worker's compressed result; its
  // report holds the payloads as stored.
  nlohmann::json report = RunCppWorkflowFromGo();
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("decoded", nlohmann::json()), nlohmann::json(kOutput))
      << "the Go client decoded " << report.value("decoded", nlohmann::json()).dump();
  std::optional<Payload> cpp_result = PayloadFromReport(report.value("result", nlohmann::json()));
  std::optional<Payload> go_input = PayloadFromReport(report.value("input", nlohmann::json()));
  ASSERT_TRUE(cpp_result.has_value() && go_input.has_value()) << report.dump();
  EXPECT_EQ(Metadata(*cpp_result), kZlibMetadata);
  EXPECT_EQ(Metadata(*go_input), kZlibMetadata);
  // The Go client's compressed input decodes here into the Go SDK's JSON; the C++ worker's
  // compressed result holds the same bytes as the Go worker's.
  Payload go_input_plain = Decoded(*go_input);
  EXPECT_EQ(Metadata(go_input_plain), kJsonPlainMetadata);
  EXPECT_EQ(go_input_plain.data(), kGoInputJson);
  Payload cpp_result_plain = Decoded(*cpp_result);
  EXPECT_EQ(Metadata(cpp_result_plain), kJsonPlainMetadata);
  EXPECT_EQ(cpp_result_plain.data(), kOutputJson);
  EXPECT_EQ(cpp_result_plain.data(), Decoded(*go_stored.result).data());
}

}  // namespace
}  // namespace hdo
