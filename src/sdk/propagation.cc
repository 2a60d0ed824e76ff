// Context propagation: the thread's values, KeysPropagator, and the loops over a connection's
// propagators that the client, the worker and the workflow runtime call.
#include "hdo/propagation.h"

#include <utility>

namespace hdo {
namespace {

thread_local HeaderFields thread_values;

// Restores the thread's values when an activity's context ends.
class ThreadValuesGuard {
 public:
  explicit ThreadValuesGuard(HeaderFields values) : scope_(std::move(values)) {}

 private:
  ScopedContextValues scope_;
};

}  // namespace

ScopedContextValues::ScopedContextValues(HeaderFields values) : previous_(thread_values) {
  for (auto& [key, payload] : values) thread_values[key] = std::move(payload);
}

ScopedContextValues::~ScopedContextValues() { thread_values = std::move(previous_); }

const HeaderFields& ScopedContextValues::Current() { return thread_values; }

KeysPropagator::KeysPropagator(std::vector<std::string> keys) : keys_(std::move(keys)) {}

void KeysPropagator::CopyKeys(const HeaderFields& from, HeaderFields& to) const {
  for (const std::string& key : keys_) {
    auto it = from.find(key);
    if (it != from.end()) to[key] = it->second;
  }
}

hugo::Result<hugo::Unit> KeysPropagator::Inject(HeaderFields& header) const {
  CopyKeys(thread_values, header);
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

hugo::Result<std::shared_ptr<void>> KeysPropagator::Extract(const HeaderFields& header) const {
  HeaderFields values;
  CopyKeys(header, values);
  if (values.empty()) return hugo::Result<std::shared_ptr<void>>::Ok(nullptr);
  return hugo::Result<std::shared_ptr<void>>::Ok(
      std::make_shared<ThreadValuesGuard>(std::move(values)));
}

hugo::Result<hugo::Unit> KeysPropagator::ExtractToWorkflow(const HeaderFields& header,
                                                           HeaderFields& values) const {
  CopyKeys(header, values);
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

hugo::Result<hugo::Unit> KeysPropagator::InjectFromWorkflow(const HeaderFields& values,
                                                            HeaderFields& header) const {
  CopyKeys(values, header);
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

namespace internal {

HeaderFields HeaderToFields(const temporal::api::common::v1::Header& header) {
  return HeaderFields(header.fields().begin(), header.fields().end());
}

temporal::api::common::v1::Header FieldsToHeader(const HeaderFields& fields) {
  temporal::api::common::v1::Header header;
  for (const auto& [key, payload] : fields) (*header.mutable_fields())[key] = payload;
  return header;
}

namespace {
void MergeInto(HeaderFields fields, temporal::api::common::v1::Header& header) {
  for (auto& [key, payload] : fields) (*header.mutable_fields())[key] = std::move(payload);
}
}  // namespace

hugo::Result<hugo::Unit> InjectHeader(const ContextPropagators& propagators,
                                      temporal::api::common::v1::Header& header) {
  if (propagators.empty()) return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  HeaderFields fields = HeaderToFields(header);
  for (const auto& propagator : propagators) {
    hugo::Result<hugo::Unit> injected = propagator->Inject(fields);
    if (injected.IsFailure()) return injected.Error();
  }
  MergeInto(std::move(fields), header);
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

hugo::Result<ExtractedContext> ExtractHeader(const ContextPropagators& propagators,
                                             const HeaderFields& header) {
  ExtractedContext context;
  for (const auto& propagator : propagators) {
    hugo::Result<std::shared_ptr<void>> guard = propagator->Extract(header);
    if (guard.IsFailure()) return guard.Error();  // `context` ends what was set so far
    context.Add(std::move(guard).Value());        // kept even when null: it may own a deleter
  }
  return hugo::Result<ExtractedContext>::Ok(std::move(context));
}

hugo::Result<HeaderFields> ExtractToWorkflow(const ContextPropagators& propagators,
                                             const HeaderFields& header, HeaderFields values) {
  for (const auto& propagator : propagators) {
    hugo::Result<hugo::Unit> extracted = propagator->ExtractToWorkflow(header, values);
    if (extracted.IsFailure()) return extracted.Error();
  }
  return hugo::Result<HeaderFields>::Ok(std::move(values));
}

hugo::Result<hugo::Unit> InjectFromWorkflow(const ContextPropagators& propagators,
                                            const HeaderFields& values,
                                            temporal::api::common::v1::Header& header) {
  if (propagators.empty()) return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  HeaderFields fields = HeaderToFields(header);
  for (const auto& propagator : propagators) {
    hugo::Result<hugo::Unit> injected = propagator->InjectFromWorkflow(values, fields);
    if (injected.IsFailure()) return injected.Error();
  }
  MergeInto(std::move(fields), header);
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

}  // namespace internal
}  // namespace hdo
