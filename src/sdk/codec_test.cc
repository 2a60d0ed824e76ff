// Goal: payload codecs (hdo/codec.h). The zlib codec writes the Go SDK's format (a zlib stream of
// the serialized Payload, encoding "binary/zlib") and refuses corrupt data with a clear error;
// the visitor reaches every payload of a request (inputs, memo, header, failures, markers, update
// outcomes inside Any) except search attributes, and decoding restores the message exactly;
// several codecs run in Go's order. Against a server, a connection with the codec sends and reads
// only encoded payloads: the workflow, its activity, signal, query and update work as without,
// and a connection without the codec sees binary/zlib in the stored history.
// Method: protos built by hand for the visitor; `hdo server start-dev` (sdk_test_fixture.h) for
// the end-to-end case, its history read through a second connection that has no codec.
#include "hdo/codec.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "hdo/client.h"
#include "hdo/worker.h"
#include "sdk_test_fixture.h"
#include "temporal/api/update/v1/message.pb.h"

namespace hdo {
namespace {

using namespace std::chrono_literals;
namespace enums = temporal::api::enums::v1;
namespace ws = temporal::api::workflowservice::v1;
using temporal::api::common::v1::Payload;

Payload JsonPayload(const std::string& json) {
  Payload payload;
  (*payload.mutable_metadata())["encoding"] = "json/plain";
  payload.set_data(json);
  return payload;
}

std::string Encoding(const Payload& payload) {
  auto it = payload.metadata().find("encoding");
  return it == payload.metadata().end() ? "" : it->second;
}

// Wraps each payload: encoding "test/<tag>", the original serialized as data.
class TagCodec final : public PayloadCodec {
 public:
  explicit TagCodec(std::string tag) : tag_(std::move(tag)) {}
  hugo::Result<std::vector<Payload>> Encode(std::vector<Payload> payloads) const override {
    for (Payload& p : payloads) {
      Payload wrapped;
      (*wrapped.mutable_metadata())["encoding"] = "test/" + tag_;
      wrapped.set_data(p.SerializeAsString());
      p = std::move(wrapped);
    }
    return hugo::Result<std::vector<Payload>>::Ok(std::move(payloads));
  }
  hugo::Result<std::vector<Payload>> Decode(std::vector<Payload> payloads) const override {
    for (Payload& p : payloads) {
      if (Encoding(p) != "test/" + tag_) continue;
      Payload inner;
      if (!inner.ParseFromString(p.data())) return hugo::Error::From("bad test payload", "test");
      p = std::move(inner);
    }
    return hugo::Result<std::vector<Payload>>::Ok(std::move(payloads));
  }

 private:
  std::string tag_;
};

class DroppingCodec final : public PayloadCodec {
 public:
  hugo::Result<std::vector<Payload>> Encode(std::vector<Payload> payloads) const override {
    payloads.pop_back();
    return hugo::Result<std::vector<Payload>>::Ok(std::move(payloads));
  }
  hugo::Result<std::vector<Payload>> Decode(std::vector<Payload> payloads) const override {
    return hugo::Result<std::vector<Payload>>::Ok(std::move(payloads));
  }
};

TEST(ZlibCodecTest, WritesTheGoSdkFormatAndReadsItBack) {
  auto codec = NewZlibCodec({.always_encode = true});
  Payload original = JsonPayload(R"({"name":"Ada","count":3})");
  auto encoded = codec->Encode({original});
  ASSERT_TRUE(encoded.IsSuccess()) << encoded.Error().ToString();
  ASSERT_EQ(encoded.Value().size(), 1u);
  const Payload& zipped = encoded.Value()[0];
  EXPECT_EQ(Encoding(zipped), "binary/zlib");
  EXPECT_EQ(zipped.metadata_size(), 1);
  // The data is a zlib stream (RFC 1950) of the serialized payload, as Go's zlib.NewWriter writes.
  std::string inflated(4096, '\0');
  uLongf size = inflated.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(inflated.data()), &size,
                       reinterpret_cast<const Bytef*>(zipped.data().data()), zipped.data().size()),
            Z_OK);
  inflated.resize(size);
  Payload reparsed;
  ASSERT_TRUE(reparsed.ParseFromString(inflated));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(reparsed, original));

  auto decoded = codec->Decode(encoded.Value());
  ASSERT_TRUE(decoded.IsSuccess()) << decoded.Error().ToString();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(decoded.Value()[0], original));
}

