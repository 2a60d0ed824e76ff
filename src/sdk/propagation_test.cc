// Context propagation without a server: KeysPropagator's four directions, the thread's values and
// their scopes, and the loops the client, worker and workflow runtime call (order, merging,
// failures, the end of extracted contexts).
#include "hdo/propagation.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace hdo {
namespace {

Payload Json(const std::string& text) { return ToPayload(text).Value(); }

std::string Text(const HeaderFields& fields, const std::string& key) {
  auto value = ContextValue<std::string>(fields, key);
  if (value.IsFailure()) return "<" + value.Error().Message() + ">";
  return value.Value().value_or("<none>");
}

TEST(ScopedContextValues, SetsOverTheCurrentValuesAndRestoresThemInOrder) {
  EXPECT_TRUE(ScopedContextValues::Current().empty());
  {
    ScopedContextValues outer({{"tenant", Json("acme")}, {"trace", Json("t-1")}});
    EXPECT_EQ(Text(ScopedContextValues::Current(), "tenant"), "acme");
    {
      ScopedContextValues inner({{"tenant", Json("bob")}});
      EXPECT_EQ(Text(ScopedContextValues::Current(), "tenant"), "bob");
      EXPECT_EQ(Text(ScopedContextValues::Current(), "trace"), "t-1");  // kept from outer
    }
    EXPECT_EQ(Text(ScopedContextValues::Current(), "tenant"), "acme");
  }
  EXPECT_TRUE(ScopedContextValues::Current().empty());
}

TEST(ScopedContextValues, AreTheCallingThreadsOnly) {
  ScopedContextValues scope({{"tenant", Json("acme")}});
  std::string seen;
  std::thread other([&] { seen = Text(ScopedContextValues::Current(), "tenant"); });
  other.join();
  EXPECT_EQ(seen, "<none>");
}

TEST(KeysPropagator, InjectWritesOnlyItsKeysThatTheThreadHolds) {
  KeysPropagator propagator({"tenant", "trace"});
  ScopedContextValues scope({{"tenant", Json("acme")}, {"secret", Json("s")}});
  HeaderFields header{{"existing", Json("kept")}};
  ASSERT_TRUE(propagator.Inject(header).IsSuccess());
  EXPECT_EQ(header.size(), 2u);
  EXPECT_EQ(header.at("tenant").data(), "\"acme\"");
  EXPECT_EQ(header.at("tenant").metadata().at("encoding"), "json/plain");
  EXPECT_EQ(header.count("trace"), 0u);   // the thread has none
  EXPECT_EQ(header.count("secret"), 0u);  // not a propagated key
}

TEST(KeysPropagator, ExtractMakesTheHeadersValuesTheThreadsUntilTheGuardEnds) {
  KeysPropagator propagator({"tenant"});
  ScopedContextValues scope({{"tenant", Json("outer")}, {"trace", Json("t-0")}});
  {
    auto guard = propagator.Extract({{"tenant", Json("inner")}, {"other", Json("x")}});
    ASSERT_TRUE(guard.IsSuccess());
    ASSERT_NE(guard.Value(), nullptr);
    EXPECT_EQ(Text(ScopedContextValues::Current(), "tenant"), "inner");
    EXPECT_EQ(Text(ScopedContextValues::Current(), "trace"), "t-0");
    EXPECT_EQ(ScopedContextValues::Current().count("other"), 0u);
  }
  EXPECT_EQ(Text(ScopedContextValues::Current(), "tenant"), "outer");
  auto none = propagator.Extract({{"other", Json("x")}});
  ASSERT_TRUE(none.IsSuccess());
  EXPECT_EQ(none.Value(), nullptr);  // nothing of its keys: nothing to set or restore
}

TEST(KeysPropagator, WorkflowDirectionsKeepValuesTheHeaderDoesNotHave) {
  KeysPropagator propagator({"tenant", "trace"});
  HeaderFields values{{"trace", Json("t-1")}};
  ASSERT_TRUE(propagator.ExtractToWorkflow({{"tenant", Json("acme")}, {"other", Json("x")}}, values)
                  .IsSuccess());
  EXPECT_EQ(Text(values, "tenant"), "acme");
  EXPECT_EQ(Text(values, "trace"), "t-1");
  EXPECT_EQ(values.count("other"), 0u);
  HeaderFields header;
  values["unrelated"] = Json("u");
  ASSERT_TRUE(propagator.InjectFromWorkflow(values, header).IsSuccess());
  EXPECT_EQ(header.size(), 2u);
  EXPECT_EQ(Text(header, "tenant"), "acme");
  EXPECT_EQ(Text(header, "trace"), "t-1");
}

TEST(ContextValue, DecodesOrSaysAbsentOrFailsOnAnotherType) {
  HeaderFields fields{{"count", ToPayload(int64_t{3}).Value()}, {"tenant", Json("acme")}};
  auto count = ContextValue<int64_t>(fields, "count");
  ASSERT_TRUE(count.IsSuccess());
  EXPECT_EQ(count.Value(), std::optional<int64_t>(3));
  auto missing = ContextValue<std::string>(fields, "nope");
  ASSERT_TRUE(missing.IsSuccess());
  EXPECT_FALSE(missing.Value().has_value());
  EXPECT_TRUE(ContextValue<int64_t>(fields, "tenant").IsFailure());
}

// Records the order of the calls it sees; fails where told to.
class Recorder : public ContextPropagator {
 public:
  Recorder(std::string name, std::vector<std::string>* log, bool fail = false)
      : name_(std::move(name)), log_(log), fail_(fail) {}
  hugo::Result<hugo::Unit> Inject(HeaderFields& header) const override {
    log_->push_back("inject " + name_);
    if (fail_) return hugo::Error::From(name_ + " cannot inject", "test.inject");
    header[name_] = Json(name_);
    return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  }
  hugo::Result<std::shared_ptr<void>> Extract(const HeaderFields&) const override {
    log_->push_back("extract " + name_);
    if (fail_) return hugo::Error::From(name_ + " cannot extract", "test.extract");
    auto* log = log_;
    std::string name = name_;
    return hugo::Result<std::shared_ptr<void>>::Ok(
        std::shared_ptr<void>(nullptr, [log, name](void*) { log->push_back("end " + name); }));
  }
  hugo::Result<hugo::Unit> ExtractToWorkflow(const HeaderFields& header,
                                             HeaderFields& values) const override {
    if (fail_) return hugo::Error::From(name_ + " cannot extract", "test.extract");
    if (auto it = header.find(name_); it != header.end()) values[name_] = it->second;
    return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  }
  hugo::Result<hugo::Unit> InjectFromWorkflow(const HeaderFields& values,
                                              HeaderFields& header) const override {
    if (fail_) return hugo::Error::From(name_ + " cannot inject", "test.inject");
    if (auto it = values.find(name_); it != values.end()) header[name_] = it->second;
    return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  }

