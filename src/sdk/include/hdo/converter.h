// hdo data conversion: C++ values to and from Temporal Payloads, with the encodings of the other
// Temporal SDKs' default data converter (Go: converter.GetDefaultDataConverter), so that a Go,
// Java, TypeScript or Python client can read what an hdo worker returns and the other way round.
//
// The encoding of a value is chosen by its type, in the Go SDK's order:
//   std::monostate, hugo::Unit, std::nullptr_t, std::nullopt, JSON null   -> binary/null (no data)
//   hdo::Bytes                                                             -> binary/plain (raw)
//   a google::protobuf::Message                                            -> json/protobuf
//   anything nlohmann::json can serialize                                  -> json/plain
// A Payload passed as a value is kept as it is (a raw payload passes through untouched).
// The encoding name is in metadata `encoding` (bytes), json/protobuf adds `messageType`.
//
// Decoding accepts binary/null into any default-constructible type (its value-initialized T, as Go
// sets the zero value), into std::optional (nullopt) and into JSON null. hugo::Unit and
// std::monostate discard whatever the payload holds (Go's `Get(ctx, nil)`). A proto message decodes
// from json/protobuf or binary/protobuf.
//
// Owner: none (free functions). Thread safety: pure functions; safe from any thread.
#pragma once

#include <google/protobuf/message.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>

#include "hugo/result.h"
#include "temporal/api/common/v1/message.pb.h"

namespace hdo {

using Payload = temporal::api::common::v1::Payload;
using Payloads = temporal::api::common::v1::Payloads;

// Raw bytes, encoded as binary/plain (Go's []byte).
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes& a, const Bytes& b) { return a.data == b.data; }
};

// The encoding names, byte-identical to the Temporal SDKs' constants.
struct Encodings {
  static constexpr std::string_view kNull = "binary/null";
  static constexpr std::string_view kBinaryPlain = "binary/plain";
  static constexpr std::string_view kJsonPlain = "json/plain";
  static constexpr std::string_view kJsonProtobuf = "json/protobuf";
  static constexpr std::string_view kBinaryProtobuf = "binary/protobuf";
};

struct ConverterCodes {
  // A payload that cannot become the requested type (wrong encoding, bad JSON, missing argument).
  static constexpr std::string_view kDecode = "hdo.payload.decode";
  // A value that cannot become a payload (its to_json threw, a proto that cannot print).
  static constexpr std::string_view kEncode = "hdo.payload.encode";
};

// The metadata `encoding` of a payload ("" when absent).
std::string_view PayloadEncoding(const Payload& payload);

// A type's own encoding, in place of the rules above (the C++ form of a custom PayloadConverter
// in the Go SDK's data converter): specialize PayloadConverter<T> with
//
//   static hugo::Result<Payload> Encode(const T& value);
//   static hugo::Result<T> Decode(const Payload& payload);
//
// and every conversion of a T uses it: workflow and activity arguments and results, signals,
// queries, updates, side effects, memos, headers, heartbeat details. It applies to the value
// converted, not to a T inside a container another rule encodes (a std::vector<T> is JSON, and
// needs T's nlohmann conversion), as a Go converter applies per argument. Decode gets every
// payload meant for a T, binary/null included, and should refuse encodings it does not know with
// a ConverterCodes::kDecode error (converter_detail::DecodeError words it). A payload codec
// (hdo/codec.h) still runs after it.
template <class T>
struct PayloadConverter;  // undefined: the default rules

// A ready-made PayloadConverter for a protobuf message type that sends binary/protobuf (the
// serialized message, metadata `messageType` as json/protobuf has) instead of json/protobuf, as
// the Go SDK's ProtoPayloadConverter; it decodes either.
//
//   template <> struct hdo::PayloadConverter<shop::Order> :
//   hdo::BinaryProtobufConverter<shop::Order> {};
template <class T>
struct BinaryProtobufConverter;

template <class T>
hugo::Result<Payload> ToPayload(const T& value);
template <class T>
hugo::Result<T> FromPayload(const Payload& payload);

// One payload per argument, in order.
template <class... A>
hugo::Result<Payloads> ToPayloads(const A&... args);

// The first sizeof...(A) payloads as A...; missing payloads are an error, extra ones are ignored
// (as in Go).
template <class... A>
hugo::Result<std::tuple<A...>> FromPayloads(const Payloads& payloads);

