// Goal: the Nexus HTTP handler turns start, cancel and completion requests into what the worker
// and the engine see, and answers each outcome (a worker's response, handler error or silence; an
// engine's verdict) with the reference's status, headers and failure body. Method: the handler
// with a real NexusMatcher on an engine thread of its own; the test plays the worker (it polls
// the matcher and responds) and stands in for the endpoint registry, the namespaces and the
// engine's CompleteNexusOperation, which have suites of their own.
#include "frontend/nexus_http.h"

#include <gtest/gtest.h>

#include <asio/post.hpp>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/error_codes.h"
#include "frontend/errors.h"

namespace hdo::frontend {
namespace {

namespace nexus_pb = temporal::api::nexus::v1;
using Outcome = matching::NexusMatcher::Outcome;
using PollResponse = matching::NexusMatcher::PollResponse;
using Completion = history::Engine::NexusCompletion;

constexpr char kNamespaceId[] = "ns-id-1";

class NexusHttpTest : public ::testing::Test {
 protected:
  NexusHttpTest() {
    AddEndpoint("ep-1", "my-endpoint", "handler-ns", "handler-tq");
    namespaces_["handler-ns"] = kNamespaceId;
  }
  ~NexusHttpTest() override {
    Run([this] { matcher_.CancelAll(); });
    engine_.join();
  }

  void AddEndpoint(const std::string& id, const std::string& name, const std::string& ns,
                   const std::string& task_queue) {
    nexus_pb::Endpoint& endpoint = endpoints_[id];
    endpoint.set_id(id);
    endpoint.mutable_spec()->set_name(name);
    endpoint.mutable_spec()->mutable_target()->mutable_worker()->set_namespace_(ns);
    endpoint.mutable_spec()->mutable_target()->mutable_worker()->set_task_queue(task_queue);
  }

  // Runs `work` on the engine thread and waits for it.
  template <class Work>
  void Run(Work work) {
    std::promise<void> done;
    asio::post(engine_, [&] {
      work();
      done.set_value();
    });
    done.get_future().wait();
  }

  std::future<http::Response> Serve(http::Request request) {
    auto answer = std::make_shared<std::promise<http::Response>>();
    auto answered = std::make_shared<std::atomic<int>>(0);
    std::future<http::Response> future = answer->get_future();
    nexus_->Serve(std::move(request), [answer, answered](http::Response response) {
      ASSERT_EQ(answered->fetch_add(1), 0) << "answered twice";
      answer->set_value(std::move(response));
    });
    return future;
  }

  static http::Response Await(std::future<http::Response>& future) {
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return future.get();
  }

  http::Response Exchange(http::Request request) {
    auto future = Serve(std::move(request));
    return Await(future);
  }

  // Takes the next task of the handler's queue as a worker would (waiting up to 10 s).
  PollResponse PollTask(const std::string& task_queue = "handler-tq") {
    std::promise<PollResponse> polled;
    Run([&] {
      matching::Poller poller;
      poller.task_queue = task_queue;
      poller.identity = "test-worker";
      matcher_.Poll(kNamespaceId, poller, std::chrono::seconds(10),
                    [&polled](PollResponse response) { polled.set_value(std::move(response)); });
    });
    auto future = polled.get_future();
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return future.get();
  }

  void Answer(const PollResponse& task, Outcome outcome) {
    Run([&] {
      auto responded = matcher_.Respond(kNamespaceId, task.task_token(), std::move(outcome));
      EXPECT_TRUE(responded.IsSuccess()) << responded.Error().Message();
    });
  }

  static Outcome ResponseOutcome(nexus_pb::Response response) {
    Outcome outcome;
    outcome.kind = Outcome::Kind::kResponse;
    outcome.response = std::move(response);
    return outcome;
  }

  static http::Request Post(std::string target, std::vector<http::HeaderField> headers = {},
                            std::string body = "") {
    http::Request request;
    request.method = "POST";
    size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    request.headers = std::move(headers);
    request.body = std::move(body);
    return request;
  }

