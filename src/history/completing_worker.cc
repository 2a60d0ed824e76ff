#include "history/completing_worker.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "history/time_util.h"

namespace hdo::history {
namespace {

using persistence::v1::MutableState;

// The reference's history.historyMaxAutoResetPoints default.
constexpr int kMaxAutoResetPoints = 20;
// The reference's limit.searchAttributeValueSize default (bytes of one attribute's value).
constexpr size_t kMaxSearchAttributeValueBytes = 2 * 1024;
constexpr std::string_view kUnversioned = "unversioned";
constexpr char kBuildIds[] = "BuildIds";

// The reference's CheckResettable: a reset to a point with a child, or a signal or cancel to
// another workflow, still pending would lose track of it.
bool Resettable(const MutableState& state) {
  return state.children().empty() && state.external_cancels().empty() &&
         state.external_signals().empty();
}

bool IsUnversionedOrAssignedOrPinned(std::string_view marker) {
  return marker == kUnversioned || marker.rfind("assigned:", 0) == 0 ||
         marker.rfind("pinned:", 0) == 0;
}

// Puts the BuildIds markers of an unversioned run's completing worker: "unversioned" first, the
// build ids already listed, then this one's "unversioned:<build id>" (nothing of an empty one).
// Returns whether the attribute changed.
bool PutUnversionedMarkers(MutableState& state, const std::string& build_id) {
  const std::string marker =
      build_id.empty() ? std::string(kUnversioned) : std::string(kUnversioned) + ":" + build_id;
  const auto& fields = state.search_attributes().indexed_fields();
  const auto found = fields.find(kBuildIds);
  // Most completions come from a worker already listed: a look at the stored text answers.
  if (found != fields.end()) {
    const std::string& data = found->second.data();
    if (data.rfind("[\"unversioned\"", 0) == 0 &&
        data.find("\"" + marker + "\"") != std::string::npos) {
      return false;
    }
  }
  std::vector<std::string> markers{std::string(kUnversioned)};
  bool listed = marker == kUnversioned;
  if (found != fields.end()) {
    const nlohmann::json existing =
        nlohmann::json::parse(found->second.data(), nullptr, /*allow_exceptions=*/false);
    if (existing.is_array()) {
      for (const auto& value : existing) {
        if (!value.is_string()) continue;
        const std::string text = value.get<std::string>();
        if (text == marker) listed = true;
        if (!IsUnversionedOrAssignedOrPinned(text)) markers.push_back(text);
      }
    }
  }
  if (!listed) markers.push_back(marker);
  // Over the value size the oldest build ids go; the "unversioned" sentinel stays (reachability
  // counts it).
  nlohmann::json list(markers);
  while (list.dump().size() > kMaxSearchAttributeValueBytes && list.size() > 1) {
    list.erase(list.begin() + 1);
  }
  temporal::api::common::v1::Payload payload;
  (*payload.mutable_metadata())["encoding"] = "json/plain";
  (*payload.mutable_metadata())["type"] = "KeywordList";
  payload.set_data(list.dump());
  if (found != fields.end() && found->second.data() == payload.data()) return false;
  (*state.mutable_search_attributes()->mutable_indexed_fields())[kBuildIds] = std::move(payload);
  // The listing's normalized copy, which list filters read.
  nlohmann::json normalized =
      state.visibility_search_attributes().empty()
          ? nlohmann::json::object()
          : nlohmann::json::parse(state.visibility_search_attributes(), nullptr,
                                  /*allow_exceptions=*/false);
  if (!normalized.is_object()) normalized = nlohmann::json::object();
  normalized[kBuildIds] = std::move(list);
  state.set_visibility_search_attributes(normalized.dump());
  return true;
}

}  // namespace

bool NoteCompletingWorker(
    MutableState& state,
    const temporal::api::history::v1::WorkflowTaskCompletedEventAttributes& completed,
    int64_t completed_event_id, const google::protobuf::Timestamp& now) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  // The stamp as the worker sent it (none: none), as the reference replaces it each time.
  if (completed.has_worker_version()) {
    *state.mutable_most_recent_worker_version_stamp() = completed.worker_version();
  } else {
    state.clear_most_recent_worker_version_stamp();
  }
  // A reset point for the first task each (binary checksum, build id) completed; the build id
  // of a worker with a deployment is its version's.
  const std::string& checksum = completed.binary_checksum();
  const std::string& build_id = completed.has_deployment_version()
                                    ? completed.deployment_version().build_id()
                                    : completed.worker_version().build_id();
  auto* points = state.mutable_auto_reset_points()->mutable_points();
  const bool known = std::any_of(points->begin(), points->end(), [&](const auto& point) {
    return point.binary_checksum() == checksum && point.build_id() == build_id;
  });
  if (!known) {
    auto* point = points->Add();
    point->set_binary_checksum(checksum);
    point->set_build_id(build_id);
    point->set_run_id(state.run_id());
    point->set_first_workflow_task_completed_id(completed_event_id);
    *point->mutable_create_time() = now;
    point->set_resettable(Resettable(state));
    if (points->size() > kMaxAutoResetPoints) {
      points->DeleteSubrange(0, points->size() - kMaxAutoResetPoints);
    }
  }
  // BuildIds of an unversioned run (a versioned one's are the versioning's, written with its
  // listing row by AddVersioningAttributes).
  const bool unversioned = !completed.worker_version().use_versioning() &&
                           !state.has_versioning_info() && state.versioned_build_id().empty();
  return unversioned && PutUnversionedMarkers(state, completed.worker_version().build_id());
#pragma GCC diagnostic pop
}

temporal::api::workflow::v1::ResetPoints RolledOverResetPoints(
    const temporal::api::workflow::v1::ResetPoints& previous, const std::string& previous_run_id,
    const google::protobuf::Timestamp& now, std::chrono::milliseconds retention) {
  temporal::api::workflow::v1::ResetPoints rolled;
  // The run just closed (its successor starts now) is removed a retention from now; the points
  // into runs already past theirs are dropped.
  const google::protobuf::Timestamp expires =
      AddDuration(now, DurationFromMillis(retention.count()));
  for (const auto& point : previous.points()) {
    if (IsSet(point.expire_time()) && ToMillis(point.expire_time()) < ToMillis(now)) continue;
    auto* kept = rolled.add_points();
    *kept = point;
    if (point.run_id() == previous_run_id) *kept->mutable_expire_time() = expires;
  }
  return rolled;
}

}  // namespace hdo::history
