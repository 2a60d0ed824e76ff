#include "hdo/codec.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <zlib.h>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

namespace hdo {
namespace {

using temporal::api::common::v1::Payload;
using temporal::api::common::v1::Payloads;
using temporal::api::common::v1::SearchAttributes;

constexpr std::string_view kEncodingKey = "encoding";
constexpr std::string_view kZlibEncoding = "binary/zlib";

hugo::Error CodecError(std::string message) {
  return hugo::Error::From(std::move(message), std::string(CodecCodes::kCodec));
}

enum class Direction { kEncode, kDecode };

// Runs the codecs over one batch: encoding last to first, decoding first to last.
hugo::Result<std::vector<Payload>> ApplyCodecs(std::vector<Payload> payloads,
                                               const PayloadCodecs& codecs, Direction direction) {
  const size_t count = payloads.size();
  const bool encode = direction == Direction::kEncode;
  for (size_t i = 0; i < codecs.size(); ++i) {
    const PayloadCodec& codec = *codecs[encode ? codecs.size() - 1 - i : i];
    auto applied = encode ? codec.Encode(std::move(payloads)) : codec.Decode(std::move(payloads));
    if (applied.IsFailure()) {
      return CodecError(std::string("a payload codec could not ") + (encode ? "encode" : "decode") +
                        " " + std::to_string(count) + " payload(s): " + applied.Error().Message());
    }
    payloads = std::move(applied).Value();
    if (payloads.size() != count) {
      return CodecError(std::string("a payload codec returned ") + std::to_string(payloads.size()) +
                        " payload(s) when " + (encode ? "encoding " : "decoding ") +
                        std::to_string(count));
    }
  }
  return hugo::Result<std::vector<Payload>>::Ok(std::move(payloads));
}

// Whether a message of `type` can hold a Payload: one of its message fields (transitively) is a
// Payload, or an Any (which may pack one). Most of a history event's sub-messages (types, task
// queues, durations, executions) cannot and are not walked. Memoized per thread: the answer is a
// property of the generated descriptors, and a thread-local map needs no lock.
bool MayHoldPayloads(const google::protobuf::Descriptor* type) {
  thread_local std::unordered_map<const google::protobuf::Descriptor*, bool> known;
  if (auto it = known.find(type); it != known.end()) return it->second;
  // A recursive type (a Failure's cause) reads as "no" while it is being decided; its other
  // fields decide it.
  known[type] = false;
  bool may = false;
  for (int i = 0; i < type->field_count() && !may; ++i) {
    const google::protobuf::FieldDescriptor* field = type->field(i);
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const google::protobuf::Descriptor* child = field->message_type();
    may = child == Payload::descriptor() || child == google::protobuf::Any::descriptor() ||
          (child != SearchAttributes::descriptor() && MayHoldPayloads(child));
  }
  known[type] = may;
  return may;
}

bool MayHold(const google::protobuf::Descriptor* type) {
  return type == Payload::descriptor() || type == google::protobuf::Any::descriptor() ||
         MayHoldPayloads(type);
}

// The fields of a message type the visitor looks at: those outside a oneof whose type may hold
// payloads (maps of message values included), and the oneofs that have such a field. Per thread,
// like MayHoldPayloads; the map's nodes do not move, so the references it hands out stay valid.
struct VisitPlan {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  std::vector<const google::protobuf::OneofDescriptor*> oneofs;
};

const VisitPlan& PlanFor(const google::protobuf::Descriptor* type) {
  thread_local std::unordered_map<const google::protobuf::Descriptor*, VisitPlan> plans;
  if (auto it = plans.find(type); it != plans.end()) return it->second;
  VisitPlan plan;
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = type->field(i);
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!MayHold(field->message_type())) continue;
    if (const google::protobuf::OneofDescriptor* oneof = field->real_containing_oneof()) {
      if (std::find(plan.oneofs.begin(), plan.oneofs.end(), oneof) == plan.oneofs.end()) {
        plan.oneofs.push_back(oneof);
      }
    } else {
      plan.fields.push_back(field);
    }
  }
  return plans.emplace(type, std::move(plan)).first->second;
}