 private:
  std::string name_;
  std::vector<std::string>* log_;
  bool fail_;
};

TEST(PropagationLoops, InjectRunsEveryPropagatorInOrderAndKeepsWhatTheHeaderHad) {
  std::vector<std::string> log;
  ContextPropagators propagators{std::make_shared<Recorder>("a", &log),
                                 std::make_shared<Recorder>("b", &log)};
  temporal::api::common::v1::Header header;
  (*header.mutable_fields())["given"] = Json("g");
  ASSERT_TRUE(internal::InjectHeader(propagators, header).IsSuccess());
  EXPECT_EQ(log, (std::vector<std::string>{"inject a", "inject b"}));
  EXPECT_EQ(header.fields().size(), 3u);
  EXPECT_EQ(header.fields().at("given").data(), "\"g\"");
}

TEST(PropagationLoops, AFailedInjectLeavesTheHeaderUnchanged) {
  std::vector<std::string> log;
  ContextPropagators propagators{std::make_shared<Recorder>("a", &log),
                                 std::make_shared<Recorder>("b", &log, /*fail=*/true)};
  temporal::api::common::v1::Header header;
  auto injected = internal::InjectHeader(propagators, header);
  ASSERT_TRUE(injected.IsFailure());
  EXPECT_EQ(injected.Error().Code(), "test.inject");
  EXPECT_TRUE(header.fields().empty());
}

TEST(PropagationLoops, ExtractedContextsEndNewestFirstAndAFailureEndsThoseAlreadySet) {
  std::vector<std::string> log;
  {
    ContextPropagators propagators{std::make_shared<Recorder>("a", &log),
                                   std::make_shared<Recorder>("b", &log)};
    auto context = internal::ExtractHeader(propagators, {});
    ASSERT_TRUE(context.IsSuccess());
    EXPECT_EQ(log, (std::vector<std::string>{"extract a", "extract b"}));
  }
  EXPECT_EQ(log, (std::vector<std::string>{"extract a", "extract b", "end b", "end a"}));
  log.clear();
  ContextPropagators failing{std::make_shared<Recorder>("a", &log),
                             std::make_shared<Recorder>("b", &log, /*fail=*/true)};
  auto context = internal::ExtractHeader(failing, {});
  ASSERT_TRUE(context.IsFailure());
  EXPECT_EQ(context.Error().Code(), "test.extract");
  EXPECT_EQ(log, (std::vector<std::string>{"extract a", "extract b", "end a"}));
}

TEST(PropagationLoops, WorkflowLoopsStartFromTheGivenValues) {
  std::vector<std::string> log;
  ContextPropagators propagators{std::make_shared<Recorder>("a", &log),
                                 std::make_shared<Recorder>("b", &log)};
  auto values = internal::ExtractToWorkflow(propagators, {{"a", Json("from-header")}},
                                            {{"b", Json("before")}});
  ASSERT_TRUE(values.IsSuccess());
  EXPECT_EQ(Text(values.Value(), "a"), "from-header");
  EXPECT_EQ(Text(values.Value(), "b"), "before");
  temporal::api::common::v1::Header header;
  ASSERT_TRUE(internal::InjectFromWorkflow(propagators, values.Value(), header).IsSuccess());
  EXPECT_EQ(header.fields().size(), 2u);
  EXPECT_TRUE(internal::InjectFromWorkflow({}, values.Value(), header).IsSuccess());
}

}  // namespace
}  // namespace hdo