TEST(ZlibCodecTest, KeepsWhatDoesNotShrinkUnlessAlwaysEncodeAndLeavesOtherEncodingsAlone) {
  Payload small = JsonPayload("1");
  Payload large = JsonPayload("\"" + std::string(2000, 'a') + "\"");
  auto encoded = NewZlibCodec()->Encode({small, large});
  ASSERT_TRUE(encoded.IsSuccess()) << encoded.Error().ToString();
  EXPECT_EQ(Encoding(encoded.Value()[0]), "json/plain");
  EXPECT_EQ(encoded.Value()[0].data(), "1");
  EXPECT_EQ(Encoding(encoded.Value()[1]), "binary/zlib");
  EXPECT_LT(encoded.Value()[1].data().size(), 100u);
  // Decoding touches only binary/zlib payloads.
  auto decoded = NewZlibCodec()->Decode(encoded.Value());
  ASSERT_TRUE(decoded.IsSuccess()) << decoded.Error().ToString();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(decoded.Value()[0], small));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(decoded.Value()[1], large));
}

TEST(ZlibCodecTest, RefusesCorruptAndTruncatedData) {
  Payload junk;
  (*junk.mutable_metadata())["encoding"] = "binary/zlib";
  junk.set_data("not a zlib stream");
  auto decoded = NewZlibCodec()->Decode({junk});
  ASSERT_TRUE(decoded.IsFailure());
  EXPECT_EQ(decoded.Error().Code(), CodecCodes::kCodec);
  EXPECT_NE(decoded.Error().Message().find("binary/zlib payload is not a complete zlib stream"),
            std::string::npos)
      << decoded.Error().Message();

  auto encoded = NewZlibCodec({.always_encode = true})->Encode({JsonPayload("[1,2,3,4,5,6]")});
  ASSERT_TRUE(encoded.IsSuccess());
  Payload truncated = encoded.Value()[0];
  truncated.set_data(truncated.data().substr(0, truncated.data().size() / 2));
  decoded = NewZlibCodec()->Decode({truncated});
  ASSERT_TRUE(decoded.IsFailure());
  EXPECT_NE(decoded.Error().Message().find("truncated"), std::string::npos)
      << decoded.Error().Message();
}

// A request with payloads in every kind of place the visitor must reach.
ws::RespondWorkflowTaskCompletedRequest CompletionWithPayloadsEverywhere() {
  ws::RespondWorkflowTaskCompletedRequest request;
  request.set_task_token("token");
  auto* complete = request.add_commands()->mutable_complete_workflow_execution_command_attributes();
  *complete->mutable_result()->add_payloads() = JsonPayload("\"done\"");
  auto* marker = request.add_commands()->mutable_record_marker_command_attributes();
  marker->set_marker_name("SideEffect");
  *(*marker->mutable_details())["data"].add_payloads() = JsonPayload("42");
  (*marker->mutable_header()->mutable_fields())["trace"] = JsonPayload("\"abc\"");
  auto* failure = marker->mutable_failure();
  failure->set_message("encoded elsewhere");
  *failure->mutable_encoded_attributes() = JsonPayload(R"({"message":"m"})");
  *failure->mutable_application_failure_info()->mutable_details()->add_payloads() =
      JsonPayload("\"detail\"");
  auto* child = request.add_commands()->mutable_start_child_workflow_execution_command_attributes();
  *child->mutable_input()->add_payloads() = JsonPayload("1");
  *child->mutable_input()->add_payloads() = JsonPayload("2");
  (*child->mutable_memo()->mutable_fields())["note"] = JsonPayload("\"memo\"");
  (*child->mutable_search_attributes()->mutable_indexed_fields())["CustomKeywordField"] =
      JsonPayload("\"indexed\"");
  // An update's outcome travels in a protocol message, packed in an Any.
  temporal::api::update::v1::Response response;
  response.mutable_meta()->set_update_id("u1");
  *response.mutable_outcome()->mutable_success()->add_payloads() = JsonPayload("7");
  request.add_messages()->mutable_body()->PackFrom(response);
  return request;
}