// Walks a message by reflection, visiting only the fields that are set and can hold payloads.
class PayloadVisitor {
 public:
  PayloadVisitor(const PayloadCodecs& codecs, Direction direction)
      : codecs_(codecs), direction_(direction) {}

  hugo::Result<hugo::Unit> Visit(google::protobuf::Message& message) {
    if (auto* payloads = dynamic_cast<Payloads*>(&message)) {
      return Batch(*payloads->mutable_payloads());
    }
    const google::protobuf::Reflection* reflection = message.GetReflection();
    const VisitPlan& plan = PlanFor(message.GetDescriptor());
    for (const google::protobuf::FieldDescriptor* field : plan.fields) {
      if (field->is_map()) {
        const google::protobuf::FieldDescriptor* value = field->message_type()->map_value();
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          google::protobuf::Message* entry = reflection->MutableRepeatedMessage(&message, field, i);
          auto visited = Field(*entry->GetReflection()->MutableMessage(entry, value));
          if (visited.IsFailure()) return visited;
        }
      } else if (field->is_repeated()) {
        // A repeated Payload outside Payloads: each element a batch of one (Field).
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          auto visited = Field(*reflection->MutableRepeatedMessage(&message, field, i));
          if (visited.IsFailure()) return visited;
        }
      } else if (reflection->HasField(message, field)) {
        auto visited = Field(*reflection->MutableMessage(&message, field));
        if (visited.IsFailure()) return visited;
      }
    }
    // A oneof (a history event's or a command's attributes) names its one set field.
    for (const google::protobuf::OneofDescriptor* oneof : plan.oneofs) {
      const google::protobuf::FieldDescriptor* field =
          reflection->GetOneofFieldDescriptor(message, oneof);
      if (field == nullptr ||
          field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
          !MayHold(field->message_type())) {
        continue;
      }
      auto visited = Field(*reflection->MutableMessage(&message, field));
      if (visited.IsFailure()) return visited;
    }
    return hugo::Ok();
  }

 private:
  hugo::Result<hugo::Unit> Field(google::protobuf::Message& message) {
    if (message.GetDescriptor() == SearchAttributes::descriptor()) return hugo::Ok();
    if (auto* payload = dynamic_cast<Payload*>(&message)) return Single(*payload);
    if (auto* any = dynamic_cast<google::protobuf::Any*>(&message)) return Unpacked(*any);
    return Visit(message);
  }

  // An Any of a type this process knows (update requests, acceptances and responses) is visited
  // inside and packed again when it held payloads; any other is left as it is.
  hugo::Result<hugo::Unit> Unpacked(google::protobuf::Any& any) {
    const std::string& url = any.type_url();
    const std::string name = url.substr(url.rfind('/') + 1);
    const google::protobuf::Descriptor* type =
        google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
    if (type == nullptr) return hugo::Ok();
    const google::protobuf::Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
    if (prototype == nullptr) return hugo::Ok();
    std::unique_ptr<google::protobuf::Message> inner(prototype->New());
    if (!inner->ParseFromString(any.value())) {
      return CodecError("an Any of type " + name + " does not parse; its payloads cannot be " +
                        (direction_ == Direction::kEncode ? "encoded" : "decoded"));
    }
    const int before = visited_;
    auto visited = Visit(*inner);
    if (visited.IsFailure()) return visited;
    if (visited_ != before) any.set_value(inner->SerializeAsString());
    return hugo::Ok();
  }

  hugo::Result<hugo::Unit> Single(Payload& payload) {
    std::vector<Payload> batch;
    batch.push_back(std::move(payload));
    auto applied = ApplyCodecs(std::move(batch), codecs_, direction_);
    if (applied.IsFailure()) return applied.Error();
    payload = std::move(applied.Value()[0]);
    ++visited_;
    return hugo::Ok();
  }

  hugo::Result<hugo::Unit> Batch(google::protobuf::RepeatedPtrField<Payload>& field) {
    if (field.empty()) return hugo::Ok();
    std::vector<Payload> batch;
    batch.reserve(field.size());
    for (Payload& payload : field) batch.push_back(std::move(payload));
    auto applied = ApplyCodecs(std::move(batch), codecs_, direction_);
    if (applied.IsFailure()) return applied.Error();
    for (int i = 0; i < field.size(); ++i) field[i] = std::move(applied.Value()[i]);
    ++visited_;
    return hugo::Ok();
  }

  const PayloadCodecs& codecs_;
  Direction direction_;
  int visited_ = 0;
};

