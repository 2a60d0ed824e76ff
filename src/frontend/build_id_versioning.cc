#include "frontend/build_id_versioning.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

#include "common/error_codes.h"
#include "frontend/errors.h"
#include "frontend/timestamps.h"

namespace hdo::frontend {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace tq = temporal::api::taskqueue::v1;
using persistence::v1::BuildIdAssignmentRuleRecord;
using persistence::v1::BuildIdRedirectRuleRecord;
using persistence::v1::CompatibleBuildIdSet;
using persistence::v1::TaskQueueVersioningRecord;

constexpr int kLoadPageSize = 100;
constexpr size_t kTaskQueueNameMax = 1000;
constexpr char kKeyMark = '\x1e';  // no build id or deployment name holds a control character

hugo::Error FailedPrecondition(const std::string& message) {
  return hugo::Error::From(message, errors::kFailedPrecondition);
}
// reference: serviceerror.NewNewerBuildExists.
hugo::Error NewerBuildExists(const std::string& default_build_id) {
  return hugo::Error::From("Task queue has a newer compatible build: \"" + default_build_id + "\"",
                           errors::kNewerBuildExists)
      .WithMetadata("default_build_id", default_build_id);
}
hugo::Error NotFound(const std::string& message) {
  return hugo::Error::From(message, errors::kNotFound);
}

hugo::Result<hugo::Unit> CheckTaskQueue(const std::string& task_queue) {
  if (task_queue.empty()) return InvalidArgument("TaskQueue is not set on request.");
  if (task_queue.size() > kTaskQueueNameMax) {
    return InvalidArgument("TaskQueue length exceeds limit of " +
                           std::to_string(kTaskQueueNameMax) + ".");
  }
  if (task_queue.rfind("/_sys/", 0) == 0) {
    return InvalidArgument("task queue family name cannot have prefix /_sys/ " + task_queue);
  }
  return hugo::Ok();
}

// (set index, index in set), (-1, -1) when absent.
std::pair<int, int> FindBuildId(const TaskQueueVersioningRecord& record,
                                const std::string& build_id) {
  for (int set = 0; set < record.version_sets_size(); ++set) {
    const auto& ids = record.version_sets(set).build_ids();
    for (int i = 0; i < ids.size(); ++i) {
      if (ids[i] == build_id) return {set, i};
    }
  }
  return {-1, -1};
}

bool InVersionSets(const TaskQueueVersioningRecord& record, const std::string& build_id) {
  return FindBuildId(record, build_id).first >= 0;
}

bool FullyRamped(const tq::BuildIdAssignmentRule& rule) {
  return !rule.has_percentage_ramp() || rule.percentage_ramp().ramp_percentage() == 100;
}

// reference: handleAssignmentRuleNilRamp, hasValidRamp.
tq::BuildIdAssignmentRule WithRamp(tq::BuildIdAssignmentRule rule) {
  if (!rule.has_percentage_ramp()) rule.mutable_percentage_ramp()->set_ramp_percentage(100);
  return rule;
}
bool ValidRamp(const tq::BuildIdAssignmentRule& rule) {
  const float ramp = rule.percentage_ramp().ramp_percentage();
  return !rule.has_percentage_ramp() || (ramp >= 0 && ramp <= 100);
}

bool ContainsFullyRamped(const TaskQueueVersioningRecord& record) {
  return std::any_of(
      record.assignment_rules().begin(), record.assignment_rules().end(),
      [](const BuildIdAssignmentRuleRecord& rule) { return FullyRamped(rule.rule()); });
}

bool RedirectSource(const TaskQueueVersioningRecord& record, const std::string& build_id) {
  return std::any_of(record.redirect_rules().begin(), record.redirect_rules().end(),
                     [&](const BuildIdRedirectRuleRecord& rule) {
                       return rule.rule().source_build_id() == build_id;
                     });
}

bool PartiallyRampedTarget(const TaskQueueVersioningRecord& record, const std::string& build_id) {
  return std::any_of(record.assignment_rules().begin(), record.assignment_rules().end(),
                     [&](const BuildIdAssignmentRuleRecord& rule) {
                       return !FullyRamped(rule.rule()) &&
                              rule.rule().target_build_id() == build_id;
                     });
}

// The end of the redirect chain from `build_id` (itself when no rule leads away).
std::string Redirected(const TaskQueueVersioningRecord& record, std::string build_id) {
  for (int hops = 0; hops <= record.redirect_rules_size(); ++hops) {
    auto next = std::find_if(record.redirect_rules().begin(), record.redirect_rules().end(),
                             [&](const BuildIdRedirectRuleRecord& rule) {
                               return rule.rule().source_build_id() == build_id;
                             });
    if (next == record.redirect_rules().end()) return build_id;
    build_id = next->rule().target_build_id();
  }
  return build_id;
}

void CollectUpstream(const TaskQueueVersioningRecord& record, const std::string& build_id,
                     std::set<std::string>* seen) {
  for (const auto& rule : record.redirect_rules()) {
    if (rule.rule().target_build_id() == build_id &&
        seen->insert(rule.rule().source_build_id()).second) {
      CollectUpstream(record, rule.rule().source_build_id(), seen);
    }
  }
}

bool Cyclic(const TaskQueueVersioningRecord& record) {
  for (const auto& rule : record.redirect_rules()) {
    std::string at = rule.rule().target_build_id();
    for (int hops = 0; hops <= record.redirect_rules_size(); ++hops) {
      if (at == rule.rule().source_build_id()) return true;
      auto next = std::find_if(record.redirect_rules().begin(), record.redirect_rules().end(),
                               [&](const BuildIdRedirectRuleRecord& other) {
                                 return other.rule().source_build_id() == at;
                               });
      if (next == record.redirect_rules().end()) break;
      at = next->rule().target_build_id();
    }
  }
  return false;
}

// A ramp threshold in [0, 100) from the run id (FNV-1a): the same run always lands on the same
// side of a partial ramp (reference: calcRampThreshold, by another hash).
double RampThreshold(const std::string& run_id) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : run_id) {
    hash ^= c;
    hash *= 16777619u;
  }
  return 100.0 * (static_cast<double>(hash) / 4294967296.0);
}