  static nlohmann::json Json(const http::Response& response) {
    EXPECT_EQ(response.content_type, "application/json");
    return nlohmann::json::parse(response.body, nullptr, false);
  }

  asio::thread_pool engine_{1};
  matching::NexusMatcher matcher_{engine_.get_executor(), matching::NexusMatcher::Options{}};
  std::map<std::string, nexus_pb::Endpoint> endpoints_;
  std::map<std::string, std::string> namespaces_;
  std::vector<Completion> completions_;
  hugo::Result<hugo::Unit> complete_result_ = hugo::Ok();
  persistence::ImmediateDurability durability_;
  NexusHttp::Options options_;
  std::unique_ptr<NexusHttp> nexus_ = MakeHandler();

  std::unique_ptr<NexusHttp> MakeHandler() {
    NexusHttp::Backend backend;
    backend.endpoint_by_id = [this](std::string_view id) -> const nexus_pb::Endpoint* {
      auto found = endpoints_.find(std::string(id));
      return found == endpoints_.end() ? nullptr : &found->second;
    };
    backend.namespace_id_of = [this](const std::string& name) -> hugo::Result<std::string> {
      auto found = namespaces_.find(name);
      if (found == namespaces_.end()) return NamespaceNotFound(name);
      return hugo::Ok(found->second);
    };
    backend.matcher = &matcher_;
    backend.complete_operation = [this](const Completion& completion) {
      completions_.push_back(completion);
      return complete_result_;
    };
    backend.durability = &durability_;
    backend.now = [] {
      google::protobuf::Timestamp now;
      now.set_seconds(1700000000);
      return now;
    };
    return std::make_unique<NexusHttp>(&engine_, std::move(backend), options_);
  }
};

TEST_F(NexusHttpTest, AStartBecomesAWorkersTaskAndItsSyncResultTheAnswer) {
  auto answer =
      Serve(Post("/nexus/endpoints/ep-1/services/my%20svc/op?callback=http%3A%2F%2Fcaller%2Fcb",
                 {{"Host", "localhost"},
                  {"Content-Type", "application/json"},
                  {"Content-Length", "4"},
                  {"Nexus-Request-Id", "req-1"},
                  {"Request-Timeout", "5s"},
                  {"Nexus-Callback-Temporal-Callback-Token", "tok"},
                  {"Nexus-Link", "<temporal:///a>; type=\"t.A\""},
                  {"nexus-link", "<temporal:///b>; type=\"t.B\""},
                  {"X-Custom", "v1"},
                  {"x-custom", "v2"}},
                 "\"in\""));
  PollResponse task = PollTask();
  const nexus_pb::Request& request = task.request();
  EXPECT_EQ(request.endpoint(), "my-endpoint");
  EXPECT_EQ(request.scheduled_time().seconds(), 1700000000);
  EXPECT_EQ(request.header().at("x-custom"), "v1");
  EXPECT_EQ(request.header().at("nexus-request-id"), "req-1");
  // The matcher hands the worker the time left of the 5 s the caller gave (in ms).
  const std::string& left = request.header().at("request-timeout");
  ASSERT_GE(left.size(), 3u);
  EXPECT_EQ(left.substr(left.size() - 2), "ms");
  EXPECT_LE(std::stoll(left), 5000);
  EXPECT_GT(std::stoll(left), 0);
  EXPECT_EQ(request.header().at("Request-Timeout"), left);
  EXPECT_EQ(request.header().count("content-type"), 0u);
  EXPECT_EQ(request.header().count("host"), 0u);
  EXPECT_EQ(request.header().count("nexus-callback-temporal-callback-token"), 0u);
  const nexus_pb::StartOperationRequest& start = request.start_operation();
  EXPECT_EQ(start.service(), "my svc");
  EXPECT_EQ(start.operation(), "op");
  EXPECT_EQ(start.request_id(), "req-1");
  EXPECT_EQ(start.callback(), "http://caller/cb");
  EXPECT_EQ(start.callback_header().at("temporal-callback-token"), "tok");
  EXPECT_EQ(start.payload().metadata().at("encoding"), "json/plain");
  EXPECT_EQ(start.payload().data(), "\"in\"");
  ASSERT_EQ(start.links_size(), 2);
  EXPECT_EQ(start.links(1).url(), "temporal:///b");
  EXPECT_EQ(start.links(1).type(), "t.B");

  nexus_pb::Response response;
  auto* sync = response.mutable_start_operation()->mutable_sync_success();
  (*sync->mutable_payload()->mutable_metadata())["encoding"] = "json/plain";
  sync->mutable_payload()->set_data("\"out\"");
  auto* link = sync->add_links();
  link->set_url("temporal:///namespaces/ns/workflows/w/r/history");
  link->set_type("temporal.api.common.v1.Link.WorkflowEvent");
  Answer(task, ResponseOutcome(response));
  http::Response answered = Await(answer);
  EXPECT_EQ(answered.status, 200);
  EXPECT_EQ(answered.content_type, "application/json");
  EXPECT_EQ(answered.body, "\"out\"");
  EXPECT_EQ(answered.Header("Nexus-Link"),
            "<temporal:///namespaces/ns/workflows/w/r/history>; "
            "type=\"temporal.api.common.v1.Link.WorkflowEvent\"");
  EXPECT_FALSE(answered.Header(kNexusFailureSourceHeader).has_value());
}

TEST_F(NexusHttpTest, AnAsyncStartIsAnswered201WithTheOperationToken) {
  auto answer = Serve(Post("/nexus/endpoints/ep-1/services/svc/op"));
  PollResponse task = PollTask();
  EXPECT_EQ(task.request().start_operation().payload().metadata().at("encoding"), "binary/null");
  nexus_pb::Response response;
  response.mutable_start_operation()->mutable_async_success()->set_operation_token("op-token");
  Answer(task, ResponseOutcome(response));
  http::Response answered = Await(answer);
  EXPECT_EQ(answered.status, 201);
  EXPECT_EQ(answered.body, "{\"id\":\"op-token\",\"token\":\"op-token\",\"state\":\"running\"}");
  EXPECT_EQ(answered.content_type, "application/json");
}

TEST_F(NexusHttpTest, AnOperationThatFailedAtItsStartIsAnswered424WithItsState) {
  auto answer = Serve(Post("/nexus/endpoints/ep-1/services/svc/op"));
  PollResponse task = PollTask();
  nexus_pb::Response response;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  auto* error = response.mutable_start_operation()->mutable_operation_error();
#pragma GCC diagnostic pop
  error->set_operation_state("canceled");
  error->mutable_failure()->set_message("stopped");
  (*error->mutable_failure()->mutable_metadata())["k"] = "v";
  Answer(task, ResponseOutcome(response));
  http::Response answered = Await(answer);
  EXPECT_EQ(answered.status, 424);
  EXPECT_EQ(answered.Header("Nexus-Operation-State"), "canceled");
  EXPECT_EQ(answered.Header(kNexusFailureSourceHeader), "worker");
  EXPECT_EQ(Json(answered), nlohmann::json::parse(R"({"message":"stopped","metadata":{"k":"v"}})"));
}

TEST_F(NexusHttpTest, AWorkersTemporalFailureIsAnsweredAsAFailedOrCanceledOperation) {
  auto answer = Serve(Post("/nexus/endpoints/ep-1/services/svc/op"));
  PollResponse task = PollTask();
  nexus_pb::Response response;
  auto* failure = response.mutable_start_operation()->mutable_failure();
  failure->set_message("app");
  failure->mutable_application_failure_info()->set_type("T");
  Answer(task, ResponseOutcome(response));
  http::Response answered = Await(answer);
  EXPECT_EQ(answered.status, 424);
  EXPECT_EQ(answered.Header("Nexus-Operation-State"), "failed");
  EXPECT_EQ(Json(answered)["metadata"]["type"], "temporal.api.failure.v1.Failure");
}

TEST_F(NexusHttpTest, AHandlerErrorIsAnsweredWithTheStatusOfItsTypeAndItsRetryBehavior) {
  struct Case {
    std::string type;
    int status;
  };
  for (const Case& c : std::vector<Case>{{"BAD_REQUEST", 400},
                                         {"UNAUTHENTICATED", 401},
                                         {"UNAUTHORIZED", 403},
                                         {"NOT_FOUND", 404},
                                         {"RESOURCE_EXHAUSTED", 429},
                                         {"INTERNAL", 500},
                                         {"NOT_IMPLEMENTED", 501},
                                         {"UNAVAILABLE", 503},
                                         {"UPSTREAM_TIMEOUT", 520}}) {
    SCOPED_TRACE(c.type);
    auto answer = Serve(Post("/nexus/endpoints/ep-1/services/svc/op"));
    PollResponse task = PollTask();
    Outcome outcome;
    outcome.kind = Outcome::Kind::kHandlerError;
    outcome.error.set_error_type(c.type);
    outcome.error.mutable_failure()->set_message("handler says " + c.type);
    outcome.error.set_retry_behavior(
        temporal::api::enums::v1::NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE);
    Answer(task, outcome);
    http::Response answered = Await(answer);
    EXPECT_EQ(answered.status, c.status);
    EXPECT_EQ(Json(answered)["message"], "handler says " + c.type);
    EXPECT_EQ(answered.Header("Nexus-Request-Retryable"), "false");
    EXPECT_EQ(answered.Header(kNexusFailureSourceHeader), "worker");
  }
  auto answer = Serve(Post("/nexus/endpoints/ep-1/services/svc/op"));
  PollResponse task = PollTask();
  Outcome outcome;
  outcome.kind = Outcome::Kind::kHandlerError;
  outcome.error.set_error_type("WHATEVER");
  Answer(task, outcome);
  http::Response answered = Await(answer);
  EXPECT_EQ(answered.status, 500);
  EXPECT_EQ(Json(answered)["message"], "internal error");
}

TEST_F(NexusHttpTest, NoWorkerAnswerWithinTheRequestTimeoutIsAnUpstreamTimeout) {
  http::Response answered =
      Exchange(Post("/nexus/endpoints/ep-1/services/svc/op", {{"Request-Timeout", "50ms"}}));
  EXPECT_EQ(answered.status, 520);
  EXPECT_EQ(Json(answered)["message"], "upstream timeout");
  EXPECT_EQ(answered.Header(kNexusFailureSourceHeader), "worker");
}

TEST_F(NexusHttpTest, EndpointsThatDoNotResolveToAWorkerQueueAreRefused) {
  http::Response unknown = Exchange(Post("/nexus/endpoints/nope/services/svc/op"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json(unknown)["message"], "nexus endpoint not found");
  endpoints_["ext"].mutable_spec()->mutable_target()->mutable_external()->set_url("http://x");
  http::Response external = Exchange(Post("/nexus/endpoints/ext/services/svc/op"));
  EXPECT_EQ(external.status, 400);
  EXPECT_EQ(Json(external)["message"], "invalid endpoint target");
  AddEndpoint("gone", "gone", "deleted-ns", "tq");
  EXPECT_EQ(Exchange(Post("/nexus/endpoints/gone/services/svc/op")).status, 400);
  // The endpoint is looked up before the rest of the path is read.
  EXPECT_EQ(Exchange(Post("/nexus/endpoints/nope/services/")).status, 404);
  EXPECT_EQ(Json(Exchange(Post("/nexus/endpoints/ep-1/services/"))).at("message"), "not found");
}

TEST_F(NexusHttpTest, RequestsTheNexusHandlerLayerRefusesGetItsAnswers) {
  struct Case {
    std::string method;
    std::string target;
    std::vector<http::HeaderField> headers;
    int status;
    std::string message;
  };
  const std::string base = "/nexus/endpoints/ep-1/services/svc/op";
  for (const Case& c : std::vector<Case>{
           {"GET", base + "/tok", {}, 501, "not implemented"},
           {"GET", base + "/tok/result", {}, 501, "not implemented"},
           {"GET", base, {{"Nexus-Operation-Token", "t"}}, 501, "not implemented"},
           {"GET", base, {}, 400, "invalid request method: expected POST, got \"GET\""},
           {"POST",
            base + "/tok/result",
            {},
            400,
            "invalid request method: expected GET, got \"POST\""},
           {"GET",
            base + "/tok/cancel",
            {},
            400,
            "invalid request method: expected POST, got \"GET\""},
           {"POST", base + "/tok/other", {}, 404, "not found"},
           {"POST", base + "/a/b/c", {}, 404, "not found"},
           {"POST", base, {{"Request-Timeout", "soon"}}, 400, "invalid request timeout header"},
           {"POST", base, {{"Nexus-Link", "nonsense"}}, 400, "invalid \"nexus-link\" header"},
           {"POST", "/nexus/endpoints/ep-1/services/s%zz/op", {}, 400, "failed to parse URL path"},
           {"POST", "/nexus/endpoints/e%zz/services/s/op", {}, 400, "invalid URL"},
       }) {
    SCOPED_TRACE(c.method + " " + c.target);
    http::Request request = Post(c.target, c.headers);
    request.method = c.method;
    http::Response answered = Exchange(std::move(request));
    EXPECT_EQ(answered.status, c.status);
    EXPECT_EQ(Json(answered)["message"], c.message);
  }
  http::Response elsewhere = Exchange(Post("/nexus/endpoints/ep-1/other/svc/op"));
  EXPECT_EQ(elsewhere.status, 404);
  EXPECT_EQ(elsewhere.body, "404 page not found\n");
}

TEST_F(NexusHttpTest, InputThatIsTooLargeOrMalformedIsBadRequest) {
  options_.request_body_bytes_max = 8;
  options_.payload_bytes_max = 40;
  nexus_ = MakeHandler();
  const std::string base = "/nexus/endpoints/ep-1/services/svc/op";
  EXPECT_EQ(Json(Exchange(Post(base, {}, "123456789")))["message"], "invalid input");
  EXPECT_EQ(Json(Exchange(Post(base, {{"Content-Type", "application/x-temporal-payload"}},
                               "\xff")))["message"],
            "invalid input");
  EXPECT_EQ(Json(Exchange(Post(base, {{"Content-Type", "application/x-protobuf; message-type=a"}},
                               "12345678")))["message"],
            "input exceeds size limit");
}

TEST_F(NexusHttpTest, ACancelBecomesACancelTaskAndIsAnswered202) {
  for (const bool token_in_path : {false, true}) {
    SCOPED_TRACE(token_in_path);
    auto answer =
        Serve(token_in_path
                  ? Post("/nexus/endpoints/ep-1/services/svc/op/a%2Fb/cancel", {{"X-Custom", "v"}})
                  : Post("/nexus/endpoints/ep-1/services/svc/op/cancel",
                         {{"Nexus-Operation-Token", "a/b"}, {"X-Custom", "v"}}));
    PollResponse task = PollTask();
    EXPECT_EQ(task.request().cancel_operation().service(), "svc");
    EXPECT_EQ(task.request().cancel_operation().operation(), "op");
    EXPECT_EQ(task.request().cancel_operation().operation_token(), "a/b");
    EXPECT_EQ(task.request().header().count("nexus-operation-token"), 0u);
    EXPECT_EQ(task.request().header().at("x-custom"), "v");
    nexus_pb::Response response;
    response.mutable_cancel_operation();
    Answer(task, ResponseOutcome(response));
    http::Response answered = Await(answer);
    EXPECT_EQ(answered.status, 202);
    EXPECT_EQ(answered.body, "");
  }
}

TEST_F(NexusHttpTest, ANamespaceAndTaskQueueRouteDispatchesWithoutAnEndpoint) {
  auto answer = Serve(Post("/namespaces/handler-ns/task-queues/other%20tq/nexus-services/svc/op"));
  PollResponse task = PollTask("other tq");
  EXPECT_EQ(task.request().endpoint(), "");
  nexus_pb::Response response;
  response.mutable_start_operation()->mutable_async_success()->set_operation_token("t");
  Answer(task, ResponseOutcome(response));
  EXPECT_EQ(Await(answer).status, 201);
  http::Response unknown =
      Exchange(Post("/namespaces/missing/task-queues/tq/nexus-services/svc/op"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json(unknown)["message"], "namespace not found: \"missing\"");
}

TEST_F(NexusHttpTest, ASucceededCompletionReachesTheEngineWithItsResultAndLinks) {
  http::Response answered = Exchange(Post(
      "/namespaces/handler-ns/nexus/callback",
      {{"Nexus-Operation-State", "succeeded"},
       {"Content-Type", "application/json"},
       {"Temporal-Callback-Token", "cb-token"},
       {"Nexus-Operation-Token", "op-token"},
       {"Nexus-Operation-Start-Time", "Mon, 02 Jan 2006 15:04:05 GMT"},
       {"Nexus-Link",
        "<temporal:///namespaces/ns/workflows/w/r/history?referenceType=EventReference&eventID=1&"
        "eventType=WorkflowExecutionStarted>; type=\"temporal.api.common.v1.Link.WorkflowEvent\""},
       {"Nexus-Link", "<http://elsewhere>; type=\"other.Type\""}},
      "42"));
  EXPECT_EQ(answered.status, 200);
  EXPECT_EQ(answered.body, "");
  Run([] {});
  ASSERT_EQ(completions_.size(), 1u);
  const Completion& completion = completions_[0];
  EXPECT_EQ(completion.token, "cb-token");
  EXPECT_EQ(completion.state, Completion::State::kSucceeded);
  EXPECT_EQ(completion.result.metadata().at("encoding"), "json/plain");
  EXPECT_EQ(completion.result.data(), "42");
  EXPECT_EQ(completion.operation_token, "op-token");
  EXPECT_EQ(completion.start_time.seconds(), 1136214245);
  ASSERT_EQ(completion.links.size(), 1u);
  EXPECT_EQ(completion.links[0].workflow_event().workflow_id(), "w");
  EXPECT_EQ(completion.links[0].workflow_event().event_ref().event_id(), 1);
}

TEST_F(NexusHttpTest, FailedAndCanceledCompletionsCarryTheConvertedFailure) {
  for (const std::string state : {"failed", "canceled"}) {
    SCOPED_TRACE(state);
    http::Response answered = Exchange(Post("/namespaces/handler-ns/nexus/callback",
                                            {{"Nexus-Operation-State", state},
                                             {"Content-Type", "application/json; charset=utf-8"},
                                             {"Nexus-Operation-Id", "legacy-id"}},
                                            R"({"message":"it broke","details":{"a":1}})"));
    EXPECT_EQ(answered.status, 200);
  }
  Run([] {});
  ASSERT_EQ(completions_.size(), 2u);
  EXPECT_EQ(completions_[0].state, Completion::State::kFailed);
  EXPECT_EQ(completions_[0].operation_token, "legacy-id");
  EXPECT_EQ(completions_[0].failure.message(), "it broke");
  EXPECT_EQ(completions_[0].failure.application_failure_info().type(), "NexusFailure");
  EXPECT_TRUE(completions_[0].failure.application_failure_info().non_retryable());
  EXPECT_EQ(completions_[1].state, Completion::State::kCanceled);
  EXPECT_TRUE(completions_[1].failure.has_canceled_failure_info());
}

TEST_F(NexusHttpTest, CompletionsTheHandlerOrTheEngineRefuseGetTheReferencesAnswers) {
  const std::string path = "/namespaces/handler-ns/nexus/callback";
  struct Case {
    std::string target;
    std::vector<http::HeaderField> headers;
    std::string body;
    int status;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {path,
            {{"Nexus-Operation-State", "done"}},
            "",
            400,
            "invalid request operation state: \"done\""},
           {path,
            {{"Nexus-Operation-State", "failed"}, {"Content-Type", "text/plain"}},
            "{}",
            400,
            "invalid request content type: \"text/plain\""},
           {path,
            {{"Nexus-Operation-State", "failed"}, {"Content-Type", "application/json"}},
            "{oops",
            400,
            "failed to read Failure from request body"},
           {path,
            {{"Nexus-Operation-State", "succeeded"}, {"Nexus-Operation-Start-Time", "yesterday"}},
            "",
            400,
            "failed to parse operation start time header"},
           {path,
            {{"Nexus-Operation-State", "succeeded"}, {"Nexus-Link", "bad"}},
            "",
            400,
            "failed to decode links from request headers"},
           {"/namespaces/missing/nexus/callback",
            {{"Nexus-Operation-State", "succeeded"}},
            "",
            404,
            "namespace \"missing\" not found"},
           {path,
            {{"Nexus-Operation-State", "succeeded"},
             {"Nexus-Operation-Token", std::string(4097, 't')}},
            "",
            400,
            "operation token length exceeds allowed limit (4097/4096)"},
       }) {
    SCOPED_TRACE(c.message);
    http::Response answered = Exchange(Post(c.target, c.headers, c.body));
    EXPECT_EQ(answered.status, c.status);
    EXPECT_EQ(Json(answered)["message"], c.message);
  }
  Run([] {});
  EXPECT_TRUE(completions_.empty());

  struct EngineCase {
    hugo::Error error;
    int status;
    std::string message;
  };
  for (const EngineCase& c : std::vector<EngineCase>{
           {hugo::Error::From("bad token", errors::kInvalidArgument), 400,
            "invalid callback token"},
           {hugo::Error::From("workflow execution already completed", errors::kNotFound), 404,
            "workflow execution already completed"},
           {hugo::Error::From("store down", errors::kUnavailable), 503, "service unavailable"},
           {hugo::Error::From("boom", errors::kInternal), 500, "internal error"},
       }) {
    SCOPED_TRACE(c.message);
    complete_result_ = c.error;
    http::Response answered = Exchange(Post(path, {{"Nexus-Operation-State", "succeeded"}}, ""));
    EXPECT_EQ(answered.status, c.status);
    EXPECT_EQ(Json(answered)["message"], c.message);
  }
}

TEST_F(NexusHttpTest, AfterStopRequestsAreAnswered503) {
  Run([this] { nexus_->Stop(); });
  http::Response answered = Exchange(Post("/nexus/endpoints/ep-1/services/svc/op"));
  EXPECT_EQ(answered.status, 503);
  EXPECT_EQ(Exchange(Post("/namespaces/handler-ns/nexus/callback",
                          {{"Nexus-Operation-State", "succeeded"}}))
                .status,
            503);
}

TEST_F(NexusHttpTest, AServerShutdownAnswersPendingStarts503) {
  auto answer = Serve(Post("/nexus/endpoints/ep-1/services/svc/op"));
  PollResponse task = PollTask();  // delivered, not answered
  Run([this] { matcher_.CancelAll(); });
  EXPECT_EQ(Await(answer).status, 503);
}

}  // namespace
}  // namespace hdo::frontend
