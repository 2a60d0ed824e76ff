// Worker interceptors on a real worker and server: every inbound hook (activity, local activity,
// workflow, signal, query, update validator and handler) runs in order, first interceptor
// outermost, and each can change the outcome or answer in place of the SDK; the workflow-side
// hooks replay deterministically (Replayer::SetInterceptors).
#include "hdo/interceptor.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "hdo/client.h"
#include "hdo/client_interceptor.h"
#include "hdo/replayer.h"
#include "hdo/worker.h"
#include "sdk_test_fixture.h"
#include "temporal/api/sdk/v1/workflow_metadata.pb.h"

namespace hdo {
namespace {

using namespace std::chrono_literals;
using InterceptorTest = testsupport::SdkWorkflowTest;

std::mutex log_mutex;
std::vector<std::string> hook_log;
void Log(std::string line) {
  std::lock_guard lock(log_mutex);
  hook_log.push_back(std::move(line));
}

std::string Echo(ActivityContext& ctx, std::string text) {
  return std::string(ctx.info().is_local ? "local " : "") + "echo " + text;
}

Workflow<std::string> Intercepted(WorkflowContext ctx) {
  std::vector<std::string> notes;
  std::string last_set;
  auto q = ctx.SetQueryHandler("notes", [&]() { return static_cast<int64_t>(notes.size()); });
  if (q.IsFailure()) co_return q.Error();
  auto u = ctx.SetUpdateHandler(
      "set",
      [&](WorkflowContext, std::string value) -> Workflow<std::string> {
        last_set = value;
        co_return "set " + value;
      },
      [](std::string value) -> hugo::Result<hugo::Unit> {
        if (value.empty()) return ApplicationError("empty value", "Empty", true);
        return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
      });
  if (u.IsFailure()) co_return u.Error();
  ActivityOptions options;
  options.start_to_close_timeout = 10s;
  auto remote = co_await ctx.ExecuteActivity<std::string>("Echo", options, std::string("a"));
  if (remote.IsFailure()) co_return remote.Error();
  LocalActivityOptions local_options;
  local_options.start_to_close_timeout = 10s;
  auto local =
      co_await ctx.ExecuteLocalActivity<std::string>("Echo", local_options, std::string("l"));
  if (local.IsFailure()) co_return local.Error();
  auto channel = ctx.GetSignalChannel<std::string>("note");
  for (;;) {
    auto note = co_await channel.Receive();
    if (note.IsFailure()) co_return note.Error();
    if (note.Value() == "done") break;
    notes.push_back(note.Value());
  }
  std::string joined;
  for (const auto& n : notes) joined += (joined.empty() ? "" : " ") + n;
  co_return remote.Value() + ", " + local.Value() + ", notes=" + joined + ", set=" + last_set;
}

Workflow<Payloads> AppendToResult(Workflow<Payloads> inner, std::string suffix) {
  hugo::Result<Payloads> outcome = co_await inner;
  if (outcome.IsFailure()) co_return outcome.Error();
  auto text = FromPayloads1<std::string>(outcome.Value());
  if (text.IsFailure()) co_return text.Error();
  auto encoded = ToPayloads(text.Value() + suffix);
  if (encoded.IsFailure()) co_return encoded.Error();
  co_return encoded.Value();
}

// Logs every hook with its name; the outer one also changes outcomes and answers on its own.
class Recording : public WorkerInterceptor {
 public:
  explicit Recording(std::string name, bool changes) : name_(std::move(name)), changes_(changes) {}

  hugo::Result<Payloads> ExecuteActivity(ActivityContext& ctx, const ActivityInvocation& invocation,
                                         const ActivityNext& next) const override {
    Log(name_ + " activity " + invocation.info.activity_type +
        (ctx.info().is_local ? " local" : ""));
    hugo::Result<Payloads> outcome = next(ctx, invocation);
    if (!changes_ || outcome.IsFailure()) return outcome;
    auto text = FromPayloads1<std::string>(outcome.Value());
    if (text.IsFailure()) return text.Error();
    return ToPayloads(text.Value() + " (intercepted)");
  }