// The build id the assignment rules give a new run; "" when none takes it.
std::string Assigned(const TaskQueueVersioningRecord& record, const std::string& run_id) {
  for (const auto& rule : record.assignment_rules()) {
    if (!FullyRamped(rule.rule()) &&
        rule.rule().percentage_ramp().ramp_percentage() <= RampThreshold(run_id)) {
      continue;
    }
    return rule.rule().target_build_id();
  }
  return std::string();
}

// The conflict token of a revision (8 bytes, big-endian), and the way Go prints bytes.
std::string ConflictToken(int64_t revision) {
  std::string token(8, '\0');
  for (int i = 7; i >= 0; --i) {
    token[i] = static_cast<char>(revision & 0xff);
    revision >>= 8;
  }
  return token;
}
std::string GoBytes(const std::string& bytes) {
  std::string text = "[";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) text += " ";
    text += std::to_string(static_cast<unsigned char>(bytes[i]));
  }
  return text + "]";
}

// reference: validateBuildIdCompatibilityUpdate (frontend).
hugo::Result<hugo::Unit> ValidateCompatibilityUpdate(
    const wf::UpdateWorkerBuildIdCompatibilityRequest& request, size_t size_max) {
  std::vector<std::string> details = {"request to update worker build ID compatability requires: "};
  auto check_size = [&](const std::string& id) {
    if (id.size() > size_max) {
      details.push_back(" Worker build IDs to be no larger than " + std::to_string(size_max) +
                        " characters");
    }
  };
  // A build id the operation needs: set, and not too long.
  auto require = [&](const std::string& id, const char* field) {
    if (id.empty()) {
      details.push_back(std::string("`") + field + "` to be set");
    } else {
      check_size(id);
    }
  };
  if (request.namespace_().empty()) details.emplace_back("`namespace` to be set");
  if (request.task_queue().empty()) details.emplace_back("`task_queue` to be set");
  using Op = wf::UpdateWorkerBuildIdCompatibilityRequest;
  switch (request.operation_case()) {
    case Op::OPERATION_NOT_SET:
      details.emplace_back("an operation to be specified");
      break;
    case Op::kAddNewCompatibleBuildId:
      require(request.add_new_compatible_build_id().new_build_id(), "add_new_compatible_version");
      if (request.add_new_compatible_build_id().existing_compatible_build_id().empty()) {
        details.emplace_back("`existing_compatible_version` to be set");
      }
      break;
    case Op::kAddNewBuildIdInNewDefaultSet:
      require(request.add_new_build_id_in_new_default_set(),
              "add_new_version_id_in_new_default_set");
      break;
    case Op::kPromoteSetByBuildId:
      require(request.promote_set_by_build_id(), "promote_set_by_version_id");
      break;
    case Op::kPromoteBuildIdWithinSet:
      require(request.promote_build_id_within_set(), "promote_version_id_within_set");
      break;
    case Op::kMergeSets:
      break;
  }
  if (details.size() > 1) {
    std::string message = details[0];
    for (size_t i = 1; i < details.size(); ++i) message += ", " + details[i];
    return InvalidArgument(message);
  }
  return hugo::Ok();
}

std::string TargetedBuildId(const wf::UpdateWorkerBuildIdCompatibilityRequest& request) {
  using Op = wf::UpdateWorkerBuildIdCompatibilityRequest;
  switch (request.operation_case()) {
    case Op::kAddNewCompatibleBuildId:
      return request.add_new_compatible_build_id().new_build_id();
    case Op::kPromoteSetByBuildId:
      return request.promote_set_by_build_id();
    case Op::kPromoteBuildIdWithinSet:
      return request.promote_build_id_within_set();
    case Op::kAddNewBuildIdInNewDefaultSet:
      return request.add_new_build_id_in_new_default_set();
    default:
      return request.merge_sets().primary_set_build_id();
  }
}

void MakeDefaultSet(TaskQueueVersioningRecord& record, int set,
                    const google::protobuf::Timestamp& now) {
  auto* sets = record.mutable_version_sets();
  *sets->Mutable(set)->mutable_became_default_time() = now;
  for (int i = set; i + 1 < sets->size(); ++i) sets->SwapElements(i, i + 1);
}

