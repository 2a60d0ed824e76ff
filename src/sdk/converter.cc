#include "hdo/converter.h"

#include <cxxabi.h>
#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <memory>

namespace hdo {
namespace {

constexpr std::string_view kEncodingKey = "encoding";
constexpr std::string_view kMessageTypeKey = "messageType";

// A readable type name for error messages ("std::vector<int>" rather than "St6vectorIiSaIiEE").
std::string TypeName(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  if (status != 0 || !name) return type.name();
  std::string text = name.get();
  // The long spelling of std::string says nothing more to a reader.
  const std::string long_string =
      "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
  for (size_t at = text.find(long_string); at != std::string::npos; at = text.find(long_string)) {
    text.replace(at, long_string.size(), "std::string");
  }
  return text;
}

std::string EncodingForMessage(const Payload& payload) {
  std::string_view encoding = PayloadEncoding(payload);
  return encoding.empty() ? std::string("a payload without encoding") : std::string(encoding);
}

}  // namespace

std::string_view PayloadEncoding(const Payload& payload) {
  auto it = payload.metadata().find(std::string(kEncodingKey));
  if (it == payload.metadata().end()) return {};
  return it->second;
}

namespace converter_detail {

Payload MakePayload(std::string_view encoding, std::string data) {
  Payload payload;
  (*payload.mutable_metadata())[std::string(kEncodingKey)] = std::string(encoding);
  payload.set_data(std::move(data));
  return payload;
}

hugo::Error DecodeError(const Payload& payload, const std::type_info& target,
                        std::string_view why) {
  std::string message = EncodingForMessage(payload) + " payload cannot be decoded into " +
                        TypeName(target) + ": " + std::string(why);
  return hugo::Error::From(std::move(message), std::string(ConverterCodes::kDecode))
      .WithMetadata("encoding", std::string(PayloadEncoding(payload)))
      .WithMetadata("target_type", TypeName(target));
}

hugo::Error EncodeError(const std::type_info& source, std::string_view why) {
  return hugo::Error::From(
      TypeName(source) + " cannot be encoded as a payload: " + std::string(why),
      std::string(ConverterCodes::kEncode));
}

hugo::Error MissingArgumentError(size_t needed, size_t present) {
  return hugo::Error::From(
             "expected " + std::to_string(needed) + " payload(s), got " + std::to_string(present),
             std::string(ConverterCodes::kDecode))
      .WithMetadata("expected", static_cast<int64_t>(needed))
      .WithMetadata("present", static_cast<int64_t>(present));
}

hugo::Result<Payload> ProtoToPayload(const google::protobuf::Message& message) {
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json);
  if (!status.ok()) return EncodeError(typeid(message), std::string(status.message()));
  Payload payload = MakePayload(Encodings::kJsonProtobuf, std::move(json));
  (*payload.mutable_metadata())[std::string(kMessageTypeKey)] =
      message.GetDescriptor()->full_name();
  return hugo::Result<Payload>::Ok(std::move(payload));
}

hugo::Result<Payload> ProtoToBinaryPayload(const google::protobuf::Message& message) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return EncodeError(typeid(message), "the message cannot be serialized");
  }
  Payload payload = MakePayload(Encodings::kBinaryProtobuf, std::move(bytes));
  (*payload.mutable_metadata())[std::string(kMessageTypeKey)] =
      message.GetDescriptor()->full_name();
  return hugo::Result<Payload>::Ok(std::move(payload));
}

hugo::Result<hugo::Unit> ProtoFromPayload(const Payload& payload,
                                          google::protobuf::Message& message) {
  std::string_view encoding = PayloadEncoding(payload);
  if (encoding == Encodings::kBinaryProtobuf) {
    if (!message.ParseFromString(payload.data())) {
      return DecodeError(payload, typeid(message), "the bytes are not a valid message");
    }
    return hugo::Ok();
  }
  if (encoding != Encodings::kJsonProtobuf) {
    return DecodeError(payload, typeid(message),
                       "messages decode from json/protobuf or binary/protobuf");
  }
  google::protobuf::util::JsonParseOptions options;
  // A newer sender may know fields this build does not; they are not an error.
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(payload.data(), &message, options);
  if (!status.ok()) return DecodeError(payload, typeid(message), std::string(status.message()));
  return hugo::Ok();
}

std::string DumpJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

hugo::Result<nlohmann::json> ParseJson(const Payload& payload, const std::type_info& target) {
  if (PayloadEncoding(payload) != Encodings::kJsonPlain) {
    return DecodeError(payload, target, "this type decodes from json/plain");
  }
  nlohmann::json json = nlohmann::json::parse(payload.data(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return DecodeError(payload, target, "the data is not valid JSON");
  return hugo::Result<nlohmann::json>::Ok(std::move(json));
}

}  // namespace converter_detail
}  // namespace hdo