std::string_view EncodingOf(const Payload& payload) {
  auto it = payload.metadata().find(std::string(kEncodingKey));
  return it == payload.metadata().end() ? std::string_view() : std::string_view(it->second);
}

// One deflate stream per thread, reset between payloads: deflateInit allocates about 256 KiB of
// state, which per payload cost more than compressing a small one.
struct DeflateStream {
  z_stream stream{};
  bool ready = false;
  DeflateStream() { ready = deflateInit(&stream, Z_DEFAULT_COMPRESSION) == Z_OK; }
  ~DeflateStream() {
    if (ready) deflateEnd(&stream);
  }
};

hugo::Result<std::string> Deflate(const std::string& input) {
  thread_local DeflateStream deflater;
  if (!deflater.ready) return CodecError("zlib could not start deflating");
  z_stream& stream = deflater.stream;
  deflateReset(&stream);
  std::string output(deflateBound(&stream, static_cast<uLong>(input.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(output.data());
  stream.avail_out = static_cast<uInt>(output.size());
  const int rc = deflate(&stream, Z_FINISH);
  if (rc != Z_STREAM_END) {
    return CodecError("zlib could not compress a payload: " + std::string(zError(rc)));
  }
  output.resize(stream.total_out);
  return hugo::Result<std::string>::Ok(std::move(output));
}

hugo::Result<std::string> Inflate(const std::string& input) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return CodecError("zlib could not start inflating");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  std::string output;
  char chunk[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    output.append(chunk, sizeof(chunk) - stream.avail_out);
    // Input that ends before the stream does cannot make progress.
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return CodecError("a binary/zlib payload is not a complete zlib stream (" +
                      std::string(rc == Z_BUF_ERROR ? "truncated" : zError(rc)) + ")");
  }
  return hugo::Result<std::string>::Ok(std::move(output));
}

class ZlibCodec final : public PayloadCodec {
 public:
  explicit ZlibCodec(ZlibCodecOptions options) : options_(options) {}

  hugo::Result<std::vector<Payload>> Encode(std::vector<Payload> payloads) const override {
    for (Payload& payload : payloads) {
      const std::string serialized = payload.SerializeAsString();
      auto compressed = Deflate(serialized);
      if (compressed.IsFailure()) return compressed.Error();
      if (compressed.Value().size() >= serialized.size() && !options_.always_encode) continue;
      Payload encoded;
      (*encoded.mutable_metadata())[std::string(kEncodingKey)] = std::string(kZlibEncoding);
      encoded.set_data(std::move(compressed).Value());
      payload = std::move(encoded);
    }
    return hugo::Result<std::vector<Payload>>::Ok(std::move(payloads));
  }

  hugo::Result<std::vector<Payload>> Decode(std::vector<Payload> payloads) const override {
    for (Payload& payload : payloads) {
      if (EncodingOf(payload) != kZlibEncoding) continue;
      auto inflated = Inflate(payload.data());
      if (inflated.IsFailure()) return inflated.Error();
      Payload decoded;
      if (!decoded.ParseFromString(inflated.Value())) {
        return CodecError("a binary/zlib payload does not hold a serialized Payload");
      }
      payload = std::move(decoded);
    }
    return hugo::Result<std::vector<Payload>>::Ok(std::move(payloads));
  }

 private:
  ZlibCodecOptions options_;
};

}  // namespace

std::shared_ptr<const PayloadCodec> NewZlibCodec(ZlibCodecOptions options) {
  return std::make_shared<ZlibCodec>(options);
}

hugo::Result<hugo::Unit> EncodePayloads(google::protobuf::Message& message,
                                        const PayloadCodecs& codecs) {
  if (codecs.empty()) return hugo::Ok();
  return PayloadVisitor(codecs, Direction::kEncode).Visit(message);
}

hugo::Result<hugo::Unit> DecodePayloads(google::protobuf::Message& message,
                                        const PayloadCodecs& codecs) {
  if (codecs.empty()) return hugo::Ok();
  return PayloadVisitor(codecs, Direction::kDecode).Visit(message);
}

}  // namespace hdo