void MakeDefaultInSet(TaskQueueVersioningRecord& record, int set, int index) {
  auto* ids = record.mutable_version_sets(set)->mutable_build_ids();
  for (int i = index; i + 1 < ids->size(); ++i) ids->SwapElements(i, i + 1);
}

// reference: updateVersionSetImpl. The request is validated.
hugo::Result<hugo::Unit> ApplyCompatibilityUpdate(
    TaskQueueVersioningRecord& record, const wf::UpdateWorkerBuildIdCompatibilityRequest& request,
    const google::protobuf::Timestamp& now, bool* changed) {
  *changed = true;
  const std::string target = TargetedBuildId(request);
  auto [target_set, in_set] = FindBuildId(record, target);
  const int sets = record.version_sets_size();
  using Op = wf::UpdateWorkerBuildIdCompatibilityRequest;
  switch (request.operation_case()) {
    case Op::kAddNewBuildIdInNewDefaultSet: {
      if (sets > 0 && target_set == sets - 1 && in_set == 0 &&
          record.version_sets(sets - 1).build_ids_size() == 1) {
        *changed = false;  // idempotent
        return hugo::Ok();
      }
      if (target_set != -1) return InvalidArgument("version " + target + " already exists");
      auto* set = record.add_version_sets();
      set->add_build_ids(target);
      *set->mutable_became_default_time() = now;
      return hugo::Ok();
    }
    case Op::kAddNewCompatibleBuildId: {
      const auto& add = request.add_new_compatible_build_id();
      const std::string& existing = add.existing_compatible_build_id();
      const int compatible_set = FindBuildId(record, existing).first;
      if (compatible_set == -1) {
        return NotFound("targeted compatible_version " + existing + " not found");
      }
      if (target_set != -1) {
        if (compatible_set == target_set) {
          if (add.make_set_default() && target_set != sets - 1) {
            return InvalidArgument("version " + target +
                                   " already exists and is not default for queue");
          }
          if (in_set != record.version_sets(target_set).build_ids_size() - 1) {
            return InvalidArgument("version " + target +
                                   " already exists and is not default in set");
          }
          *changed = false;
          return hugo::Ok();
        }
        return InvalidArgument(target + " requested to be made compatible with " + existing +
                               " but both versions exist and are incompatible");
      }
      record.mutable_version_sets(compatible_set)->add_build_ids(target);
      if (add.make_set_default()) MakeDefaultSet(record, compatible_set, now);
      return hugo::Ok();
    }
    case Op::kPromoteSetByBuildId:
      if (target_set == -1) return NotFound("targeted version " + target + " not found");
      if (target_set == sets - 1) {
        *changed = false;
        return hugo::Ok();
      }
      MakeDefaultSet(record, target_set, now);
      return hugo::Ok();
    case Op::kPromoteBuildIdWithinSet:
      if (target_set == -1) return NotFound("targeted version " + target + " not found");
      if (in_set == record.version_sets(target_set).build_ids_size() - 1) {
        *changed = false;
        return hugo::Ok();
      }
      MakeDefaultInSet(record, target_set, in_set);
      return hugo::Ok();
    case Op::kMergeSets: {
      if (target_set == -1) {
        return NotFound("targeted primary version " + target + " not found");
      }
      const std::string& secondary = request.merge_sets().secondary_set_build_id();
      const int secondary_set = FindBuildId(record, secondary).first;
      if (secondary_set == -1) {
        return NotFound("targeted secondary version " + secondary + " not found");
      }
      if (secondary_set == target_set) {
        *changed = false;
        return hugo::Ok();
      }
      // The secondary's build ids join the primary set ahead of them: the primary's default stays
      // its default; the merged set sits where the later of the two did.
      CompatibleBuildIdSet merged = record.version_sets(secondary_set);
      for (const std::string& id : record.version_sets(target_set).build_ids()) {
        merged.add_build_ids(id);
      }
      const int keep = std::max(target_set, secondary_set);
      const int drop = std::min(target_set, secondary_set);
      if (record.version_sets(target_set).has_became_default_time()) {
        *merged.mutable_became_default_time() =
            record.version_sets(target_set).became_default_time();
      }
      *record.mutable_version_sets(keep) = std::move(merged);
      record.mutable_version_sets()->DeleteSubrange(drop, 1);
      return hugo::Ok();
    }
    case Op::OPERATION_NOT_SET:
      break;
  }
  return InvalidArgument("an operation to be specified");
}

}  // namespace

BuildIdVersioning::BuildIdVersioning(persistence::TaskQueueConfigStore* store, Options options)
    : store_(store), options_(std::move(options)) {}