  hugo::Result<Workflow<Payloads>> ExecuteWorkflow(WorkflowContext ctx, const Payloads& input,
                                                   const WorkflowNext& next) const override {
    if (!ctx.IsReplaying()) Log(name_ + " workflow " + ctx.Info().workflow_type);
    auto root = next(ctx, input);
    if (!changes_ || root.IsFailure()) return root;
    return hugo::Result<Workflow<Payloads>>::Ok(
        AppendToResult(std::move(root).Value(), " [wrapped]"));
  }

  void HandleSignal(WorkflowContext ctx, const SignalInput& input,
                    const SignalNext& next) const override {
    if (!ctx.IsReplaying()) Log(name_ + " signal " + input.signal_name);
    if (changes_ && FromPayloads1<std::string>(input.input).ValueOr("") == "spam") return;
    next(ctx, input);
  }

  hugo::Result<Payloads> HandleQuery(WorkflowContext ctx, const QueryInput& input,
                                     const QueryNext& next) const override {
    Log(name_ + " query " + input.query_type);
    if (changes_ && input.query_type == "interceptor") return ToPayloads(std::string(name_));
    return next(ctx, input);
  }

  hugo::Result<hugo::Unit> ValidateUpdate(WorkflowContext ctx, const UpdateInput& input,
                                          const ValidateUpdateNext& next) const override {
    Log(name_ + " validate " + input.update_name);
    if (changes_ && FromPayloads1<std::string>(input.args).ValueOr("") == "blocked") {
      return ApplicationError("blocked by " + name_, "Blocked", true);
    }
    return next(ctx, input);
  }

  Workflow<Payloads> ExecuteUpdate(WorkflowContext ctx, const UpdateInput& input,
                                   const ExecuteUpdateNext& next) const override {
    if (!ctx.IsReplaying()) Log(name_ + " update " + input.update_name);
    if (!changes_) return next(ctx, input);
    return AppendToResult(next(ctx, input), " (by " + name_ + ")");
  }

