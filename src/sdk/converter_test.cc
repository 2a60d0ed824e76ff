#include "hdo/converter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "temporal/api/common/v1/message.pb.h"

namespace hdo {
namespace {

struct Order {
  std::string id;
  int quantity = 0;
  std::vector<std::string> tags;
  friend bool operator==(const Order&, const Order&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, quantity, tags)

// A type with an encoding of its own (PayloadConverter<Point> below).
struct Point {
  int x = 0;
  int y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

}  // namespace

template <>
struct PayloadConverter<Point> {
  static hugo::Result<Payload> Encode(const Point& p) {
    return hugo::Result<Payload>::Ok(converter_detail::MakePayload(
        "text/x-point", std::to_string(p.x) + "," + std::to_string(p.y)));
  }
  static hugo::Result<Point> Decode(const Payload& payload) {
    if (PayloadEncoding(payload) != "text/x-point") {
      return converter_detail::DecodeError(payload, typeid(Point),
                                           "points decode from text/x-point only");
    }
    Point p;
    if (std::sscanf(payload.data().c_str(), "%d,%d", &p.x, &p.y) != 2) {
      return converter_detail::DecodeError(payload, typeid(Point), "not x,y");
    }
    return hugo::Result<Point>::Ok(p);
  }
};

// A protobuf type sent as binary/protobuf (no other code of this binary converts it).
template <>
struct PayloadConverter<temporal::api::common::v1::ActivityType>
    : BinaryProtobufConverter<temporal::api::common::v1::ActivityType> {};

namespace {

std::string Meta(const Payload& payload, const std::string& key) {
  auto it = payload.metadata().find(key);
  return it == payload.metadata().end() ? "<absent>" : it->second;
}

Payload Make(std::string encoding, std::string data) {
  Payload payload;
  (*payload.mutable_metadata())["encoding"] = std::move(encoding);
  payload.set_data(std::move(data));
  return payload;
}

TEST(Converter, AStringIsJsonPlainWithQuotes) {
  auto payload = ToPayload(std::string("hello"));
  ASSERT_TRUE(payload.IsSuccess()) << payload.Error().ToString();
  EXPECT_EQ(payload.Value().data(), "\"hello\"");
  EXPECT_EQ(Meta(payload.Value(), "encoding"), "json/plain");
  EXPECT_EQ(payload.Value().metadata_size(), 1);
  EXPECT_EQ(FromPayload<std::string>(payload.Value()).Value(), "hello");
}

TEST(Converter, NumbersBoolsAndMapsAreCompactJson) {
  EXPECT_EQ(ToPayload(42).Value().data(), "42");
  EXPECT_EQ(ToPayload(true).Value().data(), "true");
  EXPECT_EQ(ToPayload(std::vector<int>{1, 2, 3}).Value().data(), "[1,2,3]");
  // Go's encoding/json sorts map keys too.
  std::map<std::string, int> map{{"b", 2}, {"a", 1}};
  EXPECT_EQ(ToPayload(map).Value().data(), R"({"a":1,"b":2})");
  EXPECT_EQ(FromPayload<int>(Make("json/plain", "7")).Value(), 7);
}

TEST(Converter, AStructGoesThroughNlohmannAndBack) {
  Order order{"o-1", 3, {"x", "y"}};
  auto payload = ToPayload(order);
  ASSERT_TRUE(payload.IsSuccess());
  EXPECT_EQ(payload.Value().data(), R"({"id":"o-1","quantity":3,"tags":["x","y"]})");
  EXPECT_EQ(Meta(payload.Value(), "encoding"), "json/plain");
  auto back = FromPayload<Order>(payload.Value());
  ASSERT_TRUE(back.IsSuccess()) << back.Error().ToString();
  EXPECT_EQ(back.Value(), order);
}

TEST(Converter, InvalidUtf8IsReplacedAsGoDoes) {
  EXPECT_EQ(ToPayload(std::string("a\xff")).Value().data(), "\"a\xEF\xBF\xBD\"");
}

TEST(Converter, BytesAreBinaryPlainRaw) {
  auto payload = ToPayload(Bytes{std::string("\x00\x01z", 3)});
  ASSERT_TRUE(payload.IsSuccess());
  EXPECT_EQ(payload.Value().data(), std::string("\x00\x01z", 3));
  EXPECT_EQ(Meta(payload.Value(), "encoding"), "binary/plain");
  EXPECT_EQ(FromPayload<Bytes>(payload.Value()).Value().data, std::string("\x00\x01z", 3));
}

TEST(Converter, NothingIsBinaryNullWithEmptyData) {
  for (const Payload& payload :
       {ToPayload(std::monostate{}).Value(), ToPayload(hugo::Unit{}).Value(),
        ToPayload(nullptr).Value(), ToPayload(std::optional<int>()).Value(),
        ToPayload(nlohmann::json()).Value()}) {
    EXPECT_EQ(Meta(payload, "encoding"), "binary/null");
    EXPECT_EQ(payload.data(), "");
    EXPECT_EQ(payload.metadata_size(), 1);
  }
}

TEST(Converter, BinaryNullDecodesIntoNothingOptionalAndZeroValues) {
  Payload null = Make("binary/null", "");
  EXPECT_TRUE(FromPayload<hugo::Unit>(null).IsSuccess());
  EXPECT_TRUE(FromPayload<std::monostate>(null).IsSuccess());
  EXPECT_TRUE(FromPayload<std::nullptr_t>(null).IsSuccess());
  EXPECT_EQ(FromPayload<std::optional<int>>(null).Value(), std::nullopt);
  EXPECT_TRUE(FromPayload<nlohmann::json>(null).Value().is_null());
  EXPECT_EQ(FromPayload<std::string>(null).Value(), "");  // Go sets the zero value
  EXPECT_EQ(FromPayload<std::optional<int>>(Make("json/plain", "5")).Value(), 5);
}

TEST(Converter, AProtoIsJsonProtobufWithItsMessageType) {
  temporal::api::common::v1::WorkflowExecution execution;
  execution.set_workflow_id("wf-1");
  execution.set_run_id("run-1");
  auto payload = ToPayload(execution);
  ASSERT_TRUE(payload.IsSuccess());
  EXPECT_EQ(payload.Value().data(), R"({"workflowId":"wf-1","runId":"run-1"})");
  EXPECT_EQ(Meta(payload.Value(), "encoding"), "json/protobuf");
  EXPECT_EQ(Meta(payload.Value(), "messageType"), "temporal.api.common.v1.WorkflowExecution");
  auto back = FromPayload<temporal::api::common::v1::WorkflowExecution>(payload.Value());
  ASSERT_TRUE(back.IsSuccess()) << back.Error().ToString();
  EXPECT_EQ(back.Value().workflow_id(), "wf-1");
  EXPECT_EQ(back.Value().run_id(), "run-1");
}

TEST(Converter, ATypeWithItsOwnPayloadConverterUsesItEverywhere) {
  auto payload = ToPayload(Point{3, -4});
  ASSERT_TRUE(payload.IsSuccess()) << payload.Error().ToString();
  EXPECT_EQ(Meta(payload.Value(), "encoding"), "text/x-point");
  EXPECT_EQ(payload.Value().data(), "3,-4");
  auto back = FromPayload<Point>(payload.Value());
  ASSERT_TRUE(back.IsSuccess()) << back.Error().ToString();
  EXPECT_EQ(back.Value(), (Point{3, -4}));
  // Among other arguments, and inside std::optional.
  auto several = ToPayloads(Point{1, 2}, std::string("label"), std::optional<Point>());
  ASSERT_TRUE(several.IsSuccess()) << several.Error().ToString();
  EXPECT_EQ(Meta(several.Value().payloads(0), "encoding"), "text/x-point");
  EXPECT_EQ(Meta(several.Value().payloads(1), "encoding"), "json/plain");
  EXPECT_EQ(Meta(several.Value().payloads(2), "encoding"), "binary/null");
  auto decoded = FromPayloads<Point, std::string, std::optional<Point>>(several.Value());
  ASSERT_TRUE(decoded.IsSuccess()) << decoded.Error().ToString();
  EXPECT_EQ(std::get<0>(decoded.Value()), (Point{1, 2}));
  EXPECT_EQ(std::get<1>(decoded.Value()), "label");
  EXPECT_FALSE(std::get<2>(decoded.Value()).has_value());
  // Its Decode refuses what it does not know.
  auto wrong = FromPayload<Point>(Make("json/plain", R"({"x":1,"y":2})"));
  ASSERT_TRUE(wrong.IsFailure());
  EXPECT_EQ(wrong.Error().Code(), ConverterCodes::kDecode);
  EXPECT_NE(wrong.Error().Message().find("points decode from text/x-point only"), std::string::npos)
      << wrong.Error().Message();
}

TEST(Converter, BinaryProtobufConverterSendsTheSerializedMessageAndReadsBothEncodings) {
  temporal::api::common::v1::ActivityType type;
  type.set_name("Charge");
  auto payload = ToPayload(type);
  ASSERT_TRUE(payload.IsSuccess()) << payload.Error().ToString();
  EXPECT_EQ(Meta(payload.Value(), "encoding"), "binary/protobuf");
  EXPECT_EQ(Meta(payload.Value(), "messageType"), "temporal.api.common.v1.ActivityType");
  EXPECT_EQ(payload.Value().data(), type.SerializeAsString());
  auto back = FromPayload<temporal::api::common::v1::ActivityType>(payload.Value());
  ASSERT_TRUE(back.IsSuccess()) << back.Error().ToString();
  EXPECT_EQ(back.Value().name(), "Charge");
  auto from_json = FromPayload<temporal::api::common::v1::ActivityType>(
      Make("json/protobuf", R"({"name":"Refund"})"));
  ASSERT_TRUE(from_json.IsSuccess()) << from_json.Error().ToString();
  EXPECT_EQ(from_json.Value().name(), "Refund");
}

TEST(Converter, AProtoDecodesFromBinaryProtobuf) {
  temporal::api::common::v1::WorkflowExecution execution;
  execution.set_workflow_id("wf-2");
  auto back = FromPayload<temporal::api::common::v1::WorkflowExecution>(
      Make("binary/protobuf", execution.SerializeAsString()));
  ASSERT_TRUE(back.IsSuccess());
  EXPECT_EQ(back.Value().workflow_id(), "wf-2");
}

TEST(Converter, AWrongEncodingNamesTheEncodingAndTheTargetType) {
  auto result = FromPayload<int>(Make("binary/plain", "abc"));
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), "hdo.payload.decode");
  EXPECT_NE(result.Error().Message().find("binary/plain"), std::string::npos);
  EXPECT_NE(result.Error().Message().find("int"), std::string::npos);

