#include "hdo/failure.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

#include "temporal/api/enums/v1/workflow.pb.h"

namespace hdo {
namespace {

using google::protobuf::util::MessageDifferencer;

std::string Str(const hugo::Error& error, std::string_view key) {
  return error.TryGetMetadata<std::string>(key).value_or("<absent>");
}

TEST(Failure, AnApplicationErrorBecomesApplicationFailureInfo) {
  Payloads details = ToPayloads(std::string("why"), 7).Value();
  Failure failure = ErrorToFailure(ApplicationError("boom", "MyError", true, details));
  EXPECT_EQ(failure.message(), "boom");
  EXPECT_EQ(failure.source(), "hdo-cpp-sdk");
  ASSERT_TRUE(failure.has_application_failure_info());
  EXPECT_EQ(failure.application_failure_info().type(), "MyError");
  EXPECT_TRUE(failure.application_failure_info().non_retryable());
  EXPECT_TRUE(MessageDifferencer::Equals(failure.application_failure_info().details(), details));
  EXPECT_FALSE(failure.has_cause());
}

TEST(Failure, ApplicationDetailsSurviveTheMetadataAndTheRoundTrip) {
  Payloads details = ToPayloads(std::string("x"), Bytes{std::string("\0\xff\x01", 3)}).Value();
  hugo::Error error = ApplicationError("m", "T", false, details);
  EXPECT_TRUE(MessageDifferencer::Equals(ApplicationErrorDetails(error), details));
  hugo::Error back = FailureToError(ErrorToFailure(error));
  EXPECT_EQ(back.Code(), "temporal.application");
  EXPECT_EQ(back.Message(), "m");
  EXPECT_EQ(Str(back, "type"), "T");
  EXPECT_FALSE(IsNonRetryable(back));
  EXPECT_TRUE(MessageDifferencer::Equals(ApplicationErrorDetails(back), details));
}

TEST(Failure, AnyOtherCodeBecomesAnApplicationFailureTypedByTheCode) {
  hugo::Error error = hugo::Error::From("bad input", "error.validation");
  Failure failure = ErrorToFailure(error);
  ASSERT_TRUE(failure.has_application_failure_info());
  EXPECT_EQ(failure.application_failure_info().type(), "error.validation");
  EXPECT_FALSE(failure.application_failure_info().non_retryable());
  EXPECT_EQ(failure.message(), "bad input");
  hugo::Error back = FailureToError(failure);
  EXPECT_EQ(back.Code(), "temporal.application");
  EXPECT_EQ(ApplicationErrorType(back), "error.validation");
  EXPECT_EQ(ApplicationErrorType(error), "error.validation");
}

TEST(Failure, CanceledIsCanceledFailureInfo) {
  Failure failure = ErrorToFailure(hugo::Error::Canceled("stop"));
  EXPECT_TRUE(failure.has_canceled_failure_info());
  EXPECT_EQ(failure.message(), "stop");
  EXPECT_EQ(FailureToError(failure).Code(), "error.canceled");
}

TEST(Failure, TimeoutKeepsItsTypeAndHeartbeatDetails) {
  Failure failure;
  failure.set_message("activity timeout");
  auto& info = *failure.mutable_timeout_failure_info();
  info.set_timeout_type(temporal::api::enums::v1::TIMEOUT_TYPE_HEARTBEAT);
  *info.mutable_last_heartbeat_details() = ToPayloads(5).Value();
  hugo::Error error = FailureToError(failure);
  EXPECT_EQ(error.Code(), "error.timeout");
  EXPECT_EQ(Str(error, "timeout_type"), "Heartbeat");
  EXPECT_EQ(FromPayloads1<int>(FailureDetails(error, "last_heartbeat_details")).Value(), 5);
  Failure again = ErrorToFailure(error);
  failure.set_source("hdo-cpp-sdk");  // the only field the conversion adds
  EXPECT_TRUE(MessageDifferencer::Equals(again, failure)) << again.DebugString();
}

TEST(Failure, AnActivityFailureChainsItsCause) {
  hugo::Error error =
      hugo::Error::From("activity error", "temporal.activity")
          .WithMetadata("activity_type", std::string("Charge"))
          .WithMetadata("activity_id", std::string("5"))
          .WithMetadata("retry_state", std::string("RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED"))
          .WithMetadata("scheduled_event_id", int64_t{5})
          .WithMetadata("started_event_id", int64_t{6})
          .WithCause(ApplicationError("card declined", "Declined", true));
  Failure failure = ErrorToFailure(error);
  ASSERT_TRUE(failure.has_activity_failure_info());
  EXPECT_EQ(failure.activity_failure_info().activity_type().name(), "Charge");
  EXPECT_EQ(failure.activity_failure_info().activity_id(), "5");
  EXPECT_EQ(failure.activity_failure_info().retry_state(),
            temporal::api::enums::v1::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  EXPECT_EQ(failure.activity_failure_info().scheduled_event_id(), 5);
  ASSERT_TRUE(failure.has_cause());
  EXPECT_EQ(failure.cause().application_failure_info().type(), "Declined");

  hugo::Error back = FailureToError(failure);
  EXPECT_EQ(back.Code(), "temporal.activity");
  EXPECT_EQ(Str(back, "activity_type"), "Charge");
  EXPECT_EQ(back.TryGetMetadata<int64_t>("started_event_id"), 6);
  ASSERT_NE(back.Cause(), nullptr);
  EXPECT_EQ(back.Cause()->Message(), "card declined");
  EXPECT_TRUE(IsNonRetryable(*back.Cause()));
  EXPECT_TRUE(MessageDifferencer::Equals(ErrorToFailure(back), failure));
}

TEST(Failure, ProtoShapesOfEveryKindRoundTrip) {
  std::vector<Failure> failures(5);
  auto& child = *failures[0].mutable_child_workflow_execution_failure_info();
  child.set_namespace_("default");
  child.mutable_workflow_execution()->set_workflow_id("child-1");
  child.mutable_workflow_execution()->set_run_id("r");
  child.mutable_workflow_type()->set_name("ChildWf");
  child.set_initiated_event_id(9);
  child.set_retry_state(temporal::api::enums::v1::RETRY_STATE_NON_RETRYABLE_FAILURE);
  failures[1].mutable_terminated_failure_info()->set_identity("cli");
  failures[2].mutable_server_failure_info()->set_non_retryable(true);
  auto* app = failures[3].mutable_application_failure_info();
  app->set_type("GoError");
  app->mutable_next_retry_delay()->set_seconds(3);
  failures[4].mutable_canceled_failure_info()->set_identity("me");
  for (Failure& failure : failures) {
    failure.set_message("msg");
    failure.set_source("GoSDK");
    failure.set_stack_trace("at main.go:1");
    Failure again = ErrorToFailure(FailureToError(failure));
    EXPECT_TRUE(MessageDifferencer::Equals(again, failure)) << again.DebugString();
  }
  EXPECT_EQ(FailureToError(failures[0]).Code(), "temporal.child_workflow");
  EXPECT_EQ(FailureToError(failures[1]).Code(), "temporal.terminated");
  EXPECT_TRUE(IsNonRetryable(FailureToError(failures[2])));
}

TEST(Failure, EncodedAttributesGiveTheRealMessage) {
  Failure failure;
  failure.set_message("Encoded failure");
  *failure.mutable_encoded_attributes() =
      ToPayload(nlohmann::json{{"message", "secret"}, {"stack_trace", "st"}}).Value();
  hugo::Error error = FailureToError(failure);
  EXPECT_EQ(error.Message(), "secret");
  EXPECT_EQ(Str(error, "stack_trace"), "st");
}

TEST(Failure, AFailureWithoutInfoIsAnApplicationError) {
  Failure failure;
  failure.set_message("plain");
  hugo::Error error = FailureToError(failure);
  EXPECT_EQ(error.Code(), "temporal.application");
  EXPECT_EQ(error.Message(), "plain");
}

TEST(Failure, ADeepCauseChainIsCut) {
  hugo::Error error = hugo::Error::From("leaf", "x");
  for (int i = 0; i < 100; ++i) error = hugo::Error::From("level", "x").WithCause(error);
  Failure failure = ErrorToFailure(error);
  int depth = 1;
  for (const Failure* f = &failure; f->has_cause(); f = &f->cause()) ++depth;
  EXPECT_EQ(depth, kFailureCauseDepthMax);
}

}  // namespace
}  // namespace hdo