TEST(PayloadVisitorTest, ReachesEveryPayloadButSearchAttributesAndDecodesBackExactly) {
  const ws::RespondWorkflowTaskCompletedRequest original = CompletionWithPayloadsEverywhere();
  PayloadCodecs codecs{std::make_shared<TagCodec>("a")};
  ws::RespondWorkflowTaskCompletedRequest request = original;
  auto encoded = EncodePayloads(request, codecs);
  ASSERT_TRUE(encoded.IsSuccess()) << encoded.Error().ToString();

  const auto& complete = request.commands(0).complete_workflow_execution_command_attributes();
  EXPECT_EQ(Encoding(complete.result().payloads(0)), "test/a");
  const auto& marker = request.commands(1).record_marker_command_attributes();
  EXPECT_EQ(Encoding(marker.details().at("data").payloads(0)), "test/a");
  EXPECT_EQ(Encoding(marker.header().fields().at("trace")), "test/a");
  EXPECT_EQ(Encoding(marker.failure().encoded_attributes()), "test/a");
  EXPECT_EQ(Encoding(marker.failure().application_failure_info().details().payloads(0)), "test/a");
  const auto& child = request.commands(2).start_child_workflow_execution_command_attributes();
  EXPECT_EQ(Encoding(child.input().payloads(0)), "test/a");
  EXPECT_EQ(Encoding(child.input().payloads(1)), "test/a");
  EXPECT_EQ(Encoding(child.memo().fields().at("note")), "test/a");
  EXPECT_EQ(Encoding(child.search_attributes().indexed_fields().at("CustomKeywordField")),
            "json/plain");
  temporal::api::update::v1::Response update;
  ASSERT_TRUE(request.messages(0).body().UnpackTo(&update));
  EXPECT_EQ(Encoding(update.outcome().success().payloads(0)), "test/a");

  auto decoded = DecodePayloads(request, codecs);
  ASSERT_TRUE(decoded.IsSuccess()) << decoded.Error().ToString();
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(original, request)) << difference;
}

TEST(PayloadVisitorTest, EncodesLastCodecFirstAndDecodesInTheOtherOrder) {
  ws::StartWorkflowExecutionRequest request;
  *request.mutable_input()->add_payloads() = JsonPayload("\"x\"");
  const ws::StartWorkflowExecutionRequest original = request;
  PayloadCodecs codecs{std::make_shared<TagCodec>("outer"), std::make_shared<TagCodec>("inner")};
  ASSERT_TRUE(EncodePayloads(request, codecs).IsSuccess());
  // As Go: the last codec encodes first, so the first one's encoding is outermost.
  const Payload& outer = request.input().payloads(0);
  EXPECT_EQ(Encoding(outer), "test/outer");
  Payload inner;
  ASSERT_TRUE(inner.ParseFromString(outer.data()));
  EXPECT_EQ(Encoding(inner), "test/inner");
  ASSERT_TRUE(DecodePayloads(request, codecs).IsSuccess());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(request, original));
  // No codecs: nothing is touched.
  ASSERT_TRUE(EncodePayloads(request, {}).IsSuccess());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(request, original));
}

TEST(PayloadVisitorTest, ACodecThatLosesPayloadsIsAnError) {
  ws::StartWorkflowExecutionRequest request;
  *request.mutable_input()->add_payloads() = JsonPayload("1");
  *request.mutable_input()->add_payloads() = JsonPayload("2");
  auto encoded = EncodePayloads(request, {std::make_shared<DroppingCodec>()});
  ASSERT_TRUE(encoded.IsFailure());
  EXPECT_EQ(encoded.Error().Code(), CodecCodes::kCodec);
  EXPECT_NE(encoded.Error().Message().find("returned 1 payload(s) when encoding 2"),
            std::string::npos)
      << encoded.Error().Message();
}

// --- end to end: a worker and a client on a connection with the zlib codec.
ActivityOptions Quick() {
  ActivityOptions o;
  o.start_to_close_timeout = 10s;
  return o;
}

std::string Shout(ActivityContext&, std::string text) { return text + "!"; }

Workflow<std::string> Compressed(WorkflowContext ctx, std::string name) {
  std::string last = "none";
  auto q = ctx.SetQueryHandler("last", [&]() { return last; });
  if (q.IsFailure()) co_return q.Error();
  auto u = ctx.SetUpdateHandler("rename",
                                [&](WorkflowContext, std::string next) -> Workflow<std::string> {
                                  name = next;
                                  co_return "renamed to " + next;
                                });
  if (u.IsFailure()) co_return u.Error();
  auto words = ctx.GetSignalChannel<std::string>("word");
  auto word = co_await words.Receive();
  if (word.IsFailure()) co_return word.Error();
  last = word.Value();
  auto shouted =
      co_await ctx.ExecuteActivity<std::string>("Shout", Quick(), name + " says " + last);
  if (shouted.IsFailure()) co_return shouted.Error();
  co_return shouted.Value();
}

class CodecScenarioTest : public testsupport::SdkWorkflowTest {
 protected:
  void SetUp() override {
    testsupport::SdkWorkflowTest::SetUp();
    if (HasFatalFailure()) return;
    plain_connection_ = connection_;
    ConnectionOptions options;
    options.address = testsupport::SdkServer::Get().address();
    options.codecs = {NewZlibCodec({.always_encode = true})};
    auto connection = Connection::Connect(options);
    ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
    connection_ = connection.Value();
    client_ = std::make_unique<Client>(connection_);
  }
  std::shared_ptr<Connection> plain_connection_;
};

