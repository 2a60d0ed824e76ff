// hdo context propagation: values that travel with the work, in Temporal headers (the Go SDK's
// ContextPropagator). A client call writes the calling thread's context into the request's header;
// the workflow reads its start header into its context values; every command that starts work
// elsewhere (an activity, a local activity, a child workflow, an external signal, continue-as-new)
// carries the workflow context's values in its header; an activity runs with the values of its
// header as its thread's context. Tracing spans, tenants and auth subjects travel this way.
//
// Headers are the Temporal `Header` map (key -> Payload). Payload codecs (hdo/codec.h) encode
// header payloads as they encode every other payload; propagators see decoded payloads.
//
// Owner: the application creates propagators and hands them to ConnectionOptions (shared by the
// clients and workers of that connection) or a Replayer. Thread safety: a propagator is called
// from many threads at once and must be thread-safe (KeysPropagator is: it keeps no state).
// ScopedContextValues is per thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hdo/converter.h"
#include "hugo/result.h"

namespace hdo {

// A Temporal header's fields, and a workflow's context values (what propagators extracted).
using HeaderFields = std::map<std::string, Payload>;

class ContextPropagator {
 public:
  virtual ~ContextPropagator() = default;

  // Client calls that carry a header (start, signal-with-start, signal, query, update), on the
  // calling thread: write the thread's context into `header`.
  virtual hugo::Result<hugo::Unit> Inject(HeaderFields& header) const = 0;
  // Before an activity or local activity function runs, on its thread: make `header`'s context the
  // thread's. The returned object (may be null) is destroyed when the function has returned, on
  // the same thread: it restores what was there before.
  virtual hugo::Result<std::shared_ptr<void>> Extract(const HeaderFields& header) const = 0;
  // Workflow side, deterministic (it runs again on every replay). The run's start header, and an
  // update's header for the context its handler gets, into the context's `values`, which hold
  // what the context had before (keys absent from the header keep their values).
  virtual hugo::Result<hugo::Unit> ExtractToWorkflow(const HeaderFields& header,
                                                     HeaderFields& values) const = 0;
  // A workflow context's `values` into the header of a command it issues.
  virtual hugo::Result<hugo::Unit> InjectFromWorkflow(const HeaderFields& values,
                                                      HeaderFields& header) const = 0;
};

using ContextPropagators = std::vector<std::shared_ptr<const ContextPropagator>>;

// The calling thread's context values, for KeysPropagator: set for the lifetime of a
// ScopedContextValues, which restores the previous values when destroyed (nest them like locks).
class ScopedContextValues {
 public:
  // The thread's values become the current ones with `values` set over them.
  explicit ScopedContextValues(HeaderFields values);
  ~ScopedContextValues();
  ScopedContextValues(const ScopedContextValues&) = delete;
  ScopedContextValues& operator=(const ScopedContextValues&) = delete;

  static const HeaderFields& Current();

 private:
  HeaderFields previous_;
};

// Propagates a fixed set of header keys, each holding one payload: Inject copies the thread's
// values (ScopedContextValues::Current) of those keys into the header; Extract makes the header's
// values of those keys the thread's during the activity; a workflow gets them in
// WorkflowContext::ContextValues and passes them on. Keys are compared exactly (Temporal headers
// are case-sensitive). The same keys with the Go SDK's default data converter read the same bytes.
class KeysPropagator : public ContextPropagator {
 public:
  explicit KeysPropagator(std::vector<std::string> keys);

  hugo::Result<hugo::Unit> Inject(HeaderFields& header) const override;
  hugo::Result<std::shared_ptr<void>> Extract(const HeaderFields& header) const override;
  hugo::Result<hugo::Unit> ExtractToWorkflow(const HeaderFields& header,
                                             HeaderFields& values) const override;
  hugo::Result<hugo::Unit> InjectFromWorkflow(const HeaderFields& values,
                                              HeaderFields& header) const override;

  const std::vector<std::string>& keys() const { return keys_; }

 private:
  // Every key of keys_ that `from` holds, set in `to` (the four directions differ only in these).
  void CopyKeys(const HeaderFields& from, HeaderFields& to) const;
  std::vector<std::string> keys_;
};

// The value of `key` in `fields` decoded as a T (FromPayload), or nullopt when the key is absent.
template <class T>
hugo::Result<std::optional<T>> ContextValue(const HeaderFields& fields, std::string_view key) {
  auto it = fields.find(std::string(key));
  if (it == fields.end()) return hugo::Result<std::optional<T>>::Ok(std::nullopt);
  hugo::Result<T> value = FromPayload<T>(it->second);
  if (value.IsFailure()) return value.Error();
  return hugo::Result<std::optional<T>>::Ok(std::optional<T>(std::move(value).Value()));
}

namespace internal {
// Every propagator's Inject into `header` (the first failure stops and is returned).
hugo::Result<hugo::Unit> InjectHeader(const ContextPropagators& propagators,
                                      temporal::api::common::v1::Header& header);
// InjectHeader into a request's `header` field, left unset when the propagators write nothing.
template <class Message>
hugo::Result<hugo::Unit> InjectHeaderOf(const ContextPropagators& propagators, Message& message) {
  auto injected = InjectHeader(propagators, *message.mutable_header());
  if (message.header().fields().empty()) message.clear_header();
  return injected;
}
// The contexts the propagators' Extract set on this thread; ended (newest first) when destroyed.
class ExtractedContext {
 public:
  ExtractedContext() = default;
  ExtractedContext(ExtractedContext&&) = default;
  ExtractedContext& operator=(ExtractedContext&&) = delete;
  ~ExtractedContext() {
    while (!guards_.empty()) guards_.pop_back();
  }
  void Add(std::shared_ptr<void> guard) { guards_.push_back(std::move(guard)); }

 private:
  std::vector<std::shared_ptr<void>> guards_;
};
// Every propagator's Extract (after a failure, the contexts set so far are ended).
hugo::Result<ExtractedContext> ExtractHeader(const ContextPropagators& propagators,
                                             const HeaderFields& header);
hugo::Result<HeaderFields> ExtractToWorkflow(const ContextPropagators& propagators,
                                             const HeaderFields& header, HeaderFields values);
hugo::Result<hugo::Unit> InjectFromWorkflow(const ContextPropagators& propagators,
                                            const HeaderFields& values,
                                            temporal::api::common::v1::Header& header);
HeaderFields HeaderToFields(const temporal::api::common::v1::Header& header);
temporal::api::common::v1::Header FieldsToHeader(const HeaderFields& fields);
}  // namespace internal

}  // namespace hdo