// The first payload as T. Empty payloads (a workflow that returned nothing) give T{} only when T
// carries no value (Unit, monostate, nullptr_t), is a std::optional (nullopt) or nlohmann::json
// (null); otherwise an error.
template <class T>
hugo::Result<T> FromPayloads1(const Payloads& payloads);

// ---------------------------------------------------------------------------------------------
// Implementation.

namespace converter_detail {

Payload MakePayload(std::string_view encoding, std::string data);
// "<encoding> payload cannot be decoded into <type>: <why>", code hdo.payload.decode.
hugo::Error DecodeError(const Payload& payload, const std::type_info& target, std::string_view why);
hugo::Error EncodeError(const std::type_info& source, std::string_view why);

hugo::Result<Payload> ProtoToPayload(const google::protobuf::Message& message);
// Fills `message` from a json/protobuf or binary/protobuf payload.
hugo::Result<hugo::Unit> ProtoFromPayload(const Payload& payload,
                                          google::protobuf::Message& message);

// Compact JSON, invalid UTF-8 replaced by U+FFFD as Go's encoding/json does. Go also escapes
// '<', '>' and '&' as \u003c, \u003e, \u0026; we do not (both forms decode to the same value).
// Doubles with an integral value print as "1.0" here and "1" in Go (same number once decoded).
std::string DumpJson(const nlohmann::json& json);
hugo::Result<nlohmann::json> ParseJson(const Payload& payload, const std::type_info& target);

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

// Types whose value is "nothing".
template <class T>
inline constexpr bool kIsUnitLike =
    std::is_same_v<T, hugo::Unit> || std::is_same_v<T, std::monostate> ||
    std::is_same_v<T, std::nullptr_t>;

template <class T>
inline constexpr bool kIsProto = std::is_base_of_v<google::protobuf::Message, T>;

hugo::Result<Payload> ProtoToBinaryPayload(const google::protobuf::Message& message);

template <class T, class = void>
struct HasPayloadConverter : std::false_type {};
template <class T>
struct HasPayloadConverter<
    T, std::void_t<decltype(PayloadConverter<T>::Encode(std::declval<const T&>())),
                   decltype(PayloadConverter<T>::Decode(std::declval<const Payload&>()))>>
    : std::true_type {};

template <class T>
hugo::Result<T> FromJsonPayload(const Payload& payload) {
  auto json = ParseJson(payload, typeid(T));
  if (json.IsFailure()) return json.Error();
  try {
    return hugo::Result<T>::Ok(json.Value().template get<T>());
  } catch (const std::exception& e) {
    return DecodeError(payload, typeid(T), e.what());
  }
}

}  // namespace converter_detail

template <class T>
struct BinaryProtobufConverter {
  static hugo::Result<Payload> Encode(const T& message) {
    return converter_detail::ProtoToBinaryPayload(message);
  }
  static hugo::Result<T> Decode(const Payload& payload) {
    T message;
    auto filled = converter_detail::ProtoFromPayload(payload, message);
    if (filled.IsFailure()) return filled.Error();
    return hugo::Result<T>::Ok(std::move(message));
  }
};

template <class T>
hugo::Result<Payload> ToPayload(const T& value) {
  namespace d = converter_detail;
  if constexpr (std::is_same_v<T, Payload>) {
    return hugo::Result<Payload>::Ok(value);
  } else if constexpr (d::HasPayloadConverter<T>::value) {
    return PayloadConverter<T>::Encode(value);
  } else if constexpr (d::kIsUnitLike<T>) {
    return hugo::Result<Payload>::Ok(d::MakePayload(Encodings::kNull, {}));
  } else if constexpr (d::IsOptional<T>::value) {
    if (!value) return hugo::Result<Payload>::Ok(d::MakePayload(Encodings::kNull, {}));
    return ToPayload(*value);
  } else if constexpr (std::is_same_v<T, Bytes>) {
    return hugo::Result<Payload>::Ok(d::MakePayload(Encodings::kBinaryPlain, value.data));
  } else if constexpr (d::kIsProto<T>) {
    return d::ProtoToPayload(value);
  } else {
    try {
      nlohmann::json json = value;
      if (json.is_null()) return hugo::Result<Payload>::Ok(d::MakePayload(Encodings::kNull, {}));
      return hugo::Result<Payload>::Ok(d::MakePayload(Encodings::kJsonPlain, d::DumpJson(json)));
    } catch (const std::exception& e) {
      return d::EncodeError(typeid(T), e.what());
    }
  }
}