TEST_F(CodecScenarioTest, EveryPayloadTravelsAndIsStoredCompressed) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Compressed", &Compressed);
  worker.RegisterActivity("Shout", &Shout);
  StartWorker();
  StartWorkflowOptions options = Options("compressed");
  options.memo["note"] = "kept compressed";
  options.enable_eager_start = true;  // the first task comes back in the start's reply
  auto handle = client_->StartWorkflow<std::string>("Compressed", options, std::string("Ada"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto renamed = handle.Value().Update<std::string>("rename", std::string("Grace"));
  ASSERT_TRUE(renamed.IsSuccess()) << renamed.Error().ToString();
  EXPECT_EQ(renamed.Value(), "renamed to Grace");
  ASSERT_TRUE(handle.Value().Signal("word", std::string("hello")).IsSuccess());
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "Grace says hello!");
  auto last = handle.Value().Query<std::string>("last");
  ASSERT_TRUE(last.IsSuccess()) << last.Error().ToString();
  EXPECT_EQ(last.Value(), "hello");

  // What the server stores, read without the codec: compressed payloads only.
  Client plain(plain_connection_);
  auto raw = plain.GetHandle<std::string>(handle.Value().workflow_id()).FetchHistory();
  ASSERT_TRUE(raw.IsSuccess()) << raw.Error().ToString();
  int checked = 0;
  for (const auto& event : raw.Value().events()) {
    const Payload* payload = nullptr;
    if (event.has_workflow_execution_started_event_attributes()) {
      const auto& started = event.workflow_execution_started_event_attributes();
      payload = &started.input().payloads(0);
      EXPECT_EQ(Encoding(started.memo().fields().at("note")), "binary/zlib");
    } else if (event.has_workflow_execution_signaled_event_attributes()) {
      payload = &event.workflow_execution_signaled_event_attributes().input().payloads(0);
    } else if (event.has_activity_task_scheduled_event_attributes()) {
      payload = &event.activity_task_scheduled_event_attributes().input().payloads(0);
    } else if (event.has_activity_task_completed_event_attributes()) {
      payload = &event.activity_task_completed_event_attributes().result().payloads(0);
    } else if (event.has_workflow_execution_update_accepted_event_attributes()) {
      payload = &event.workflow_execution_update_accepted_event_attributes()
                     .accepted_request()
                     .input()
                     .args()
                     .payloads(0);
    } else if (event.has_workflow_execution_update_completed_event_attributes()) {
      payload = &event.workflow_execution_update_completed_event_attributes()
                     .outcome()
                     .success()
                     .payloads(0);
    } else if (event.has_workflow_execution_completed_event_attributes()) {
      payload = &event.workflow_execution_completed_event_attributes().result().payloads(0);
    }
    if (payload == nullptr) continue;
    ++checked;
    EXPECT_EQ(Encoding(*payload), "binary/zlib") << enums::EventType_Name(event.event_type());
  }
  EXPECT_EQ(checked, 7);
  // A client without the codec cannot read the result as a string, and says why.
  auto unreadable = plain.GetHandle<std::string>(handle.Value().workflow_id()).GetResult(10s);
  ASSERT_TRUE(unreadable.IsFailure());
  EXPECT_NE(unreadable.Error().ToString().find("binary/zlib"), std::string::npos)
      << unreadable.Error().ToString();
}

TEST_F(CodecScenarioTest, ATaskWhosePayloadsDoNotDecodeFailsWithTheCodecsError) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Compressed", &Compressed);
  worker.RegisterActivity("Shout", &Shout);
  StartWorker();
  // Started without the codec, with a payload that claims to be binary/zlib.
  Client plain(plain_connection_);
  Payload forged;
  (*forged.mutable_metadata())["encoding"] = "binary/zlib";
  forged.set_data("garbage");
  auto handle = plain.StartWorkflow<std::string>("Compressed", Options("forged"), forged);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  // The worker reports the task failed with the codec's message.
  std::string message;
  for (int i = 0; i < 100 && message.empty(); ++i) {
    for (const auto& event : Events(handle.Value())) {
      if (event.has_workflow_task_failed_event_attributes()) {
        message = event.workflow_task_failed_event_attributes().failure().message();
      }
    }
    if (message.empty()) std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(message.find("not a complete zlib stream"), std::string::npos) << message;
  ASSERT_TRUE(handle.Value().Terminate("test over").IsSuccess());
}

}  // namespace
}  // namespace hdo
