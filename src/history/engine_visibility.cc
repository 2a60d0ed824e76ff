// Visibility: the listing row of a run, written with every transition (read-your-writes), and the
// search attributes a run sets at start and by upserts, validated against its namespace's.
#include <nlohmann/json.hpp>

#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/time_util.h"
#include "visibility/search_attributes.h"

namespace hdo::history {
namespace {

namespace enums = temporal::api::enums::v1;
using internal::InvalidArgument;
using persistence::v1::MutableState;

int64_t Nanos(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1'000'000'000 + time.nanos();
}

// The Hugo record's string value of a normalized attribute (a Datetime as RFC 3339).
std::string AttributeText(const nlohmann::json& normalized, enums::IndexedValueType type) {
  temporal::api::common::v1::Payload payload = visibility::EncodeValue(normalized, type);
  nlohmann::json value = nlohmann::json::parse(payload.data(), nullptr, /*allow_exceptions=*/false);
  if (value.is_string()) return value.get<std::string>();
  return value.is_discarded() ? normalized.dump() : value.dump();
}

}  // namespace

hugo::Result<Engine::SearchAttributeScope> Engine::SearchAttributesOf(
    const std::string& namespace_id) {
  if (options_.search_attributes) return options_.search_attributes(namespace_id);
  static const auto kDefaults = std::make_shared<const visibility::SearchAttributeSet>();
  return hugo::Ok(SearchAttributeScope{kDefaults, namespace_id});
}

namespace {

void TypeFields(const visibility::SearchAttributeSet& set,
                temporal::api::common::v1::SearchAttributes& attributes) {
  for (auto& [name, value] : *attributes.mutable_indexed_fields()) {
    auto& metadata = *value.mutable_metadata();
    if (metadata.contains("type")) continue;
    const visibility::AttributeDef* def = set.FindExact(name);
    if (def == nullptr) continue;
    const std::string_view type = visibility::TypeName(def->type);
    if (type != "Unspecified") metadata["type"] = std::string(type);
  }
}

temporal::api::common::v1::SearchAttributes* SearchAttributesIn(
    temporal::api::history::v1::HistoryEvent& event) {
  switch (event.attributes_case()) {
    case temporal::api::history::v1::HistoryEvent::kWorkflowExecutionStartedEventAttributes: {
      auto* attributes = event.mutable_workflow_execution_started_event_attributes();
      return attributes->has_search_attributes() ? attributes->mutable_search_attributes()
                                                 : nullptr;
    }
    case temporal::api::history::v1::HistoryEvent::
        kWorkflowExecutionContinuedAsNewEventAttributes: {
      auto* attributes = event.mutable_workflow_execution_continued_as_new_event_attributes();
      return attributes->has_search_attributes() ? attributes->mutable_search_attributes()
                                                 : nullptr;
    }
    case temporal::api::history::v1::HistoryEvent::
        kStartChildWorkflowExecutionInitiatedEventAttributes: {
      auto* attributes = event.mutable_start_child_workflow_execution_initiated_event_attributes();
      return attributes->has_search_attributes() ? attributes->mutable_search_attributes()
                                                 : nullptr;
    }
    case temporal::api::history::v1::HistoryEvent::kUpsertWorkflowSearchAttributesEventAttributes: {
      auto* attributes = event.mutable_upsert_workflow_search_attributes_event_attributes();
      return attributes->has_search_attributes() ? attributes->mutable_search_attributes()
                                                 : nullptr;
    }
    default:
      return nullptr;
  }
}

}  // namespace

bool Engine::CarriesSearchAttributes(const temporal::api::history::v1::HistoryEvent& event) {
  using Event = temporal::api::history::v1::HistoryEvent;
  const temporal::api::common::v1::SearchAttributes* attributes = nullptr;
  switch (event.attributes_case()) {
    case Event::kWorkflowExecutionStartedEventAttributes:
      attributes = &event.workflow_execution_started_event_attributes().search_attributes();
      break;
    case Event::kWorkflowExecutionContinuedAsNewEventAttributes:
      attributes =
          &event.workflow_execution_continued_as_new_event_attributes().search_attributes();
      break;
    case Event::kStartChildWorkflowExecutionInitiatedEventAttributes:
      attributes =
          &event.start_child_workflow_execution_initiated_event_attributes().search_attributes();
      break;
    case Event::kUpsertWorkflowSearchAttributesEventAttributes:
      attributes = &event.upsert_workflow_search_attributes_event_attributes().search_attributes();
      break;
    default:
      return false;
  }
  return !attributes->indexed_fields().empty();
}

void Engine::TypeSearchAttributes(const std::string& namespace_id,
                                  temporal::api::history::v1::History& history) {
  std::shared_ptr<const visibility::SearchAttributeSet> set;  // looked up at the first need
  for (auto& event : *history.mutable_events()) {
    auto* attributes = SearchAttributesIn(event);
    if (attributes == nullptr || attributes->indexed_fields().empty()) continue;
    if (set == nullptr) {
      auto scope = SearchAttributesOf(namespace_id);
      if (scope.IsFailure()) return;
      set = scope.Value().set;
    }
    TypeFields(*set, *attributes);
  }
}

void Engine::TypeSearchAttributes(const std::string& namespace_id,
                                  temporal::api::common::v1::SearchAttributes& attributes) {
  if (attributes.indexed_fields().empty()) return;
  auto scope = SearchAttributesOf(namespace_id);
  if (scope.IsSuccess()) TypeFields(*scope.Value().set, attributes);
}

hugo::Result<hugo::Unit> Engine::ApplySearchAttributes(
    MutableState& state, const temporal::api::common::v1::SearchAttributes& attributes) {
  if (attributes.indexed_fields().empty()) return hugo::Ok();
  auto scope = SearchAttributesOf(state.namespace_id());
  if (scope.IsFailure()) return scope.Error();
  const visibility::SearchAttributeSet& set = *scope.Value().set;
  visibility::ValidateOptions options;
  options.namespace_name = scope.Value().namespace_name;
  // Sizes are checked on the run's attributes after the change, as the reference does.
  options.check_size = false;
  auto validated = visibility::ValidateSearchAttributes(attributes, set, options);
  if (validated.IsFailure()) return InvalidArgument(validated.Error().Message());
  temporal::api::common::v1::SearchAttributes after = state.search_attributes();
  for (const auto& [name, value] : attributes.indexed_fields()) {
    if (validated.Value().contains(name) && validated.Value()[name].is_null()) {
      after.mutable_indexed_fields()->erase(name);
    } else {
      (*after.mutable_indexed_fields())[name] = value;
    }
  }
  auto sized = visibility::ValidateSearchAttributesSize(after);
  if (sized.IsFailure()) return InvalidArgument(sized.Error().Message());
  nlohmann::json merged = state.visibility_search_attributes().empty()
                              ? nlohmann::json::object()
                              : nlohmann::json::parse(state.visibility_search_attributes(), nullptr,
                                                      /*allow_exceptions=*/false);
  if (!merged.is_object()) merged = nlohmann::json::object();
  for (const auto& [name, value] : validated.Value().items()) {
    if (value.is_null()) {
      merged.erase(name);
    } else {
      merged[name] = value;
    }
  }
  state.set_visibility_search_attributes(merged.dump());
  // The Hugo map: every attribute as workflow.<name>, then the error of a failed run.
  nlohmann::json hugo_attributes = nlohmann::json::object();
  for (const auto& [name, value] : merged.items()) {
    const visibility::AttributeDef* def = set.Find(name);
    if (def == nullptr) continue;
    hugo_attributes["workflow." + name] = AttributeText(value, def->type);
  }
  state.set_visibility_attributes(hugo_attributes.dump());
  return hugo::Ok();
}

hugo::Result<hugo::Unit> Engine::ValidateStartSearchAttributes(
    const std::string& namespace_id,
    const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& request) {
  MutableState scratch;
  scratch.set_namespace_id(namespace_id);
  return ApplySearchAttributes(scratch, request.search_attributes());
}

void Engine::RecordFailureForVisibility(MutableState& state,
                                        const temporal::api::failure::v1::Failure& failure) {
  nlohmann::json attributes = nlohmann::json::parse(
      state.visibility_attributes().empty() ? std::string("{}") : state.visibility_attributes(),
      nullptr, /*allow_exceptions=*/false);
  if (!attributes.is_object()) attributes = nlohmann::json::object();
  std::string code;
  if (failure.has_application_failure_info()) {
    code = failure.application_failure_info().type();
  }
  if (code.empty()) {
    const auto* field = failure.GetDescriptor()->FindFieldByNumber(failure.failure_info_case());
    code = field != nullptr ? field->name() : "failure";
  }
  attributes["error.code"] = code;
  attributes["error.message"] = failure.message();
  state.set_visibility_attributes(attributes.dump());
}

persistence::VisibilityRecord Engine::VisibilityOf(const MutableState& state) {
  persistence::VisibilityRecord record;
  record.namespace_id = state.namespace_id();
  record.workflow_id = state.workflow_id();
  record.run_id = state.run_id();
  record.workflow_type = state.workflow_type();
  record.task_queue = state.task_queue();
  record.status = state.status();
  record.start_time = Nanos(state.start_time());
  // When the first workflow task was (or will be) scheduled: a start delay's or a cron or retry
  // backoff's end, as the reference's ExecutionTime.
  record.execution_time =
      state.has_execution_time() ? Nanos(state.execution_time()) : record.start_time;
  if (state.status() != enums::WORKFLOW_EXECUTION_STATUS_RUNNING && state.has_close_time()) {
    record.close_time = Nanos(state.close_time());
  }
  record.history_length = state.next_event_id() - 1;
  record.history_size_bytes = state.history_size_bytes();
  record.state_transition_count = state.state_transition_count();
  record.replay_count = state.replay_count();
  // A child's parent, and the root of its tree (a run without a parent is its own root).
  if (state.has_parent()) {
    record.parent_workflow_id = state.parent().workflow_id();
    record.parent_run_id = state.parent().run_id();
  }
  record.root_workflow_id =
      state.root_workflow_id().empty() ? state.workflow_id() : state.root_workflow_id();
  record.root_run_id = state.root_run_id().empty() ? state.run_id() : state.root_run_id();
  if (state.has_memo() && state.memo().fields_size() > 0) {
    record.memo = state.memo().SerializeAsString();
  }
  if (!state.visibility_search_attributes().empty()) {
    record.search_attributes = state.visibility_search_attributes();
  }
  if (state.has_search_attributes() && state.search_attributes().indexed_fields_size() > 0) {
    record.search_attributes_payloads = state.search_attributes().SerializeAsString();
  }
  if (!state.visibility_attributes().empty()) record.attributes = state.visibility_attributes();
  AddVersioningAttributes(state, record);
  if (state.has_standalone_activity()) {
    // Listed by its activity id (its row is in the standalone activities' division).
    record.workflow_id = state.standalone_activity().activity_id();
    record.root_workflow_id = record.workflow_id;
    record.execution_time = Nanos(state.execution_time());
  }
  if (state.has_standalone_nexus_operation()) {
    // Listed by its operation id (its row is in the standalone Nexus operations' division).
    record.workflow_id = state.standalone_nexus_operation().operation_id();
    record.root_workflow_id = record.workflow_id;
    record.execution_time = Nanos(state.execution_time());
  }
  return record;
}

}  // namespace hdo::history
