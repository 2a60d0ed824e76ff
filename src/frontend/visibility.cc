#include "frontend/visibility.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <variant>

#include "common/error_codes.h"
#include "persistence/namespace_store.h"
#include "visibility/query.h"

namespace hdo::frontend {
namespace {

namespace enums = temporal::api::enums::v1;
namespace op = temporal::api::operatorservice::v1;
namespace wf = temporal::api::workflowservice::v1;

hugo::Error InvalidArgument(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

google::protobuf::Timestamp FromNanos(int64_t nanos) {
  google::protobuf::Timestamp time;
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  time.set_seconds(seconds);
  time.set_nanos(static_cast<int32_t>(rest));
  return time;
}

google::protobuf::Duration DurationFromNanos(int64_t nanos) {
  google::protobuf::Duration duration;
  duration.set_seconds(nanos / 1'000'000'000);
  duration.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  return duration;
}

int64_t Nanos(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1'000'000'000 + time.nanos();
}

// A string literal of the list filter language: single-quoted, backslash-escaped.
std::string Quote(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

void And(std::string& query, const std::string& condition) {
  if (condition.empty()) return;
  if (!query.empty()) query += " AND ";
  query += condition;
}

// The deprecated listings' filters as a list filter query.
std::string TimeRange(const char* attribute, const temporal::api::filter::v1::StartTimeFilter& f) {
  std::string condition;
  if (f.has_earliest_time() && Nanos(f.earliest_time()) > 0) {
    condition = std::string(attribute) + " >= " + std::to_string(Nanos(f.earliest_time()));
  }
  if (f.has_latest_time() && Nanos(f.latest_time()) > 0) {
    And(condition, std::string(attribute) + " <= " + std::to_string(Nanos(f.latest_time())));
  }
  return condition;
}

hugo::Result<hugo::Unit> ValidateTimeRange(const temporal::api::filter::v1::StartTimeFilter& f) {
  if (Nanos(f.earliest_time()) > 0 && Nanos(f.latest_time()) > 0 &&
      Nanos(f.earliest_time()) > Nanos(f.latest_time())) {
    return InvalidArgument("EarliestTime in StartTimeFilter should not be larger than LatestTime.");
  }
  return hugo::Ok();
}

// The reference's: the execution filter names the workflow id (its run id is not used), else the
// type filter names the type; either one even when empty.
template <class Request>
std::string ExecutionOrTypeFilter(const Request& request) {
  if (request.has_execution_filter()) {
    return "WorkflowId = " + Quote(request.execution_filter().workflow_id());
  }
  if (request.has_type_filter()) return "WorkflowType = " + Quote(request.type_filter().name());
  return "";
}

// A page as any of the listing replies (they share executions and next_page_token).
template <class Response>
hugo::Result<Response> Reply(hugo::Result<Visibility::Page> page) {
  if (page.IsFailure()) return page.Error();
  Response response;
  for (auto& info : page.Value().executions) *response.add_executions() = std::move(info);
  response.set_next_page_token(page.Value().next_page_token);
  return hugo::Ok(std::move(response));
}

}  // namespace

hugo::Result<std::shared_ptr<const visibility::SearchAttributeSet>> Visibility::SearchAttributes(
    const std::string& namespace_id) {
  auto cached = cache_.find(namespace_id);
  if (cached != cache_.end()) return hugo::Ok(cached->second);
  auto custom = store_->ListSearchAttributes(namespace_id);
  if (custom.IsFailure()) return custom.Error();
  std::map<std::string, enums::IndexedValueType> types;
  for (const auto& [name, type] : custom.Value()) {
    types[name] = static_cast<enums::IndexedValueType>(type);
  }
  auto set = std::make_shared<const visibility::SearchAttributeSet>(std::move(types));
  cache_[namespace_id] = set;
  return hugo::Ok(std::move(set));
}

std::string Visibility::NamespaceName(const std::string& namespace_id) {
  auto cached = names_.find(namespace_id);
  if (cached != names_.end()) return cached->second;
  auto record = namespaces_->GetNamespaceById(namespace_id);
  if (record.IsFailure()) return namespace_id;
  names_[namespace_id] = record.Value().name;
  return record.Value().name;
}

void Visibility::ForgetNamespace(const std::string& namespace_id) {
  names_.erase(namespace_id);
  cache_.erase(namespace_id);
}

temporal::api::workflow::v1::WorkflowExecutionInfo Visibility::ToInfo(
    const persistence::VisibilityRecord& record, const visibility::SearchAttributeSet& set) {
  temporal::api::workflow::v1::WorkflowExecutionInfo info;
  info.mutable_execution()->set_workflow_id(record.workflow_id);
  info.mutable_execution()->set_run_id(record.run_id);
  info.mutable_type()->set_name(record.workflow_type);
  *info.mutable_start_time() = FromNanos(record.start_time);
  *info.mutable_execution_time() = FromNanos(record.execution_time);
  if (record.close_time.has_value()) {
    *info.mutable_close_time() = FromNanos(*record.close_time);
    *info.mutable_execution_duration() =
        DurationFromNanos(*record.close_time - record.execution_time);
  }
  info.set_status(static_cast<enums::WorkflowExecutionStatus>(record.status));
  info.set_history_length(record.history_length);
  info.set_history_size_bytes(record.history_size_bytes);
  info.set_state_transition_count(record.state_transition_count);
  info.set_task_queue(record.task_queue);
  if (!record.memo.empty()) (void)info.mutable_memo()->ParseFromString(record.memo);
  if (!record.root_workflow_id.empty()) {
    info.mutable_root_execution()->set_workflow_id(record.root_workflow_id);
    info.mutable_root_execution()->set_run_id(record.root_run_id);
  }
  if (!record.parent_workflow_id.empty()) {
    info.mutable_parent_execution()->set_workflow_id(record.parent_workflow_id);
    info.mutable_parent_execution()->set_run_id(record.parent_run_id);
  }
  // Attributes come back as the reference returns them: re-encoded from the stored values.
  nlohmann::json values =
      nlohmann::json::parse(record.search_attributes, nullptr, /*allow_exceptions=*/false);
  if (values.is_object() && !values.empty()) {
    auto* fields = info.mutable_search_attributes()->mutable_indexed_fields();
    for (const auto& [name, value] : values.items()) {
      const visibility::AttributeDef* def = set.Find(name);
      if (def == nullptr) continue;  // removed from the namespace since
      (*fields)[name] = visibility::EncodeValue(value, def->type);
    }
  }
  return info;
}

hugo::Result<Visibility::Rows> Visibility::QueryRows(const std::string& namespace_id,
                                                     const std::string& query, int page_size,
                                                     const std::string& page_token,
                                                     visibility::QueryTarget target) {
  auto set = SearchAttributes(namespace_id);
  if (set.IsFailure()) return set.Error();
  auto filter = visibility::TranslateQuery(query, *set.Value(), store_->QueryDialect(),
                                           visibility::QueryUse::kList, target);
  if (filter.IsFailure()) return InvalidArgument(filter.Error().Message());
  if (page_size <= 0) page_size = options_.default_page_size;
  page_size = std::min(page_size, options_.max_page_size);
  if (before_read_) {
    auto caught_up = before_read_();
    if (caught_up.IsFailure()) return caught_up.Error();
  }
  auto rows = store_->ListExecutions(namespace_id, filter.Value(), page_size, page_token);
  if (rows.IsFailure()) {
    if (rows.Error().Code() == persistence::kErrorInvalidPageToken) {
      return InvalidArgument(rows.Error().Message());
    }
    return rows.Error();
  }
  return hugo::Ok(
      Rows{std::move(rows.Value().records), rows.Value().next_page_token, std::move(set).Value()});
}

hugo::Result<Visibility::Page> Visibility::Query(const std::string& namespace_id,
                                                 const std::string& query, int page_size,
                                                 const std::string& page_token) {
  auto rows =
      QueryRows(namespace_id, query, page_size, page_token, visibility::QueryTarget::kWorkflows);
  if (rows.IsFailure()) return rows.Error();
  Page page;
  for (const auto& record : rows.Value().records) {
    page.executions.push_back(ToInfo(record, *rows.Value().set));
  }
  page.next_page_token = rows.Value().next_page_token;
  return hugo::Ok(std::move(page));
}

hugo::Result<wf::ListWorkflowExecutionsResponse> Visibility::List(
    const std::string& namespace_id, const wf::ListWorkflowExecutionsRequest& request) {
  auto page = Query(namespace_id, request.query(), request.page_size(), request.next_page_token());
  return Reply<wf::ListWorkflowExecutionsResponse>(std::move(page));
}

hugo::Result<wf::ScanWorkflowExecutionsResponse> Visibility::Scan(
    const std::string& namespace_id, const wf::ScanWorkflowExecutionsRequest& request) {
  auto page = Query(namespace_id, request.query(), request.page_size(), request.next_page_token());
  return Reply<wf::ScanWorkflowExecutionsResponse>(std::move(page));
}

hugo::Result<wf::ListOpenWorkflowExecutionsResponse> Visibility::ListOpen(
    const std::string& namespace_id, const wf::ListOpenWorkflowExecutionsRequest& request) {
  auto range_valid = ValidateTimeRange(request.start_time_filter());
  if (range_valid.IsFailure()) return range_valid.Error();
  std::string query = "ExecutionStatus = 'Running'";
  And(query, TimeRange("StartTime", request.start_time_filter()));
  And(query, ExecutionOrTypeFilter(request));
  auto page = Query(namespace_id, query, request.maximum_page_size(), request.next_page_token());
  return Reply<wf::ListOpenWorkflowExecutionsResponse>(std::move(page));
}

hugo::Result<wf::ListClosedWorkflowExecutionsResponse> Visibility::ListClosed(
    const std::string& namespace_id, const wf::ListClosedWorkflowExecutionsRequest& request) {
  if (request.has_status_filter() &&
      (request.status_filter().status() == enums::WORKFLOW_EXECUTION_STATUS_UNSPECIFIED ||
       request.status_filter().status() == enums::WORKFLOW_EXECUTION_STATUS_RUNNING)) {
    return InvalidArgument("StatusFilter must be specified and must be not Running.");
  }
  auto range_valid = ValidateTimeRange(request.start_time_filter());
  if (range_valid.IsFailure()) return range_valid.Error();
  std::string query = "ExecutionStatus != 'Running'";
  // The reference's SQL store filters closed runs by their close time.
  And(query, TimeRange("CloseTime", request.start_time_filter()));
  And(query, ExecutionOrTypeFilter(request));
  if (request.has_status_filter() &&
      request.status_filter().status() != enums::WORKFLOW_EXECUTION_STATUS_UNSPECIFIED) {
    And(query, "ExecutionStatus = " + std::to_string(request.status_filter().status()));
  }
  auto page = Query(namespace_id, query, request.maximum_page_size(), request.next_page_token());
  return Reply<wf::ListClosedWorkflowExecutionsResponse>(std::move(page));
}

hugo::Result<wf::CountWorkflowExecutionsResponse> Visibility::Count(
    const std::string& namespace_id, const wf::CountWorkflowExecutionsRequest& request) {
  return CountQuery(namespace_id, request.query(), visibility::QueryTarget::kWorkflows);
}

hugo::Result<wf::CountWorkflowExecutionsResponse> Visibility::CountQuery(
    const std::string& namespace_id, const std::string& query, visibility::QueryTarget target) {
  auto set = SearchAttributes(namespace_id);
  if (set.IsFailure()) return set.Error();
  auto filter = visibility::TranslateQuery(query, *set.Value(), store_->QueryDialect(),
                                           visibility::QueryUse::kCount, target);
  if (filter.IsFailure()) return InvalidArgument(filter.Error().Message());
  if (before_read_) {
    auto caught_up = before_read_();
    if (caught_up.IsFailure()) return caught_up.Error();
  }
  auto counted = store_->CountExecutions(namespace_id, filter.Value());
  if (counted.IsFailure()) return counted.Error();
  wf::CountWorkflowExecutionsResponse response;
  response.set_count(counted.Value().count);
  const std::string& grouped = filter.Value().group_by_attribute;
  for (const auto& group : counted.Value().groups) {
    auto* out = response.add_groups();
    out->set_count(group.count);
    nlohmann::json value;
    if (grouped == "ExecutionStatus" && std::holds_alternative<int64_t>(group.value)) {
      // Grouped by status, the value is the status name, as the reference returns it.
      value = std::string(
          visibility::ExecutionStatusName(static_cast<int32_t>(std::get<int64_t>(group.value))));
    } else if (const auto* i = std::get_if<int64_t>(&group.value)) {
      value = *i;
    } else if (const auto* d = std::get_if<double>(&group.value)) {
      value = *d;
    } else if (const auto* s = std::get_if<std::string>(&group.value)) {
      value = *s;
    }
    const visibility::AttributeDef* def = set.Value()->Find(grouped);
    *out->add_group_values() = visibility::EncodeValue(
        value, def != nullptr ? def->type : enums::INDEXED_VALUE_TYPE_KEYWORD);
  }
  return hugo::Ok(std::move(response));
}

namespace {

// A count of workflows as the response of another kind of execution (the same count and groups).
template <class Response>
Response CountAs(const wf::CountWorkflowExecutionsResponse& counted) {
  Response response;
  response.set_count(counted.count());
  for (const auto& group : counted.groups()) {
    auto* out = response.add_groups();
    out->set_count(group.count());
    *out->mutable_group_values() = group.group_values();
  }
  return response;
}

}  // namespace

hugo::Result<wf::ListActivityExecutionsResponse> Visibility::ListActivities(
    const std::string& namespace_id, const wf::ListActivityExecutionsRequest& request) {
  auto rows = QueryRows(namespace_id, request.query(), request.page_size(),
                        request.next_page_token(), visibility::QueryTarget::kActivities);
  if (rows.IsFailure()) return rows.Error();
  wf::ListActivityExecutionsResponse response;
  for (const auto& record : rows.Value().records) {
    auto* info = response.add_executions();
    info->set_activity_id(record.workflow_id);
    info->set_run_id(record.run_id);
    info->mutable_activity_type()->set_name(record.workflow_type);
    *info->mutable_schedule_time() = FromNanos(record.start_time);
    *info->mutable_execution_time() = FromNanos(record.execution_time);
    info->set_task_queue(record.task_queue);
    // The workflow status an activity's run is stored with, as the activity's (TIMED_OUT is 7
    // for a workflow, 6 for an activity).
    int32_t status = record.status;
    if (status == enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT) {
      status = enums::ACTIVITY_EXECUTION_STATUS_TIMED_OUT;
    }
    info->set_status(static_cast<enums::ActivityExecutionStatus>(status));
    if (record.close_time.has_value()) {
      *info->mutable_close_time() = FromNanos(*record.close_time);
      *info->mutable_execution_duration() =
          DurationFromNanos(*record.close_time - record.start_time);
      // Written at close (reference: the row's count is the close's).
      info->set_state_transition_count(record.state_transition_count);
    }
    nlohmann::json values =
        nlohmann::json::parse(record.search_attributes, nullptr, /*allow_exceptions=*/false);
    if (values.is_object()) {
      for (const auto& [name, value] : values.items()) {
        if (name == visibility::kTemporalNamespaceDivision) continue;
        const visibility::AttributeDef* def = rows.Value().set->Find(name);
        if (def == nullptr) continue;
        (*info->mutable_search_attributes()->mutable_indexed_fields())[name] =
            visibility::EncodeValue(value, def->type);
      }
    }
  }
  response.set_next_page_token(rows.Value().next_page_token);
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::CountActivityExecutionsResponse> Visibility::CountActivities(
    const std::string& namespace_id, const wf::CountActivityExecutionsRequest& request) {
  auto counted = CountQuery(namespace_id, request.query(), visibility::QueryTarget::kActivities);
  if (counted.IsFailure()) return counted.Error();
  return hugo::Ok(CountAs<wf::CountActivityExecutionsResponse>(counted.Value()));
}

hugo::Result<wf::ListNexusOperationExecutionsResponse> Visibility::ListNexusOperations(
    const std::string& namespace_id, const wf::ListNexusOperationExecutionsRequest& request) {
  auto rows = QueryRows(namespace_id, request.query(), request.page_size(),
                        request.next_page_token(), visibility::QueryTarget::kNexusOperations);
  if (rows.IsFailure()) return rows.Error();
  wf::ListNexusOperationExecutionsResponse response;
  for (const auto& record : rows.Value().records) {
    auto* info = response.add_operations();
    info->set_operation_id(record.workflow_id);
    info->set_run_id(record.run_id);
    *info->mutable_schedule_time() = FromNanos(record.start_time);
    // The workflow status an operation's run is stored with, as the operation's (TIMED_OUT is 7
    // for a workflow, 6 for an operation).
    int32_t status = record.status;
    if (status == enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT) {
      status = enums::NEXUS_OPERATION_EXECUTION_STATUS_TIMED_OUT;
    }
    info->set_status(static_cast<enums::NexusOperationExecutionStatus>(status));
    if (record.close_time.has_value()) {
      *info->mutable_close_time() = FromNanos(*record.close_time);
      *info->mutable_execution_duration() =
          DurationFromNanos(*record.close_time - record.start_time);
    }
    info->set_state_transition_count(record.state_transition_count);
    nlohmann::json values =
        nlohmann::json::parse(record.search_attributes, nullptr, /*allow_exceptions=*/false);
    if (!values.is_object()) continue;
    auto text = [&](const char* name) {
      auto found = values.find(name);
      return found != values.end() && found->is_string() ? found->get<std::string>()
                                                         : std::string();
    };
    info->set_endpoint(text(visibility::kNexusEndpointAttribute));
    info->set_service(text(visibility::kNexusServiceAttribute));
    info->set_operation(text(visibility::kNexusOperationAttribute));
    for (const auto& [name, value] : values.items()) {
      if (name == visibility::kTemporalNamespaceDivision ||
          name == visibility::kNexusEndpointAttribute ||
          name == visibility::kNexusServiceAttribute ||
          name == visibility::kNexusOperationAttribute ||
          name == visibility::kNexusRequestIdAttribute) {
        continue;
      }
      const visibility::AttributeDef* def = rows.Value().set->Find(name);
      if (def == nullptr) continue;
      (*info->mutable_search_attributes()->mutable_indexed_fields())[name] =
          visibility::EncodeValue(value, def->type);
    }
  }
  response.set_next_page_token(rows.Value().next_page_token);
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::CountNexusOperationExecutionsResponse> Visibility::CountNexusOperations(
    const std::string& namespace_id, const wf::CountNexusOperationExecutionsRequest& request) {
  auto counted =
      CountQuery(namespace_id, request.query(), visibility::QueryTarget::kNexusOperations);
  if (counted.IsFailure()) return counted.Error();
  return hugo::Ok(CountAs<wf::CountNexusOperationExecutionsResponse>(counted.Value()));
}

hugo::Result<wf::GetSearchAttributesResponse> Visibility::GetSearchAttributes() {
  wf::GetSearchAttributesResponse response;
  auto* keys = response.mutable_keys();
  const visibility::SearchAttributeSet builtin;
  for (const auto& def : builtin.All()) (*keys)[def.name] = def.type;
  // Custom attributes are per namespace, and this request names none: like the reference's SQL
  // store, the answer lists the storage slots custom attributes map to (Keyword01..Keyword10,
  // Int01..Int03, ...) instead of any namespace's names.
  for (auto type : {enums::INDEXED_VALUE_TYPE_KEYWORD, enums::INDEXED_VALUE_TYPE_TEXT,
                    enums::INDEXED_VALUE_TYPE_INT, enums::INDEXED_VALUE_TYPE_DOUBLE,
                    enums::INDEXED_VALUE_TYPE_BOOL, enums::INDEXED_VALUE_TYPE_DATETIME,
                    enums::INDEXED_VALUE_TYPE_KEYWORD_LIST}) {
    for (size_t slot = 1; slot <= visibility::CustomAttributeCountMax(type); ++slot) {
      std::string name(visibility::TypeName(type));
      name += slot < 10 ? "0" + std::to_string(slot) : std::to_string(slot);
      (*keys)[name] = type;
    }
  }
  return hugo::Ok(std::move(response));
}

hugo::Result<op::AddSearchAttributesResponse> Visibility::AddSearchAttributes(
    const std::string& namespace_id, const op::AddSearchAttributesRequest& request) {
  if (request.search_attributes().empty()) {
    return InvalidArgument("SearchAttributes are not set on request.");
  }
  auto set = SearchAttributes(namespace_id);
  if (set.IsFailure()) return set.Error();
  std::map<std::string, int32_t> added;
  std::map<int32_t, int> per_type;
  for (const auto& def : set.Value()->All()) {
    if (def.kind == visibility::AttributeDef::Kind::kCustom) ++per_type[def.type];
  }
  // Sorted by name, so that which refusal comes first does not depend on map order.
  std::map<std::string, int32_t> requested(request.search_attributes().begin(),
                                           request.search_attributes().end());
  for (const auto& [name, type] : requested) {
    auto type_valid = visibility::ValidateCustomAttributeType(type);
    if (type_valid.IsFailure()) return InvalidArgument(type_valid.Error().Message());
    auto name_valid = visibility::ValidateCustomAttributeName(name);
    if (name_valid.IsFailure()) return InvalidArgument(name_valid.Error().Message());
    if (set.Value()->FindExact(name) != nullptr) {
      // The reference keeps the existing attribute (and its type) and answers OK.
      continue;
    }
    // The reference's SQL stores have a fixed number of columns per type.
    const auto indexed = static_cast<enums::IndexedValueType>(type);
    const size_t limit = visibility::CustomAttributeCountMax(indexed);
    if (static_cast<size_t>(++per_type[type]) > limit) {
      return InvalidArgument(visibility::TooManyCustomAttributesMessage(limit, indexed));
    }
    added[name] = type;
  }
  if (added.empty()) return hugo::Ok(op::AddSearchAttributesResponse());
  auto written = store_->AddSearchAttributes(namespace_id, added);
  cache_.erase(namespace_id);
  if (written.IsFailure()) return written.Error();
  return hugo::Ok(op::AddSearchAttributesResponse());
}

hugo::Result<op::RemoveSearchAttributesResponse> Visibility::RemoveSearchAttributes(
    const std::string& namespace_id, const op::RemoveSearchAttributesRequest& request) {
  if (request.search_attributes().empty()) {
    return InvalidArgument("SearchAttributes are not set on request.");
  }
  auto set = SearchAttributes(namespace_id);
  if (set.IsFailure()) return set.Error();
  std::vector<std::string> names;
  for (const std::string& name : request.search_attributes()) {
    const visibility::AttributeDef* def = set.Value()->Find(name);
    if (def != nullptr && def->kind != visibility::AttributeDef::Kind::kCustom) {
      return InvalidArgument("Unable to remove non-custom search attributes: " + name + ".");
    }
    // The reference ignores names that are not defined.
    if (def != nullptr) names.push_back(def->name);
  }
  if (names.empty()) return hugo::Ok(op::RemoveSearchAttributesResponse());
  auto removed = store_->RemoveSearchAttributes(namespace_id, names);
  cache_.erase(namespace_id);
  if (removed.IsFailure()) return removed.Error();
  return hugo::Ok(op::RemoveSearchAttributesResponse());
}

hugo::Result<op::ListSearchAttributesResponse> Visibility::ListSearchAttributes(
    const std::string& namespace_id) {
  auto set = SearchAttributes(namespace_id);
  if (set.IsFailure()) return set.Error();
  op::ListSearchAttributesResponse response;
  for (const auto& def : set.Value()->All()) {
    auto* map = def.kind == visibility::AttributeDef::Kind::kCustom
                    ? response.mutable_custom_attributes()
                    : response.mutable_system_attributes();
    (*map)[def.name] = def.type;
  }
  return hugo::Ok(std::move(response));
}

}  // namespace hdo::frontend