  auto proto = FromPayload<temporal::api::common::v1::WorkflowExecution>(Make("json/plain", "{}"));
  ASSERT_TRUE(proto.IsFailure());
  EXPECT_NE(proto.Error().Message().find("temporal::api::common::v1::WorkflowExecution"),
            std::string::npos);
}

TEST(Converter, BadJsonAndAMismatchedShapeAreDecodeErrors) {
  EXPECT_EQ(FromPayload<int>(Make("json/plain", "{nope")).Error().Code(), "hdo.payload.decode");
  auto shape = FromPayload<int>(Make("json/plain", "\"text\""));
  ASSERT_TRUE(shape.IsFailure());
  EXPECT_EQ(shape.Error().Code(), "hdo.payload.decode");
  EXPECT_NE(shape.Error().Message().find("into int"), std::string::npos);
}

TEST(Converter, APayloadPassesThroughUntouched) {
  Payload raw = Make("custom/enc", "xyz");
  EXPECT_EQ(ToPayload(raw).Value().SerializeAsString(), raw.SerializeAsString());
  EXPECT_EQ(FromPayload<Payload>(raw).Value().SerializeAsString(), raw.SerializeAsString());
}

TEST(Converter, PayloadsRoundTripSeveralArguments) {
  auto payloads = ToPayloads(std::string("a"), 2, Bytes{"b"});
  ASSERT_TRUE(payloads.IsSuccess());
  ASSERT_EQ(payloads.Value().payloads_size(), 3);
  auto [a, n, b] = FromPayloads<std::string, int, Bytes>(payloads.Value()).Value();
  EXPECT_EQ(a, "a");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(b.data, "b");
  EXPECT_EQ(ToPayloads().Value().payloads_size(), 0);
}

TEST(Converter, ExtraPayloadsAreIgnoredMissingOnesAreAnError) {
  auto payloads = ToPayloads(1, 2, 3).Value();
  auto first = FromPayloads<int>(payloads);
  ASSERT_TRUE(first.IsSuccess());
  EXPECT_EQ(std::get<0>(first.Value()), 1);
  auto missing = FromPayloads<int, int, int, int>(payloads);
  ASSERT_TRUE(missing.IsFailure());
  EXPECT_EQ(missing.Error().Code(), "hdo.payload.decode");
}

TEST(Converter, AFailingArgumentIsNamedByItsIndex) {
  auto payloads = ToPayloads(1, std::string("x")).Value();
  auto result = FromPayloads<int, int>(payloads);
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().TryGetMetadata<int64_t>("argument_index"), 1);
}

TEST(Converter, FromPayloads1DefaultsOnlyForNothingTypes) {
  Payloads empty;
  EXPECT_TRUE(FromPayloads1<hugo::Unit>(empty).IsSuccess());
  EXPECT_TRUE(FromPayloads1<std::monostate>(empty).IsSuccess());
  EXPECT_EQ(FromPayloads1<std::optional<int>>(empty).Value(), std::nullopt);
  EXPECT_TRUE(FromPayloads1<nlohmann::json>(empty).Value().is_null());
  EXPECT_TRUE(FromPayloads1<int>(empty).IsFailure());
  EXPECT_EQ(FromPayloads1<int>(ToPayloads(9).Value()).Value(), 9);
}

}  // namespace
}  // namespace hdo
