// hdo payload codecs: a transformation of the payloads the SDK sends and receives (compression,
// encryption), applied where Temporal's SDKs apply theirs, so that the server stores and returns
// only encoded payloads and every SDK configured with the same codec reads them.
//
// A codec is set on the connection (ConnectionOptions::codecs); the client and the workers that
// share the connection then encode every Payload of every request (workflow and activity inputs
// and results, signals, queries, updates, memos, headers, failures' details and encoded
// attributes, markers) and decode every Payload of every response and task, as the Go SDK's
// converter.NewPayloadCodecGRPCClientInterceptor does. Search attributes are left alone (the
// server indexes them). Several codecs encode last to first and decode first to last (Go's order).
//
// NewZlibCodec writes what the Go SDK's converter.NewZlibCodec writes: the serialized Payload,
// zlib-compressed, in a payload whose metadata `encoding` is "binary/zlib"; a Go worker or client
// with that codec reads hdo's payloads and the other way round.
//
// Owner: the caller (a shared_ptr each connection keeps). Thread safety: Encode and Decode are
// called from any of the SDK's threads at once; implementations must allow that.
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <string_view>
#include <vector>

#include "hugo/result.h"
#include "temporal/api/common/v1/message.pb.h"

namespace hdo {

class PayloadCodec {
 public:
  virtual ~PayloadCodec() = default;
  // Returns as many payloads as it was given, in the same order.
  virtual hugo::Result<std::vector<temporal::api::common::v1::Payload>> Encode(
      std::vector<temporal::api::common::v1::Payload> payloads) const = 0;
  // Must leave a payload it did not encode as it is (another codec or none wrote it).
  virtual hugo::Result<std::vector<temporal::api::common::v1::Payload>> Decode(
      std::vector<temporal::api::common::v1::Payload> payloads) const = 0;
};

using PayloadCodecs = std::vector<std::shared_ptr<const PayloadCodec>>;

struct CodecCodes {
  // A codec failed to encode or decode (corrupt data, a codec error), or returned a different
  // number of payloads than it was given.
  static constexpr std::string_view kCodec = "hdo.payload.codec";
};

struct ZlibCodecOptions {
  // Encode even when the compressed payload is not smaller than the original (Go's AlwaysEncode).
  bool always_encode = false;
};

// The Go SDK's zlib codec: encoding "binary/zlib".
std::shared_ptr<const PayloadCodec> NewZlibCodec(ZlibCodecOptions options = {});

// Applies `codecs` to every Payload inside `message`, in place: a Payloads message is one batch,
// a single Payload field and each value of a map of payloads (memo, header) a batch of one. Any
// fields (update requests and outcomes in protocol messages) are unpacked, visited and packed
// again. Search attributes are skipped. With no codecs nothing is visited.
hugo::Result<hugo::Unit> EncodePayloads(google::protobuf::Message& message,
                                        const PayloadCodecs& codecs);
hugo::Result<hugo::Unit> DecodePayloads(google::protobuf::Message& message,
                                        const PayloadCodecs& codecs);

}  // namespace hdo