 private:
  std::string name_;
  bool changes_;
};

std::vector<std::string> Logged() {
  std::lock_guard lock(log_mutex);
  return hook_log;
}

TEST_F(InterceptorTest, EveryHookRunsOuterFirstAndCanChangeOrAnswerInPlaceOfTheSdk) {
  {
    std::lock_guard lock(log_mutex);
    hook_log.clear();
  }
  WorkerInterceptors interceptors{std::make_shared<Recording>("outer", true),
                                  std::make_shared<Recording>("inner", false)};
  WorkerOptions options;
  options.interceptors = interceptors;
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("Intercepted", &Intercepted);
  worker.RegisterActivity("Echo", &Echo);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("Intercepted", Options("intercepted"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();

  auto blocked = handle.Value().Update<std::string>("set", std::string("blocked"));
  ASSERT_TRUE(blocked.IsFailure());
  EXPECT_NE(blocked.Error().ToString().find("blocked by outer"), std::string::npos)
      << blocked.Error().ToString();
  auto empty = handle.Value().Update<std::string>("set", std::string());
  ASSERT_TRUE(empty.IsFailure());  // the workflow's own validator, reached through the chain
  EXPECT_NE(empty.Error().ToString().find("empty value"), std::string::npos)
      << empty.Error().ToString();
  auto set = handle.Value().Update<std::string>("set", std::string("ok"));
  ASSERT_TRUE(set.IsSuccess()) << set.Error().ToString();
  EXPECT_EQ(set.Value(), "set ok (by outer)");

  for (const char* note : {"n1", "spam", "n2"}) {
    ASSERT_TRUE(handle.Value().Signal("note", std::string(note)).IsSuccess());
  }
  auto answered = handle.Value().Query<std::string>("interceptor");
  ASSERT_TRUE(answered.IsSuccess()) << answered.Error().ToString();
  EXPECT_EQ(answered.Value(), "outer");  // no such query handler: the interceptor answered
  // The built-ins as in Go: the metadata query through the chain, the stack trace before it.
  auto metadata = handle.Value().Query<temporal::api::sdk::v1::WorkflowMetadata>(
      std::string(kWorkflowMetadataQuery));
  ASSERT_TRUE(metadata.IsSuccess()) << metadata.Error().ToString();
  EXPECT_EQ(metadata.Value().definition().type(), "Intercepted");
  auto trace = handle.Value().Query<std::string>(std::string(kStackTraceQuery));
  ASSERT_TRUE(trace.IsSuccess()) << trace.Error().ToString();
  EXPECT_NE(trace.Value().find("Intercepted"), std::string::npos) << trace.Value();
  ASSERT_TRUE(handle.Value().Signal("note", std::string("done")).IsSuccess());
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(),
            "echo a (intercepted), local echo l (intercepted), notes=n1 n2, set=ok [wrapped]");
  auto notes = handle.Value().Query<int64_t>("notes");  // answered by replaying the closed run
  ASSERT_TRUE(notes.IsSuccess()) << notes.Error().ToString();
  EXPECT_EQ(notes.Value(), 2);

  // Outer before inner on every hook.
  std::vector<std::string> log = Logged();
  auto position = [&](const std::string& line) {
    auto it = std::find(log.begin(), log.end(), line);
    return it == log.end() ? -1 : static_cast<int>(it - log.begin());
  };
  EXPECT_EQ(position("outer query __stack_trace"), -1);
  for (const std::string hook : {"workflow Intercepted", "activity Echo", "activity Echo local",
                                 "validate set", "update set", "signal note", "query interceptor",
                                 "query __temporal_workflow_metadata", "query notes"}) {
    int outer = position("outer " + hook);
    int inner = position("inner " + hook);
    EXPECT_GE(outer, 0) << hook;
    EXPECT_TRUE(hook == "query interceptor" ? inner == -1 : inner > outer) << hook;
  }

  // The workflow-side hooks replay: with the interceptors the history replays cleanly.
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  Replayer replayer;
  replayer.RegisterWorkflow("Intercepted", &Intercepted);
  replayer.SetInterceptors(interceptors);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
}

// An interceptor that refuses an activity fails the attempt without running the function.
class Refusing : public WorkerInterceptor {
 public:
  hugo::Result<Payloads> ExecuteActivity(ActivityContext&, const ActivityInvocation& invocation,
                                         const ActivityNext&) const override {
    return ApplicationError("not allowed: " + invocation.info.activity_type, "Refused", true);
  }
};

Workflow<std::string> CallsEcho(WorkflowContext ctx) {
  ActivityOptions options;
  options.start_to_close_timeout = 10s;
  auto echoed = co_await ctx.ExecuteActivity<std::string>("Echo", options, std::string("x"));
  if (echoed.IsFailure()) co_return echoed.Error();
  co_return echoed.Value();
}

TEST_F(InterceptorTest, AnActivityInterceptorCanRefuseTheCall) {
  WorkerOptions options;
  options.interceptors = {std::make_shared<Refusing>()};
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("CallsEcho", &CallsEcho);
  worker.RegisterActivity("Echo", &Echo);
  StartWorker();
  auto result = client_->ExecuteWorkflow<std::string>("CallsEcho", Options("refused"));
  ASSERT_TRUE(result.IsFailure());
  const hugo::Error* activity = result.Error().Cause();
  ASSERT_NE(activity, nullptr);
  ASSERT_NE(activity->Cause(), nullptr);
  EXPECT_EQ(activity->Cause()->Message(), "not allowed: Echo");
}

// --- outbound: what workflow code starts, as an interceptor rewrites it.
std::string ReadHeader(ActivityContext& ctx) {
  auto it = ctx.info().header.find("intercepted-by");
  if (it == ctx.info().header.end()) return "<no header>";
  return FromPayload<std::string>(it->second).ValueOr("<undecodable>");
}
Workflow<std::string> OutboundChild(WorkflowContext ctx) { co_return ctx.Info().workflow_id; }
Workflow<std::string> Outbound(WorkflowContext ctx) {
  auto slept = co_await ctx.Sleep(std::chrono::hours(1));  // the interceptor makes it 10 ms
  if (slept.IsFailure()) co_return slept.Error();
  ActivityOptions options;
  options.start_to_close_timeout = 10s;
  auto header = co_await ctx.ExecuteActivity<std::string>("ReadHeader", options);
  if (header.IsFailure()) co_return header.Error();
  LocalActivityOptions local_options;
  local_options.start_to_close_timeout = 10s;
  auto local =
      co_await ctx.ExecuteLocalActivity<std::string>("Echo", local_options, std::string("l"));
  if (local.IsFailure()) co_return local.Error();
  ChildWorkflowOptions child_options;
  child_options.workflow_id = ctx.Info().workflow_id + "-child";
  auto child = co_await ctx.ExecuteChildWorkflow<std::string>("OutboundChild", child_options);
  if (child.IsFailure()) co_return child.Error();
  auto refused = co_await ctx.SignalExternalWorkflow("forbidden-target", "", "poke");
  std::string signal = refused.IsFailure() ? refused.Error().Message() : "sent";
  co_return header.Value() + " | " + local.Value() + " | " +
      (child.Value() == ctx.Info().workflow_id + "-child-renamed" ? "child renamed"
                                                                  : child.Value()) +
      " | " + signal;
}

class Rewriting : public WorkerInterceptor {
 public:
  Future<hugo::Result<Payloads>> ScheduleActivity(WorkflowContext ctx, const ActivityCall& call,
                                                  const ScheduleActivityNext& next) const override {
    ActivityCall changed = call;
    changed.header["intercepted-by"] = ToPayload(std::string("rewriting")).Value();
    return next(ctx, changed);
  }
  Future<hugo::Result<Payloads>> ScheduleLocalActivity(
      WorkflowContext ctx, const LocalActivityCall& call,
      const ScheduleLocalActivityNext& next) const override {
    LocalActivityCall changed = call;
    changed.input = ToPayloads(std::string("L")).Value();
    return next(ctx, changed);
  }
  WorkflowContext::RawChild StartChildWorkflow(WorkflowContext ctx, const ChildWorkflowCall& call,
                                               const StartChildWorkflowNext& next) const override {
    ChildWorkflowCall changed = call;
    changed.options.workflow_id += "-renamed";
    return next(ctx, changed);
  }
  Future<hugo::Result<hugo::Unit>> SignalExternalWorkflow(
      WorkflowContext ctx, const SignalExternalCall& call,
      const SignalExternalNext& next) const override {
    if (call.workflow_id.rfind("forbidden-", 0) == 0) {
      auto refused = ctx.NewPromise<hugo::Result<hugo::Unit>>();
      refused.Set(hugo::Error::From("signals to " + call.workflow_id + " are not allowed",
                                    "test.forbidden"));
      return refused.GetFuture();
    }
    return next(ctx, call);
  }
  Future<hugo::Result<hugo::Unit>> StartTimer(WorkflowContext ctx,
                                              std::chrono::milliseconds duration,
                                              const StartTimerNext& next) const override {
    return next(ctx, std::min(duration, std::chrono::milliseconds(10)));
  }
  Future<hugo::Result<hugo::Unit>> RequestCancelExternalWorkflow(
      WorkflowContext ctx, const CancelExternalCall& call,
      const CancelExternalNext& next) const override {
    if (call.workflow_id.rfind("forbidden-", 0) == 0) {
      auto refused = ctx.NewPromise<hugo::Result<hugo::Unit>>();
      refused.Set(
          hugo::Error::From("cancel of " + call.workflow_id + " refused", "test.forbidden"));
      return refused.GetFuture();
    }
    return next(ctx, call);
  }
  hugo::Error ContinueAsNew(WorkflowContext ctx, const ContinueAsNewCall& call,
                            const ContinueAsNewNext& next) const override {
    ContinueAsNewCall changed = call;
    changed.header["continued-by"] = ToPayload(std::string("rewriting")).Value();
    return next(ctx, changed);
  }
};

Workflow<std::string> ContinuesOnce(WorkflowContext ctx, int32_t round) {
  if (round == 0) {
    auto refused = co_await ctx.RequestCancelExternalWorkflow("forbidden-victim", "");
    if (refused.IsSuccess()) co_return std::string("the cancel was not refused");
    co_return ctx.ContinueAsNew(int32_t{1});
  }
  auto it = ctx.Info().header.find("continued-by");
  co_return it == ctx.Info().header.end()
      ? std::string("<no header>")
      : FromPayload<std::string>(it->second).ValueOr("<undecodable>");
}

TEST_F(InterceptorTest, OutboundHooksSeeCancelRequestsAndContinueAsNew) {
  WorkerOptions options;
  options.interceptors = {std::make_shared<Rewriting>()};
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("ContinuesOnce", &ContinuesOnce);
  StartWorker();
  auto result =
      client_->ExecuteWorkflow<std::string>("ContinuesOnce", Options("continues"), int32_t{0});
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "rewriting");  // the new run's start header, written by the hook
}

TEST_F(InterceptorTest, OutboundHooksRewriteWhatTheWorkflowStartsOrAnswerInItsPlace) {
  WorkerOptions options;
  options.interceptors = {std::make_shared<Rewriting>()};
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("Outbound", &Outbound);
  worker.RegisterWorkflow("OutboundChild", &OutboundChild);
  worker.RegisterActivity("ReadHeader", &ReadHeader);
  worker.RegisterActivity("Echo", &Echo);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("Outbound", Options("outbound"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(),
            "rewriting | local echo L | child renamed | signals to forbidden-target are not "
            "allowed");
  // History holds what the interceptor issued: a 10 ms timer, no external signal.
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  int timers = 0;
  for (const auto& e : history.Value().events()) {
    if (e.has_timer_started_event_attributes()) {
      ++timers;
      EXPECT_EQ(e.timer_started_event_attributes().start_to_fire_timeout().nanos(), 10'000'000);
      EXPECT_EQ(e.timer_started_event_attributes().start_to_fire_timeout().seconds(), 0);
    }
    EXPECT_FALSE(e.has_signal_external_workflow_execution_initiated_event_attributes());
  }
  EXPECT_EQ(timers, 1);
  Replayer replayer;
  replayer.RegisterWorkflow("Outbound", &Outbound);
  replayer.SetInterceptors(options.interceptors);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
}

// --- The hooks on markers and upserts: a version capped, a side effect refused, a search
// attribute refused and a memo extended; the history records what the hooks let through.
class Guarding : public WorkerInterceptor {
 public:
  hugo::Result<int32_t> GetVersion(WorkflowContext ctx, const VersionCall& call,
                                   const GetVersionNext& next) const override {
    VersionCall capped = call;
    if (call.change_id == "capped") capped.max_supported = std::min(call.max_supported, 1);
    return next(ctx, capped);
  }
  hugo::Result<hugo::Unit> SideEffect(WorkflowContext ctx, const std::string& effect_id,
                                      const SideEffectNext& next) const override {
    if (effect_id.rfind("blocked-", 0) == 0) {
      return hugo::Error::From("side effect " + effect_id + " blocked", "test.forbidden");
    }
    return next(ctx, effect_id);
  }
  hugo::Result<hugo::Unit> UpsertSearchAttributes(WorkflowContext ctx,
                                                  const std::map<std::string, Payload>& attributes,
                                                  const UpsertNext& next) const override {
    if (attributes.count("Forbidden") > 0) {
      return hugo::Error::From("search attribute Forbidden refused", "test.forbidden");
    }
    return next(ctx, attributes);
  }
  hugo::Result<hugo::Unit> UpsertMemo(WorkflowContext ctx,
                                      const std::map<std::string, Payload>& memo,
                                      const UpsertNext& next) const override {
    std::map<std::string, Payload> audited = memo;
    audited["audited"] = ToPayload(true).Value();
    return next(ctx, audited);
  }
};

Workflow<std::string> Marked(WorkflowContext ctx) {
  auto version = ctx.GetVersion("capped", WorkflowContext::kDefaultVersion, 3);
  if (version.IsFailure()) co_return version.Error();
  auto answer = ctx.SideEffect<int64_t>("answer", [] { return int64_t{42}; });
  if (answer.IsFailure()) co_return answer.Error();
  auto blocked = ctx.SideEffect<int64_t>("blocked-clock", [] { return int64_t{7}; });
  auto refused = ctx.UpsertSearchAttributes({{"Forbidden", "x"}});
  auto memo = ctx.UpsertMemo({{"note", "hi"}});
  if (memo.IsFailure()) co_return memo.Error();
  auto slept = co_await ctx.Sleep(1ms);  // a second task: the markers replay once
  if (slept.IsFailure()) co_return slept.Error();
  co_return "version " + std::to_string(version.Value()) + ", answer " +
      std::to_string(answer.Value()) + ", " +
      (blocked.IsFailure() ? blocked.Error().Message() : "not blocked") + ", " +
      (refused.IsFailure() ? refused.Error().Message() : "not refused");
}

TEST_F(InterceptorTest, HooksOnVersionsSideEffectsAndUpsertsDecideWhatIsRecorded) {
  WorkerOptions options;
  options.interceptors = {std::make_shared<Guarding>()};
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("Marked", &Marked);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("Marked", Options("marked"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(),
            "version 1, answer 42, side effect blocked-clock blocked, search attribute Forbidden "
            "refused");
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  std::map<std::string, int> markers;
  std::map<std::string, std::string> memo;
  for (const auto& e : history.Value().events()) {
    EXPECT_FALSE(e.has_upsert_workflow_search_attributes_event_attributes()) << e.DebugString();
    if (e.has_marker_recorded_event_attributes()) {
      ++markers[e.marker_recorded_event_attributes().marker_name()];
    }
    if (e.has_workflow_properties_modified_event_attributes()) {
      for (const auto& [key, payload] :
           e.workflow_properties_modified_event_attributes().upserted_memo().fields()) {
        memo[key] = payload.data();
      }
    }
  }
  EXPECT_EQ(markers, (std::map<std::string, int>{{"hugo.effect", 1}, {"hugo.version", 1}}));
  EXPECT_EQ(memo, (std::map<std::string, std::string>{{"audited", "true"}, {"note", "\"hi\""}}));
  Replayer replayer;
  replayer.RegisterWorkflow("Marked", &Marked);
  replayer.SetInterceptors(options.interceptors);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
}

// --- Client interceptors: every call of a Client and its handles goes through them, first
// outermost; a header an interceptor adds travels with the request; one can answer in place of
// the server.
class RecordingClient : public ClientInterceptor {
 public:
  using DescribeResponse = temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse;
  explicit RecordingClient(std::string name) : name_(std::move(name)) {}
  hugo::Result<UntypedWorkflowHandle> StartWorkflow(const StartWorkflowCall& call,
                                                    const StartWorkflowNext& next) const override {
    Log(name_ + ":start " + call.workflow_type);
    StartWorkflowCall traced = call;
    traced.header["trace-" + name_] = ToPayload(name_ + "-start").Value();
    return next(traced);
  }
  hugo::Result<hugo::Unit> SignalWorkflow(const SignalWorkflowCall& call,
                                          const SignalWorkflowNext& next) const override {
    Log(name_ + ":signal " + call.signal_name);
    SignalWorkflowCall traced = call;
    traced.header["trace-" + name_] = ToPayload(name_ + "-signal").Value();
    return next(traced);
  }
  hugo::Result<Payloads> QueryWorkflow(const QueryWorkflowCall& call,
                                       const QueryWorkflowNext& next) const override {
    Log(name_ + ":query " + call.query_type);
    return next(call);
  }
  hugo::Result<UntypedUpdateHandle> UpdateWorkflow(const UpdateWorkflowCall& call,
                                                   const UpdateWorkflowNext& next) const override {
    Log(name_ + ":update " + call.update_name);
    return next(call);
  }
  hugo::Result<UntypedUpdateWithStart> UpdateWithStartWorkflow(
      const UpdateWithStartCall& call, const UpdateWithStartNext& next) const override {
    Log(name_ + ":update-with-start " + call.workflow_type + " " + call.update_name);
    UpdateWithStartCall traced = call;
    traced.header["trace-" + name_] = ToPayload(name_ + "-uws").Value();
    return next(traced);
  }
  hugo::Result<DescribeResponse> DescribeWorkflow(const DescribeWorkflowCall& call,
                                                  const DescribeWorkflowNext& next) const override {
    Log(name_ + ":describe");
    return next(call);
  }
  hugo::Result<Payloads> GetWorkflowResult(const GetResultCall& call,
                                           const GetResultNext& next) const override {
    Log(name_ + ":result " + call.workflow_type);
    auto result = next(call);
    Log(name_ + ":result done");
    return result;
  }
  hugo::Result<hugo::Unit> CancelWorkflow(const CancelWorkflowCall& call,
                                          const CancelWorkflowNext& next) const override {
    Log(name_ + ":cancel " + call.reason);
    return next(call);
  }
  hugo::Result<hugo::Unit> TerminateWorkflow(const TerminateWorkflowCall& call,
                                             const TerminateWorkflowNext& next) const override {
    Log(name_ + ":terminate " + call.reason);
    if (call.reason == "refuse") return ApplicationError("terminate refused", "Refused", true);
    return next(call);
  }

 private:
  std::string name_;
};

// Waits for an update and a signal; returns the start header's trace entries.
Workflow<std::string> ClientTraced(WorkflowContext ctx) {
  std::string updated;
  auto u = ctx.SetUpdateHandler("bump", [&](WorkflowContext, int64_t n) -> Workflow<int64_t> {
    updated = std::to_string(n);
    co_return n + 1;
  });
  if (u.IsFailure()) co_return u.Error();
  auto q = ctx.SetQueryHandler("updated", [&]() { return updated; });
  if (q.IsFailure()) co_return q.Error();
  auto go = co_await ctx.GetSignalChannel<std::string>("go").Receive();
  if (go.IsFailure()) co_return go.Error();
  std::string traces;
  for (const auto& [key, payload] : ctx.Info().header) {
    traces += key + "=" + FromPayload<std::string>(payload).ValueOr("?") + " ";
  }
  co_return traces + "go=" + go.Value();
}

TEST_F(InterceptorTest, ClientInterceptorsSeeEveryCallOuterFirstAndTheirHeadersTravel) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("ClientTraced", &ClientTraced);
  StartWorker();
  ClientOptions client_options;
  client_options.interceptors = {std::make_shared<RecordingClient>("outer"),
                                 std::make_shared<RecordingClient>("inner")};
  Client client(connection_, client_options);
  {
    std::lock_guard lock(log_mutex);
    hook_log.clear();
  }
  auto handle = client.StartWorkflow<std::string>("ClientTraced", Options("client-traced"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto bumped = handle.Value().Update<int64_t>("bump", int64_t{41});
  ASSERT_TRUE(bumped.IsSuccess()) << bumped.Error().ToString();
  EXPECT_EQ(bumped.Value(), 42);
  auto queried = handle.Value().Query<std::string>("updated");
  ASSERT_TRUE(queried.IsSuccess()) << queried.Error().ToString();
  EXPECT_EQ(queried.Value(), "41");
  ASSERT_TRUE(handle.Value().Signal("go", std::string("now")).IsSuccess());
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "trace-inner=inner-start trace-outer=outer-start go=now");
  auto described = handle.Value().Describe();
  ASSERT_TRUE(described.IsSuccess()) << described.Error().ToString();
  // The signal's header is in its history event.
  std::map<std::string, std::string> signal_traces;
  for (const auto& e : Events(handle.Value())) {
    if (!e.has_workflow_execution_signaled_event_attributes()) continue;
    for (const auto& [key, payload] :
         e.workflow_execution_signaled_event_attributes().header().fields()) {
      signal_traces[key] = FromPayload<std::string>(payload).ValueOr("?");
    }
  }
  EXPECT_EQ(signal_traces, (std::map<std::string, std::string>{{"trace-inner", "inner-signal"},
                                                               {"trace-outer", "outer-signal"}}));
  std::lock_guard lock(log_mutex);
  EXPECT_EQ(
      hook_log,
      (std::vector<std::string>{
          "outer:start ClientTraced", "inner:start ClientTraced", "outer:update bump",
          "inner:update bump", "outer:query updated", "inner:query updated", "outer:signal go",
          "inner:signal go", "outer:result ClientTraced", "inner:result ClientTraced",
          "inner:result done", "outer:result done", "outer:describe", "inner:describe"}));
}

TEST_F(InterceptorTest, AnUpdateWithStartGoesThroughTheChainAndItsHeaderReachesBothOperations) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("ClientTraced", &ClientTraced);
  StartWorker();
  ClientOptions client_options;
  client_options.interceptors = {std::make_shared<RecordingClient>("outer"),
                                 std::make_shared<RecordingClient>("inner")};
  Client client(connection_, client_options);
  {
    std::lock_guard lock(log_mutex);
    hook_log.clear();
  }
  StartWorkflowOptions options = Options("client-uws");
  options.id_conflict_policy = temporal::api::enums::v1::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING;
  auto sent = client.StartUpdateWithStartWorkflow<int64_t, std::string>(
      "ClientTraced", options, "bump", UpdateOptions{}, ToPayloads(int64_t{41}).Value());
  ASSERT_TRUE(sent.IsSuccess()) << sent.Error().ToString();
  auto bumped = sent.Value().update.Get(30s);
  ASSERT_TRUE(bumped.IsSuccess()) << bumped.Error().ToString();
  EXPECT_EQ(bumped.Value(), 42);
  const auto& workflow = sent.Value().workflow;
  ASSERT_TRUE(workflow.Signal("go", std::string("now")).IsSuccess());
  auto result = workflow.GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  // The start's header...
  EXPECT_EQ(result.Value(), "trace-inner=inner-uws trace-outer=outer-uws go=now");
  // ...and the update's, as its accepted event records it.
  std::map<std::string, std::string> update_traces;
  for (const auto& e : Events(workflow)) {
    if (!e.has_workflow_execution_update_accepted_event_attributes()) continue;
    for (const auto& [key, payload] : e.workflow_execution_update_accepted_event_attributes()
                                          .accepted_request()
                                          .input()
                                          .header()
                                          .fields()) {
      update_traces[key] = FromPayload<std::string>(payload).ValueOr("?");
    }
  }
  EXPECT_EQ(update_traces, (std::map<std::string, std::string>{{"trace-inner", "inner-uws"},
                                                               {"trace-outer", "outer-uws"}}));
  std::lock_guard lock(log_mutex);
  EXPECT_EQ(hook_log, (std::vector<std::string>{
                          "outer:update-with-start ClientTraced bump",
                          "inner:update-with-start ClientTraced bump", "outer:signal go",
                          "inner:signal go", "outer:result ClientTraced",
                          "inner:result ClientTraced", "inner:result done", "outer:result done"}));
}

TEST_F(InterceptorTest, AClientInterceptorCanAnswerInPlaceOfTheServer) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("ClientTraced", &ClientTraced);
  StartWorker();
  ClientOptions client_options;
  client_options.interceptors = {std::make_shared<RecordingClient>("guard")};
  Client client(connection_, client_options);
  auto handle = client.StartWorkflow<std::string>("ClientTraced", Options("client-refused"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto refused = handle.Value().Terminate("refuse");
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Message(), "terminate refused");
  auto described = handle.Value().Describe();
  ASSERT_TRUE(described.IsSuccess()) << described.Error().ToString();
  EXPECT_EQ(described.Value().workflow_execution_info().status(),
            temporal::api::enums::v1::WORKFLOW_EXECUTION_STATUS_RUNNING);
  ASSERT_TRUE(handle.Value().Terminate("done here").IsSuccess());
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsFailure());
  ASSERT_NE(result.Error().Cause(), nullptr) << result.Error().ToString();
  EXPECT_EQ(result.Error().Cause()->Code(), FailureCodes::kTerminated) << result.Error().ToString();
  EXPECT_EQ(result.Error().Cause()->Message(), "done here");
}

}  // namespace
}  // namespace hdo