hugo::Result<hugo::Unit> BuildIdVersioning::Load() {
  std::map<Key, Entry, KeyLess> queues;
  std::string token;
  do {
    auto page = store_->ListConfigs(kLoadPageSize, token);
    if (page.IsFailure()) return page.Error();
    for (const persistence::KeyedRow& row : page.Value().rows) {
      Entry entry;
      entry.version = row.version;
      if (!entry.record.ParseFromString(row.data)) {
        return hugo::Error::From("stored task queue versioning '" + row.id + "' does not decode",
                                 kErrorInternal);
      }
      queues[{row.namespace_id, row.id}] = std::move(entry);
    }
    token = page.Value().next_page_token;
  } while (!token.empty());
  std::set<std::string> namespaces;
  for (const auto& [key, entry] : queues_) namespaces.insert(key.first);
  for (const auto& [key, entry] : queues) namespaces.insert(key.first);
  queues_ = std::move(queues);
  if (options_.changed) {
    for (const std::string& namespace_id : namespaces) options_.changed(namespace_id);
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> BuildIdVersioning::CheckDataApis() const {
  if (options_.data_apis) return hugo::Ok();
  return hugo::Error::From(
      "Worker versioning v0.1 (Version Set-based, deprecated) is disabled on this namespace.",
      errors::kPermissionDenied);
}

hugo::Result<hugo::Unit> BuildIdVersioning::CheckRuleApis() const {
  if (options_.rule_apis) return hugo::Ok();
  return hugo::Error::From(
      "Worker versioning v0.2 (Rules-based, deprecated) is disabled on this namespace.",
      errors::kPermissionDenied);
}

const TaskQueueVersioningRecord* BuildIdVersioning::Find(const std::string& namespace_id,
                                                         const std::string& task_queue) const {
  if (queues_.empty()) return nullptr;  // no queue versioned by build id: the common case
  auto found = queues_.find(View{namespace_id, task_queue});
  return found != queues_.end() ? &found->second.record : nullptr;
}

hugo::Result<hugo::Unit> BuildIdVersioning::Write(const Key& key,
                                                  const TaskQueueVersioningRecord& record) {
  auto found = queues_.find(key);
  const int64_t version = found != queues_.end() ? found->second.version : 0;
  persistence::KeyedRow row;
  row.namespace_id = key.first;
  row.id = key.second;
  row.version = version + 1;
  row.data = record.SerializeAsString();
  auto written = version == 0 ? store_->CreateConfig(row) : store_->UpdateConfig(row, version);
  if (written.IsFailure()) return written.Error();
  Entry& entry = queues_[key];
  entry.version = row.version;
  entry.record = record;
  if (options_.changed) options_.changed(key.first);
  return hugo::Ok();
}

hugo::Result<wf::UpdateWorkerBuildIdCompatibilityResponse> BuildIdVersioning::UpdateCompatibility(
    const std::string& namespace_id, const wf::UpdateWorkerBuildIdCompatibilityRequest& request) {
  auto enabled = CheckDataApis();
  if (enabled.IsFailure()) return enabled.Error();
  auto valid = ValidateCompatibilityUpdate(request, options_.build_id_size_max);
  if (valid.IsFailure()) return valid.Error();
  auto queue_ok = CheckTaskQueue(request.task_queue());
  if (queue_ok.IsFailure()) return queue_ok.Error();
  const Key key{namespace_id, request.task_queue()};
  const TaskQueueVersioningRecord* current = Find(namespace_id, request.task_queue());
  TaskQueueVersioningRecord record = current != nullptr ? *current : TaskQueueVersioningRecord();
  bool changed = false;
  auto applied = ApplyCompatibilityUpdate(record, request, ToTimestamp(options_.now()), &changed);
  if (applied.IsFailure()) return applied.Error();
  if (options_.sets_max > 0 && record.version_sets_size() > options_.sets_max) {
    return FailedPrecondition(
        "update would exceed number of compatible version sets permitted in namespace dynamic "
        "config (" +
        std::to_string(record.version_sets_size()) + "/" + std::to_string(options_.sets_max) + ")");
  }
  int build_ids = 0;
  for (const auto& set : record.version_sets()) build_ids += set.build_ids_size();
  if (options_.build_ids_max > 0 && build_ids > options_.build_ids_max) {
    return FailedPrecondition(
        "update would exceed number of build IDs permitted in namespace dynamic config (" +
        std::to_string(build_ids) + "/" + std::to_string(options_.build_ids_max) + ")");
  }
  if (changed) {
    auto written = Write(key, record);
    if (written.IsFailure()) return written.Error();
  }
  return hugo::Ok(wf::UpdateWorkerBuildIdCompatibilityResponse());
}

hugo::Result<wf::GetWorkerBuildIdCompatibilityResponse> BuildIdVersioning::GetCompatibility(
    const std::string& namespace_id,
    const wf::GetWorkerBuildIdCompatibilityRequest& request) const {
  auto enabled = CheckDataApis();
  if (enabled.IsFailure()) return enabled.Error();
  auto queue_ok = CheckTaskQueue(request.task_queue());
  if (queue_ok.IsFailure()) return queue_ok.Error();
  wf::GetWorkerBuildIdCompatibilityResponse response;
  const TaskQueueVersioningRecord* record = Find(namespace_id, request.task_queue());
  if (record == nullptr) return hugo::Ok(std::move(response));
  // The last max_sets sets (all when 0), oldest first.
  const int sets = record->version_sets_size();
  const int first =
      request.max_sets() > 0 && request.max_sets() < sets ? sets - request.max_sets() : 0;
  for (int i = first; i < sets; ++i) {
    auto* set = response.add_major_version_sets();
    for (const std::string& id : record->version_sets(i).build_ids()) set->add_build_ids(id);
  }
  return hugo::Ok(std::move(response));
}

wf::GetWorkerVersioningRulesResponse BuildIdVersioning::RulesResponse(
    const TaskQueueVersioningRecord& record) const {
  wf::GetWorkerVersioningRulesResponse response;
  for (const auto& rule : record.assignment_rules()) {
    auto* out = response.add_assignment_rules();
    *out->mutable_rule() = rule.rule();
    *out->mutable_create_time() = rule.create_time();
  }
  for (const auto& rule : record.redirect_rules()) {
    auto* out = response.add_compatible_redirect_rules();
    *out->mutable_rule() = rule.rule();
    *out->mutable_create_time() = rule.create_time();
  }
  response.set_conflict_token(ConflictToken(record.rules_revision()));
  return response;
}

hugo::Result<wf::GetWorkerVersioningRulesResponse> BuildIdVersioning::GetRules(
    const std::string& namespace_id, const wf::GetWorkerVersioningRulesRequest& request) const {
  auto enabled = CheckRuleApis();
  if (enabled.IsFailure()) return enabled.Error();
  auto queue_ok = CheckTaskQueue(request.task_queue());
  if (queue_ok.IsFailure()) return queue_ok.Error();
  const TaskQueueVersioningRecord* record = Find(namespace_id, request.task_queue());
  return hugo::Ok(RulesResponse(record != nullptr ? *record : TaskQueueVersioningRecord()));
}

hugo::Result<wf::UpdateWorkerVersioningRulesResponse> BuildIdVersioning::UpdateRules(
    const std::string& namespace_id, const wf::UpdateWorkerVersioningRulesRequest& request) {
  auto enabled = CheckRuleApis();
  if (enabled.IsFailure()) return enabled.Error();
  using Req = wf::UpdateWorkerVersioningRulesRequest;
  // reference: validateVersionRuleBuildId.
  auto check_size = [&](const std::string& id) -> hugo::Result<hugo::Unit> {
    if (id.size() > options_.build_id_size_max) {
      return InvalidArgument("BuildId must be <= " + std::to_string(options_.build_id_size_max) +
                             " characters, was " + std::to_string(id.size()));
    }
    return hugo::Ok();
  };
  hugo::Result<hugo::Unit> sized = hugo::Ok();
  switch (request.operation_case()) {
    case Req::kInsertAssignmentRule:
      sized = check_size(request.insert_assignment_rule().rule().target_build_id());
      break;
    case Req::kReplaceAssignmentRule:
      sized = check_size(request.replace_assignment_rule().rule().target_build_id());
      break;
    case Req::kAddCompatibleRedirectRule:
      sized = check_size(request.add_compatible_redirect_rule().rule().target_build_id());
      if (sized.IsSuccess()) {
        sized = check_size(request.add_compatible_redirect_rule().rule().source_build_id());
      }
      break;
    case Req::kReplaceCompatibleRedirectRule:
      sized = check_size(request.replace_compatible_redirect_rule().rule().target_build_id());
      break;
    case Req::kCommitBuildId:
      sized = check_size(request.commit_build_id().target_build_id());
      break;
    default:
      break;
  }
  if (sized.IsFailure()) return sized.Error();
  auto queue_ok = CheckTaskQueue(request.task_queue());
  if (queue_ok.IsFailure()) return queue_ok.Error();
  if (request.operation_case() == Req::OPERATION_NOT_SET) {
    return InvalidArgument("invalid operation: an operation to be specified");
  }
  const Key key{namespace_id, request.task_queue()};
  const TaskQueueVersioningRecord* current = Find(namespace_id, request.task_queue());
  TaskQueueVersioningRecord record = current != nullptr ? *current : TaskQueueVersioningRecord();
  const std::string token = ConflictToken(record.rules_revision());
  if (request.conflict_token() != token) {
    return FailedPrecondition("provided conflict token '" + GoBytes(request.conflict_token()) +
                              "' does not match existing one '" + GoBytes(token) + "'");
  }
  const google::protobuf::Timestamp now = ToTimestamp(options_.now());
  auto* assignment = record.mutable_assignment_rules();
  auto* redirect = record.mutable_redirect_rules();
  auto index_error = [&](int32_t index) {
    return InvalidArgument("rule index " + std::to_string(index) +
                           " is out of bounds for assignment rule list of length " +
                           std::to_string(assignment->size()));
  };
  const hugo::Error target_in_set = FailedPrecondition(
      "update breaks requirement, target build ID is already a member of a version set");
  const hugo::Error source_in_set = FailedPrecondition(
      "update breaks requirement, source build ID is already a member of a version set");
  const hugo::Error need_fully_ramped = FailedPrecondition(
      "at least one fully-ramped assignment rule must exist (use force=true to bypass this "
      "requirement and set the unversioned queue as the default)");
  const hugo::Error bad_ramp = InvalidArgument("ramp percentage must be in range [0, 100]");
  // reference: the fully ramped rules looked for include the deleted ones it keeps 14 days.
  constexpr auto kDeletedRuleRetention = std::chrono::hours(24 * 14);
  // An assignment rule's target: a valid ramp (none: 100 %), not in a version set, not both
  // partially ramped and a redirect rule's source.
  auto assignment_rule =
      [&](const tq::BuildIdAssignmentRule& given) -> hugo::Result<tq::BuildIdAssignmentRule> {
    if (!ValidRamp(given)) return bad_ramp;
    tq::BuildIdAssignmentRule rule = WithRamp(given);
    if (InVersionSets(record, rule.target_build_id())) return target_in_set;
    if (!FullyRamped(rule) && RedirectSource(record, rule.target_build_id())) {
      return FailedPrecondition(
          "update breaks requirement, this build ID cannot be the target of a "
          "partially-ramped assignment rule because it is the source of a redirect rule");
    }
    return hugo::Ok(std::move(rule));
  };
  auto within_assignment_limit = [&]() -> hugo::Result<hugo::Unit> {
    if (options_.assignment_rules_max > 0 && assignment->size() > options_.assignment_rules_max) {
      return FailedPrecondition(
          "update exceeds number of assignment rules permitted in "
          "namespace (" +
          std::to_string(assignment->size()) + "/" + std::to_string(options_.assignment_rules_max) +
          ")");
    }
    return hugo::Ok();
  };
  auto redirect_from = [&](const std::string& source) {
    return std::find_if(
        redirect->begin(), redirect->end(),
        [&](const BuildIdRedirectRuleRecord& r) { return r.rule().source_build_id() == source; });
  };
  const bool had_fully_ramped =
      ContainsFullyRamped(record) ||
      (record.has_fully_ramped_removed_time() &&
       options_.now() - std::chrono::system_clock::time_point(
                            std::chrono::seconds(record.fully_ramped_removed_time().seconds())) <
           kDeletedRuleRetention);
  // A fully ramped rule going away is remembered.
  auto removing = [&](const BuildIdAssignmentRuleRecord& rule) {
    if (FullyRamped(rule.rule())) *record.mutable_fully_ramped_removed_time() = now;
  };
  switch (request.operation_case()) {
    case Req::kInsertAssignmentRule: {
      const auto& insert = request.insert_assignment_rule();
      if (insert.rule_index() < 0) return InvalidArgument("rule index cannot be negative");
      auto rule = assignment_rule(insert.rule());
      if (rule.IsFailure()) return rule.Error();
      BuildIdAssignmentRuleRecord added;
      *added.mutable_rule() = std::move(rule).Value();
      *added.mutable_create_time() = now;
      const int at = std::min(insert.rule_index(), assignment->size());
      *assignment->Add() = std::move(added);
      for (int i = assignment->size() - 1; i > at; --i) assignment->SwapElements(i, i - 1);
      auto limited = within_assignment_limit();
      if (limited.IsFailure()) return limited.Error();
      break;
    }
    case Req::kReplaceAssignmentRule: {
      const auto& replace = request.replace_assignment_rule();
      auto rule = assignment_rule(replace.rule());
      if (rule.IsFailure()) return rule.Error();
      const int32_t index = replace.rule_index();
      if (index < 0 || index >= assignment->size()) return index_error(index);
      removing(assignment->Get(index));
      *assignment->Mutable(index)->mutable_rule() = std::move(rule).Value();
      *assignment->Mutable(index)->mutable_create_time() = now;
      if (had_fully_ramped && !replace.force() && !ContainsFullyRamped(record)) {
        return need_fully_ramped;
      }
      break;
    }
    case Req::kDeleteAssignmentRule: {
      const auto& remove = request.delete_assignment_rule();
      const int32_t index = remove.rule_index();
      if (index < 0 || index >= assignment->size()) return index_error(index);
      removing(assignment->Get(index));
      assignment->DeleteSubrange(index, 1);
      if (had_fully_ramped && !remove.force() && !ContainsFullyRamped(record)) {
        return need_fully_ramped;
      }
      break;
    }
    case Req::kAddCompatibleRedirectRule:
    case Req::kReplaceCompatibleRedirectRule: {
      const bool add = request.operation_case() == Req::kAddCompatibleRedirectRule;
      const tq::CompatibleBuildIdRedirectRule& rule =
          add ? request.add_compatible_redirect_rule().rule()
              : request.replace_compatible_redirect_rule().rule();
      const std::string& source = rule.source_build_id();
      if (rule.target_build_id().empty()) {
        return InvalidArgument("the unversioned build ID cannot be the target of a redirect rule");
      }
      if (InVersionSets(record, source)) return source_in_set;
      if (InVersionSets(record, rule.target_build_id())) return target_in_set;
      if (add && PartiallyRampedTarget(record, source)) {
        return FailedPrecondition(
            "redirect rule source build ID cannot be the target of any partially-ramped "
            "assignment rule");
      }
      auto existing = redirect_from(source);
      if (add && existing != redirect->end()) {
        return hugo::Error::From("source " + source + " already redirects to target " +
                                     existing->rule().target_build_id(),
                                 errors::kAlreadyExists);
      }
      if (!add && existing == redirect->end()) {
        return NotFound("no redirect rule found with source ID " + source);
      }
      if (!add) redirect->erase(existing);
      BuildIdRedirectRuleRecord added;
      *added.mutable_rule() = rule;
      *added.mutable_create_time() = now;
      *redirect->Add() = std::move(added);
      for (int i = redirect->size() - 1; i > 0; --i) redirect->SwapElements(i, i - 1);
      if (add && options_.redirect_rules_max > 0 &&
          redirect->size() > options_.redirect_rules_max) {
        return FailedPrecondition(
            "update exceeds number of redirect rules permitted in namespace (" +
            std::to_string(redirect->size()) + "/" + std::to_string(options_.redirect_rules_max) +
            ")");
      }
      if (Cyclic(record)) return FailedPrecondition("update would break acyclic requirement");
      for (const auto& r : *redirect) {
        std::set<std::string> upstream;
        CollectUpstream(record, r.rule().target_build_id(), &upstream);
        if (static_cast<int>(upstream.size()) > options_.upstream_build_ids_max) {
          return FailedPrecondition(
              "update exceeds number of upstream build ids permitted in namespace (" +
              std::to_string(upstream.size()) + "/" +
              std::to_string(options_.upstream_build_ids_max) + ")");
        }
      }
      break;
    }
    case Req::kDeleteCompatibleRedirectRule: {
      const std::string& source = request.delete_compatible_redirect_rule().source_build_id();
      auto existing = redirect_from(source);
      if (existing == redirect->end()) {
        return NotFound("no redirect rule found with source ID " + source);
      }
      redirect->erase(existing);
      break;
    }
    case Req::kCommitBuildId: {
      const auto& commit = request.commit_build_id();
      const std::string& target = commit.target_build_id();
      const bool recent = options_.recent_poller &&
                          options_.recent_poller(namespace_id, request.task_queue(), target);
      if (!recent && !commit.force()) {
        return FailedPrecondition("no versioned poller with build ID '" + target +
                                  "' seen within the last 1m10s, use force=true to commit anyways");
      }
      if (InVersionSets(record, target)) return target_in_set;
      // Every rule to the target and every fully ramped rule goes; one fully ramped rule to the
      // target is added last.
      TaskQueueVersioningRecord kept;
      for (const auto& rule : *assignment) {
        if (rule.rule().target_build_id() != target && !FullyRamped(rule.rule())) {
          *kept.add_assignment_rules() = rule;
        } else {
          removing(rule);
        }
      }
      assignment->Swap(kept.mutable_assignment_rules());
      auto* added = assignment->Add();
      added->mutable_rule()->set_target_build_id(target);
      added->mutable_rule()->mutable_percentage_ramp()->set_ramp_percentage(100);
      *added->mutable_create_time() = now;
      auto limited = within_assignment_limit();
      if (limited.IsFailure()) return limited.Error();
      break;
    }
    case Req::OPERATION_NOT_SET:
      break;
  }
  record.set_rules_revision(record.rules_revision() + 1);
  auto written = Write(key, record);
  if (written.IsFailure()) return written.Error();
  wf::GetWorkerVersioningRulesResponse rules = RulesResponse(record);
  wf::UpdateWorkerVersioningRulesResponse response;
  response.mutable_assignment_rules()->Swap(rules.mutable_assignment_rules());
  response.mutable_compatible_redirect_rules()->Swap(rules.mutable_compatible_redirect_rules());
  response.set_conflict_token(rules.conflict_token());
  return hugo::Ok(std::move(response));
}

// --- routing

std::string BuildIdVersioning::BuildIdKey(const std::string& build_id) {
  return std::string(1, kKeyMark) + "b" + build_id;
}

std::string BuildIdVersioning::SetKey(const std::string& first_build_id) {
  return std::string(1, kKeyMark) + "s" + first_build_id;
}

bool BuildIdVersioning::IsKey(const std::string& key) { return !key.empty() && key[0] == kKeyMark; }

std::string BuildIdVersioning::RunDirective(const std::string& run_build_id,
                                            bool completed_a_task) {
  if (!run_build_id.empty()) return "=" + run_build_id;
  return completed_a_task ? std::string() : std::string("*");
}

bool BuildIdVersioning::Versioned(const std::string& namespace_id,
                                  const std::string& task_queue) const {
  const TaskQueueVersioningRecord* record = Find(namespace_id, task_queue);
  return record != nullptr &&
         (record->version_sets_size() > 0 || record->assignment_rules_size() > 0 ||
          record->redirect_rules_size() > 0);
}

hugo::Result<std::string> BuildIdVersioning::PollerKey(const std::string& namespace_id,
                                                       const std::string& task_queue,
                                                       const std::string& build_id) const {
  const TaskQueueVersioningRecord* record = Find(namespace_id, task_queue);
  if (record == nullptr) return hugo::Ok(BuildIdKey(build_id));
  auto [set, index] = FindBuildId(*record, build_id);
  if (set >= 0) {
    const auto& ids = record->version_sets(set).build_ids();
    // Only a set's default takes its tasks (reference: NewerBuildExists).
    if (index != ids.size() - 1) return NewerBuildExists(ids[ids.size() - 1]);
    return hugo::Ok(SetKey(ids[0]));
  }
  const std::string terminal = Redirected(*record, build_id);
  if (terminal != build_id) return NewerBuildExists(terminal);
  return hugo::Ok(BuildIdKey(build_id));
}

std::string BuildIdVersioning::Route(const std::string& namespace_id, const std::string& task_queue,
                                     const std::string& directive,
                                     const std::string& run_id) const {
  if (directive.empty()) return std::string();
  const TaskQueueVersioningRecord* record = Find(namespace_id, task_queue);
  if (record == nullptr) {
    // Nothing set on the queue: a new run is unversioned, a run keeps its build id.
    return directive == "*" ? std::string() : BuildIdKey(directive.substr(1));
  }
  const TaskQueueVersioningRecord empty;
  const TaskQueueVersioningRecord& data = record != nullptr ? *record : empty;
  std::string build_id;
  if (directive == "*") {
    build_id = Assigned(data, run_id);
    if (build_id.empty()) {
      // No rule takes it: the default set, else unversioned.
      if (data.version_sets_size() == 0) return std::string();
      return SetKey(data.version_sets(data.version_sets_size() - 1).build_ids(0));
    }
  } else {
    build_id = directive.substr(1);
    const int set = FindBuildId(data, build_id).first;
    if (set >= 0) return SetKey(data.version_sets(set).build_ids(0));
  }
  return BuildIdKey(Redirected(data, build_id));
}

// --- reachability

bool BuildIdVersioning::TakesNewWorkflows(const std::string& namespace_id,
                                          const std::string& task_queue,
                                          const std::string& build_id) const {
  const TaskQueueVersioningRecord* record = Find(namespace_id, task_queue);
  if (record == nullptr) return build_id.empty();
  for (const auto& rule : record->assignment_rules()) {
    if (rule.rule().target_build_id() == build_id) return true;
    if (FullyRamped(rule.rule())) return false;  // the rules below it take nothing
  }
  if (record->version_sets_size() > 0) {
    const auto& ids = record->version_sets(record->version_sets_size() - 1).build_ids();
    return ids[ids.size() - 1] == build_id;
  }
  return build_id.empty();
}

std::vector<std::string> BuildIdVersioning::Upstream(const std::string& namespace_id,
                                                     const std::string& task_queue,
                                                     const std::string& build_id) const {
  std::set<std::string> ids = {build_id};
  const TaskQueueVersioningRecord* record = Find(namespace_id, task_queue);
  if (record != nullptr) {
    const int set = FindBuildId(*record, build_id).first;
    if (set >= 0) {
      for (const std::string& id : record->version_sets(set).build_ids()) ids.insert(id);
    }
    CollectUpstream(*record, build_id, &ids);
  }
  return std::vector<std::string>(ids.begin(), ids.end());
}

bool BuildIdVersioning::InSetNotDefault(const std::string& namespace_id,
                                        const std::string& task_queue,
                                        const std::string& build_id) const {
  const TaskQueueVersioningRecord* record = Find(namespace_id, task_queue);
  if (record == nullptr) return false;
  auto [set, index] = FindBuildId(*record, build_id);
  return set >= 0 && index != record->version_sets(set).build_ids_size() - 1;
}

BuildIdVersioning::SetReachabilityInfo BuildIdVersioning::SetReachability(
    const std::string& namespace_id, const std::string& task_queue,
    const std::string& build_id) const {
  // reference: frontend.reachabilityQuerySetDurationSinceDefault.
  constexpr auto kRecentDefault = std::chrono::minutes(5);
  const TaskQueueVersioningRecord* record = Find(namespace_id, task_queue);
  const TaskQueueVersioningRecord empty;
  const TaskQueueVersioningRecord& data = record != nullptr ? *record : empty;
  const auto now = options_.now();
  auto recent = [&](const google::protobuf::Timestamp& since) {
    const auto at = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(since.seconds()) + std::chrono::nanoseconds(since.nanos())));
    return now - at < kRecentDefault;
  };
  SetReachabilityInfo info;
  if (build_id.empty()) {
    info.reachable = true;
    info.default_in_queue = data.version_sets_size() == 0;
    info.new_workflows = info.default_in_queue;
    if (!info.new_workflows) {
      // The queue became versioned recently: new runs may still have been routed unversioned.
      google::protobuf::Timestamp first = data.version_sets(0).became_default_time();
      for (const auto& set : data.version_sets()) {
        if (set.became_default_time().seconds() < first.seconds())
          first = set.became_default_time();
      }
      info.new_workflows = recent(first);
    }
    return info;
  }
  auto [set, index] = FindBuildId(data, build_id);
  if (set < 0 || index != data.version_sets(set).build_ids_size() - 1) return info;
  info.reachable = true;
  info.default_in_queue = set == data.version_sets_size() - 1;
  info.new_workflows =
      info.default_in_queue || recent(data.version_sets(set).became_default_time());
  info.counted_build_ids.assign(data.version_sets(set).build_ids().begin(),
                                data.version_sets(set).build_ids().end());
  return info;
}

std::vector<std::string> BuildIdVersioning::QueuesWith(const std::string& namespace_id,
                                                       const std::string& build_id) const {
  std::vector<std::string> queues;
  for (auto it = queues_.lower_bound(View{namespace_id, ""});
       it != queues_.end() && it->first.first == namespace_id; ++it) {
    if (InVersionSets(it->second.record, build_id)) queues.push_back(it->first.second);
  }
  return queues;
}

}  // namespace hdo::frontend