template <class T>
hugo::Result<T> FromPayload(const Payload& payload) {
  namespace d = converter_detail;
  [[maybe_unused]] const bool is_null = PayloadEncoding(payload) == Encodings::kNull;
  if constexpr (std::is_same_v<T, Payload>) {
    return hugo::Result<T>::Ok(payload);
  } else if constexpr (d::HasPayloadConverter<T>::value) {
    return PayloadConverter<T>::Decode(payload);
  } else if constexpr (std::is_same_v<T, hugo::Unit> || std::is_same_v<T, std::monostate>) {
    return hugo::Result<T>::Ok(T{});
  } else if constexpr (std::is_same_v<T, std::nullptr_t>) {
    if (is_null) return hugo::Result<T>::Ok(nullptr);
    return d::DecodeError(payload, typeid(T), "only binary/null decodes into nullptr");
  } else if constexpr (d::IsOptional<T>::value) {
    if (is_null) return hugo::Result<T>::Ok(std::nullopt);
    return FromPayload<typename T::value_type>(payload).Map(
        [](typename T::value_type v) { return T(std::move(v)); });
  } else {
    if (is_null) {
      if constexpr (std::is_default_constructible_v<T>) return hugo::Result<T>::Ok(T{});
      return d::DecodeError(payload, typeid(T), "the type has no default (zero) value");
    }
    if constexpr (std::is_same_v<T, Bytes>) {
      if (PayloadEncoding(payload) != Encodings::kBinaryPlain) {
        return d::DecodeError(payload, typeid(T), "Bytes decode from binary/plain only");
      }
      return hugo::Result<T>::Ok(Bytes{payload.data()});
    } else if constexpr (d::kIsProto<T>) {
      T message;
      auto filled = d::ProtoFromPayload(payload, message);
      if (filled.IsFailure()) return filled.Error();
      return hugo::Result<T>::Ok(std::move(message));
    } else {
      return d::FromJsonPayload<T>(payload);
    }
  }
}

template <class... A>
hugo::Result<Payloads> ToPayloads(const A&... args) {
  Payloads payloads;
  std::optional<hugo::Error> error;
  [[maybe_unused]] auto add = [&](const auto& arg) {
    if (error) return;
    auto payload = ToPayload(arg);
    if (payload.IsFailure()) {
      error = payload.Error();
    } else {
      *payloads.add_payloads() = std::move(payload).Value();
    }
  };
  (add(args), ...);
  if (error) return *error;
  return hugo::Result<Payloads>::Ok(std::move(payloads));
}

namespace converter_detail {

hugo::Error MissingArgumentError(size_t needed, size_t present);

template <class... A, size_t... I>
hugo::Result<std::tuple<A...>> FromPayloadsAt(const Payloads& payloads, std::index_sequence<I...>) {
  std::tuple<hugo::Result<A>...> parts{FromPayload<A>(payloads.payloads(static_cast<int>(I)))...};
  std::optional<hugo::Error> error;
  [[maybe_unused]] auto check = [&](const auto& part, size_t index) {
    if (!error && part.IsFailure()) {
      error = part.Error().WithMetadata("argument_index", static_cast<int64_t>(index));
    }
  };
  (check(std::get<I>(parts), I), ...);
  if (error) return *error;
  return hugo::Result<std::tuple<A...>>::Ok(
      std::tuple<A...>(std::move(std::get<I>(parts)).Value()...));
}

}  // namespace converter_detail

template <class... A>
hugo::Result<std::tuple<A...>> FromPayloads(const Payloads& payloads) {
  if (static_cast<size_t>(payloads.payloads_size()) < sizeof...(A)) {
    return converter_detail::MissingArgumentError(sizeof...(A), payloads.payloads_size());
  }
  return converter_detail::FromPayloadsAt<A...>(payloads, std::index_sequence_for<A...>{});
}

template <class T>
hugo::Result<T> FromPayloads1(const Payloads& payloads) {
  if (payloads.payloads_size() == 0) {
    if constexpr (converter_detail::kIsUnitLike<T> || converter_detail::IsOptional<T>::value ||
                  std::is_same_v<T, nlohmann::json>) {
      return hugo::Result<T>::Ok(T{});
    }
    return converter_detail::MissingArgumentError(1, 0);
  }
  return FromPayload<T>(payloads.payloads(0));
}

}  // namespace hdo
