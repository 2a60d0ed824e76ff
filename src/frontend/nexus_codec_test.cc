// Goal: the Nexus encodings convert as the reference converts them: content ↔ Payload
// (payload_serializer.go and its test's cases), failure JSON ↔ temporal Failure (failure.go),
// Nexus-Link values ↔ Links (api.go, link_converter.go), durations, HTTP dates and media types.
#include "frontend/nexus_codec.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hdo::frontend {
namespace {

using temporal::api::common::v1::Payload;

Payload PayloadOf(std::map<std::string, std::string> metadata, std::string data) {
  Payload payload;
  payload.mutable_metadata()->insert(metadata.begin(), metadata.end());
  payload.set_data(std::move(data));
  return payload;
}

Payload Deserialized(NexusHeader header, std::string data) {
  auto payload = PayloadFromNexusContent({std::move(header), std::move(data)});
  EXPECT_TRUE(payload.IsSuccess());
  return payload.IsSuccess() ? payload.Value() : Payload();
}

std::map<std::string, std::string> MetadataOf(const Payload& payload) {
  return {payload.metadata().begin(), payload.metadata().end()};
}

TEST(NexusContentTest, StandardMediaTypesBecomeTheirEncodings) {
  EXPECT_EQ(MetadataOf(Deserialized({{"type", "application/json"}}, "\"x\"")),
            (std::map<std::string, std::string>{{"encoding", "json/plain"}}));
  EXPECT_EQ(MetadataOf(Deserialized(
                {{"type", "application/json; format=protobuf; message-type=\"foo.Bar\""}}, "{}")),
            (std::map<std::string, std::string>{{"encoding", "json/protobuf"},
                                                {"messageType", "foo.Bar"}}));
  EXPECT_EQ(
      MetadataOf(Deserialized({{"type", "application/x-protobuf; message-type=foo.Bar"}}, "")),
      (std::map<std::string, std::string>{{"encoding", "binary/protobuf"},
                                          {"messageType", "foo.Bar"}}));
  EXPECT_EQ(
      MetadataOf(Deserialized({{"type", "Application/Octet-Stream"}, {"length", "3"}}, "abc")),
      (std::map<std::string, std::string>{{"encoding", "binary/plain"}}));
  Payload null = Deserialized({{"length", "0"}}, "");
  EXPECT_EQ(MetadataOf(null), (std::map<std::string, std::string>{{"encoding", "binary/null"}}));
  EXPECT_EQ(Deserialized({{"type", "application/json"}}, "\"x\"").data(), "\"x\"");
}

TEST(NexusContentTest, AnythingElseIsKeptAsUnknownNexusContent) {
  for (const NexusHeader& header :
       std::vector<NexusHeader>{{{"type", "text/plain"}},
                                {{"type", "application/json; charset=utf-8"}},
                                {{"type", "application/json"}, {"language", "en"}},
                                {{"type", "application/json; ="}},
                                {}}) {
    Payload payload = Deserialized(header, "data");
    EXPECT_EQ(payload.metadata().at("encoding"), "unknown/nexus-content");
    for (const auto& [name, value] : header) EXPECT_EQ(payload.metadata().at(name), value);
    EXPECT_EQ(payload.data(), "data");
  }
}

TEST(NexusContentTest, ATemporalPayloadTravelsWholeAndMustParse) {
  Payload original = PayloadOf({{"encoding", "my/encoding"}, {"extra", "x"}}, "bytes");
  NexusContent content = NexusContentFromPayload(&original);
  EXPECT_EQ(content.header, (NexusHeader{{"type", "application/x-temporal-payload"}}));
  Payload round_trip = Deserialized(content.header, content.data);
  EXPECT_EQ(MetadataOf(round_trip), MetadataOf(original));
  EXPECT_EQ(round_trip.data(), original.data());
  EXPECT_TRUE(PayloadFromNexusContent({{{"type", "application/x-temporal-payload"}}, "\xff\xff"})
                  .IsFailure());
}

TEST(NexusContentTest, PayloadsSerializeToTheirMediaTypesAndBack) {
  struct Case {
    Payload payload;
    NexusHeader header;
  };
  std::vector<Case> cases = {
      {PayloadOf({{"encoding", "json/plain"}}, "1"), {{"type", "application/json"}}},
      {PayloadOf({{"encoding", "json/protobuf"}, {"messageType", "a.B"}}, "{}"),
       {{"type", "application/json; format=protobuf; message-type=\"a.B\""}}},
      {PayloadOf({{"encoding", "binary/protobuf"}, {"messageType", "a.B"}}, "x"),
       {{"type", "application/x-protobuf; message-type=\"a.B\""}}},
      {PayloadOf({{"encoding", "binary/plain"}}, "x"), {{"type", "application/octet-stream"}}},
      {PayloadOf({{"encoding", "binary/null"}}, ""), {}},
      {PayloadOf({{"encoding", "unknown/nexus-content"}, {"type", "text/plain"}}, "t"),
       {{"type", "text/plain"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.payload.ShortDebugString());
    NexusContent content = NexusContentFromPayload(&c.payload);
    EXPECT_EQ(content.header, c.header);
    EXPECT_EQ(content.data, c.payload.data());
    EXPECT_EQ(MetadataOf(Deserialized(content.header, content.data)), MetadataOf(c.payload));
  }
  // Extra metadata that no media type carries: the whole Payload.
  Payload extra = PayloadOf({{"encoding", "binary/plain"}, {"x", "y"}}, "x");
  EXPECT_EQ(NexusContentFromPayload(&extra).header.at("type"), "application/x-temporal-payload");
  EXPECT_TRUE(NexusContentFromPayload(nullptr).header.empty());
}

TEST(NexusContentTest, HttpContentHeadersAreStrippedOfTheirPrefixAndBack) {
  NexusContent content = NexusContentFromHttp({{"Content-Type", "application/json"},
                                               {"content-length", "2"},
                                               {"X-Other", "y"},
                                               {"CONTENT-TYPE", "text/plain"}},
                                              "{}");
  EXPECT_EQ(content.header, (NexusHeader{{"length", "2"}, {"type", "application/json"}}));
  std::vector<http::HeaderField> fields = NexusContentHttpHeaders(content);
  ASSERT_EQ(fields.size(), 1u);  // Content-Length is the listener's
  EXPECT_EQ(fields[0].name, "Content-Type");
  EXPECT_EQ(fields[0].value, "application/json");
}

TEST(NexusFailureTest, JsonRoundTripsAndOmitsEmptyFieldsAsGoDoes) {
  NexusFailure failure{"boom", {{"k", "v"}}, "{\"a\":[1,2]}"};
  auto json = NexusFailureJson(failure);
  ASSERT_TRUE(json.IsSuccess());
  EXPECT_EQ(json.Value(),
            "{\"message\":\"boom\",\"metadata\":{\"k\":\"v\"},\"details\":{\"a\":[1,2]}}");
  auto parsed = ParseNexusFailure(json.Value());
  ASSERT_TRUE(parsed.IsSuccess());
  EXPECT_EQ(parsed.Value().message, "boom");
  EXPECT_EQ(parsed.Value().metadata, failure.metadata);
  EXPECT_EQ(parsed.Value().details, "{\"a\":[1,2]}");
  EXPECT_EQ(NexusFailureJson(NexusFailure{"m", {}, ""}).Value(), "{\"message\":\"m\"}");
  EXPECT_TRUE(NexusFailureJson(NexusFailure{"m", {}, "not json"}).IsFailure());
}

TEST(NexusFailureTest, ParsingIgnoresCaseUnknownFieldsAndNullsAndRefusesWrongTypes) {
  auto parsed = ParseNexusFailure("{\"Message\":\"m\",\"other\":1,\"metadata\":null}");
  ASSERT_TRUE(parsed.IsSuccess());
  EXPECT_EQ(parsed.Value().message, "m");
  EXPECT_TRUE(ParseNexusFailure("null").IsSuccess());
  EXPECT_TRUE(ParseNexusFailure("{\"message\":1}").IsFailure());
  EXPECT_TRUE(ParseNexusFailure("{\"metadata\":{\"a\":1}}").IsFailure());
  EXPECT_TRUE(ParseNexusFailure("[1]").IsFailure());
  EXPECT_TRUE(ParseNexusFailure("{").IsFailure());
}

TEST(NexusFailureTest, ATemporalFailureTravelsAsItsJsonAndComesBackWhole) {
  temporal::api::failure::v1::Failure original;
  original.set_message("app failed");
  original.set_source("GoSDK");
  original.mutable_application_failure_info()->set_type("MyError");
  original.mutable_application_failure_info()->set_non_retryable(true);
  NexusFailure nexus = NexusFailureFromTemporal(original);
  EXPECT_EQ(nexus.message, "app failed");
  EXPECT_EQ(nexus.metadata.at("type"), "temporal.api.failure.v1.Failure");
  EXPECT_EQ(nexus.details.find("app failed"), std::string::npos);  // the message is not repeated
  auto back = TemporalFailureFromNexus(nexus, /*retryable=*/true);
  ASSERT_TRUE(back.IsSuccess());
  EXPECT_EQ(back.Value().SerializeAsString(), original.SerializeAsString());
  nexus.details = "{\"bogus\":1}";
  EXPECT_TRUE(TemporalFailureFromNexus(nexus, false).IsFailure());
}

TEST(NexusFailureTest, AnyOtherNexusFailureBecomesANexusFailureApplicationFailure) {
  auto converted = TemporalFailureFromNexus(NexusFailure{"m", {{"k", "v"}}, "{\"d\":1}"}, false);
  ASSERT_TRUE(converted.IsSuccess());
  const auto& failure = converted.Value();
  EXPECT_EQ(failure.message(), "m");
  EXPECT_EQ(failure.application_failure_info().type(), "NexusFailure");
  EXPECT_TRUE(failure.application_failure_info().non_retryable());
  ASSERT_EQ(failure.application_failure_info().details().payloads_size(), 1);
  const Payload& details = failure.application_failure_info().details().payloads(0);
  EXPECT_EQ(details.metadata().at("encoding"), "json/plain");
  EXPECT_EQ(details.data(), "{\"message\":\"\",\"metadata\":{\"k\":\"v\"},\"details\":{\"d\":1}}");
  auto bare = TemporalFailureFromNexus(NexusFailure{"only", {}, ""}, true);
  ASSERT_TRUE(bare.IsSuccess());
  EXPECT_FALSE(bare.Value().application_failure_info().non_retryable());
  EXPECT_FALSE(bare.Value().application_failure_info().has_details());
}

TEST(NexusFailureTest, ACanceledOperationsFailureIsACanceledFailure) {
  auto canceled =
      OperationFailureFromNexus(NexusFailure{"stop", {}, "{\"x\":1}"}, /*canceled=*/true);
  ASSERT_TRUE(canceled.IsSuccess());
  EXPECT_EQ(canceled.Value().message(), "stop");
  ASSERT_TRUE(canceled.Value().has_canceled_failure_info());
  EXPECT_EQ(canceled.Value().canceled_failure_info().details().payloads(0).data(),
            "{\"message\":\"\",\"details\":{\"x\":1}}");
  // A canceled failure it carries is kept; another Temporal failure is wrapped.
  temporal::api::failure::v1::Failure inner;
  inner.set_message("canceled by user");
  inner.mutable_canceled_failure_info();
  auto kept = OperationFailureFromNexus(NexusFailureFromTemporal(inner), true);
  ASSERT_TRUE(kept.IsSuccess());
  EXPECT_EQ(kept.Value().SerializeAsString(), inner.SerializeAsString());
  inner.clear_canceled_failure_info();
  inner.mutable_application_failure_info();
  auto wrapped = OperationFailureFromNexus(NexusFailureFromTemporal(inner), true);
  ASSERT_TRUE(wrapped.IsSuccess());
  EXPECT_TRUE(wrapped.Value().has_canceled_failure_info());
  auto failed = OperationFailureFromNexus(NexusFailure{"bad", {}, ""}, /*canceled=*/false);
  ASSERT_TRUE(failed.IsSuccess());
  EXPECT_EQ(failed.Value().application_failure_info().type(), "NexusFailure");
}

TEST(NexusLinkTest, HeaderValuesDecodeAndEncode) {
  auto links =
      DecodeNexusLinks({"<temporal:///a?x=1>; type=\"t.T\"", " <http://h/b>;type=u , <c>; type=v"});
  ASSERT_TRUE(links.IsSuccess());
  ASSERT_EQ(links.Value().size(), 3u);
  EXPECT_EQ(links.Value()[0].url, "temporal:///a?x=1");
  EXPECT_EQ(links.Value()[0].type, "t.T");
  EXPECT_EQ(links.Value()[1].type, "u");
  EXPECT_EQ(links.Value()[2].url, "c");
  EXPECT_EQ(EncodeNexusLink(links.Value()[0]).Value(), "<temporal:///a?x=1>; type=\"t.T\"");
  for (std::string_view bad : {"", "x", "<>; type=a", "<u>", "<u>; type=\"a", "<u>; kind=a",
                               "<u>; type=a b", "<u?a=%zz>; type=a", "<u> x; type=a"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(DecodeNexusLinks({bad}).IsFailure());
  }
  EXPECT_TRUE(DecodeNexusLinks({}).Value().empty());
  EXPECT_TRUE(EncodeNexusLink({"u", "bad type"}).IsFailure());
  EXPECT_TRUE(EncodeNexusLink({"", "t"}).IsFailure());
}

TEST(NexusLinkTest, AWorkflowEventLinkConvertsBothWays) {
  temporal::api::common::v1::Link::WorkflowEvent event;
  event.set_namespace_("ns/1");
  event.set_workflow_id("wf id");
  event.set_run_id("run");
  event.mutable_event_ref()->set_event_id(5);
  event.mutable_event_ref()->set_event_type(
      temporal::api::enums::v1::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
  NexusLink link = NexusLinkFromWorkflowEvent(event);
  EXPECT_EQ(link.type, "temporal.api.common.v1.Link.WorkflowEvent");
  EXPECT_EQ(link.url,
            "temporal:///namespaces/ns%2F1/workflows/wf%20id/run/history?eventID=5&eventType="
            "NexusOperationScheduled&referenceType=EventReference");
  auto back = LinkFromNexusLink(link);
  ASSERT_TRUE(back.IsSuccess()) << back.Error().Message();
  EXPECT_EQ(back.Value().workflow_event().SerializeAsString(), event.SerializeAsString());

  auto by_request = LinkFromNexusLink(
      {"temporal:///namespaces/ns/workflows/wf/run/history?referenceType=RequestIdReference&"
       "requestID=r1&eventType=EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
       link.type});
  ASSERT_TRUE(by_request.IsSuccess());
  EXPECT_EQ(by_request.Value().workflow_event().request_id_ref().request_id(), "r1");
  EXPECT_EQ(by_request.Value().workflow_event().request_id_ref().event_type(),
            temporal::api::enums::v1::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);

  EXPECT_TRUE(LinkFromNexusLink({link.url, "other.Type"}).IsFailure());
  EXPECT_TRUE(
      LinkFromNexusLink({"http://x/namespaces/a/workflows/b/c/history", link.type}).IsFailure());
  EXPECT_TRUE(
      LinkFromNexusLink({"temporal:///namespaces/a/workflows/b/history", link.type}).IsFailure());
  EXPECT_TRUE(LinkFromNexusLink(
                  {"temporal:///namespaces/a/workflows/b/c/history?referenceType=Other", link.type})
                  .IsFailure());
}

TEST(NexusDurationTest, MillisecondsSecondsAndMinutesWithFractions) {
  EXPECT_EQ(ParseNexusDuration("100ms"), std::chrono::milliseconds(100));
  EXPECT_EQ(ParseNexusDuration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(ParseNexusDuration("2m"), std::chrono::milliseconds(120000));
  EXPECT_EQ(ParseNexusDuration("0ms"), std::chrono::milliseconds(0));
  for (std::string_view bad : {"", "10", "s", "1h", "-1s", ".5s", "1.s", "1.2.3s", "1 s"}) {
    EXPECT_FALSE(ParseNexusDuration(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatNexusDuration(std::chrono::milliseconds(1500)), "1500ms");
}

TEST(HttpDateTest, ImfFixdateParsesAndFormats) {
  auto parsed = ParseHttpDate("Mon, 02 Jan 2006 15:04:05 GMT");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->seconds(), 1136214245);
  EXPECT_EQ(FormatHttpDate(*parsed), "Mon, 02 Jan 2006 15:04:05 GMT");
  EXPECT_FALSE(ParseHttpDate("2006-01-02T15:04:05Z").has_value());
  EXPECT_FALSE(ParseHttpDate("Mon, 02 Foo 2006 15:04:05 GMT").has_value());
}

TEST(MediaTypeTest, ParsesAsGoMimeDoes) {
  auto media = ParseMediaType("Application/JSON; Format=protobuf; message-type=\"a.\\\"B\";");
  ASSERT_TRUE(media.has_value());
  EXPECT_EQ(media->type, "application/json");
  EXPECT_EQ(media->parameters.at("format"), "protobuf");
  EXPECT_EQ(media->parameters.at("message-type"), "a.\"B");
  EXPECT_TRUE(ParseMediaType("text").has_value());
  for (std::string_view bad : {"", "/json", "a/", "a/b c", "a/b; x", "a/b; x=1; x=2", "a/b; =1"}) {
    EXPECT_FALSE(ParseMediaType(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace hdo::frontend
