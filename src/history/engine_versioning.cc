// Worker versioning (worker deployments) in history: a run's behavior and version as its workers
// report them, overrides, transitions, inheritance, the routing directive of its tasks, and what
// Describe and visibility show. The reference's rules (temporalio/temporal v1.29
// service/history/workflow/util.go, mutable_state_impl.go, workflow_task_state_machine.go,
// api/updateworkflowoptions; docs/architecture/versioning.md):
//
// - effective behavior: a pending transition makes a run AUTO_UPGRADE; else an override decides
//   (a one-time override acts as PINNED to its target until a task completes there); else the
//   behavior the last completing worker reported.
// - effective version: the transition's target; else a pinned (or one-time) override's version;
//   else the stored version of a versioned run.
// - a PINNED run's tasks go to its version's workers only; the others follow their queue's
//   routing (current / ramping version), evaluated when the task is handed out.
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/error_codes.h"
#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/time_util.h"

namespace hdo::history {
namespace {

namespace deployment = temporal::api::deployment::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
namespace workflow = temporal::api::workflow::v1;
namespace wf = temporal::api::workflowservice::v1;
using internal::InvalidArgument;
using internal::IsRunning;
using internal::NotFound;
using internal::TaskOf;
using persistence::v1::MutableState;
using persistence::v1::TransferTask;

std::string Key(const deployment::WorkerDeploymentVersion& version) {
  if (version.deployment_name().empty() && version.build_id().empty()) return std::string();
  return version.deployment_name() + "." + version.build_id();
}

// The search attributes' form: "<deployment>:<build id>".
std::string ColonKey(const deployment::WorkerDeploymentVersion& version) {
  return version.deployment_name() + ":" + version.build_id();
}

std::optional<deployment::WorkerDeploymentVersion> FromKey(std::string_view key) {
  if (key.empty() || key == "__unversioned__") return std::nullopt;
  const size_t split = key.find_first_of(".:");
  if (split == std::string_view::npos || split == 0 || split + 1 == key.size()) {
    return std::nullopt;
  }
  deployment::WorkerDeploymentVersion version;
  version.set_deployment_name(std::string(key.substr(0, split)));
  version.set_build_id(std::string(key.substr(split + 1)));
  return version;
}

enums::VersioningBehavior EffectiveBehavior(const MutableState& state) {
  if (!state.has_versioning_info()) return enums::VERSIONING_BEHAVIOR_UNSPECIFIED;
  const auto& info = state.versioning_info();
  if (info.has_version_transition()) return enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE;
  const auto& override_ = info.versioning_override();
  if (override_.has_pinned() || override_.has_one_time()) return enums::VERSIONING_BEHAVIOR_PINNED;
  if (override_.auto_upgrade()) return enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE;
  return info.behavior();
}

bool SameVersion(const deployment::WorkerDeploymentVersion& a,
                 const deployment::WorkerDeploymentVersion& b) {
  return a.deployment_name() == b.deployment_name() && a.build_id() == b.build_id();
}

}  // namespace

std::string Engine::EffectiveVersion(const MutableState& state) {
  if (!state.has_versioning_info()) return std::string();
  const auto& info = state.versioning_info();
  if (info.has_version_transition()) return Key(info.version_transition().deployment_version());
  const auto& override_ = info.versioning_override();
  if (override_.has_pinned()) return Key(override_.pinned().version());
  if (override_.has_one_time()) return Key(override_.one_time().target_deployment_version());
  if (EffectiveBehavior(state) != enums::VERSIONING_BEHAVIOR_UNSPECIFIED ||
      override_.auto_upgrade()) {
    return Key(info.deployment_version());
  }
  return std::string();
}

std::string Engine::PinnedVersion(const MutableState& state) {
  if (EffectiveBehavior(state) != enums::VERSIONING_BEHAVIOR_PINNED) return std::string();
  return EffectiveVersion(state);
}

void Engine::StampVersioning(const MutableState& state, TransferTask& transfer,
                             bool workflow_task) {
  if (state.has_versioning_info()) transfer.set_pinned_version(PinnedVersion(state));
  if (workflow_task && state.use_ramping_version()) transfer.set_use_ramping_version(true);
  transfer.set_build_id_directive(BuildIdDirective(state));
}

std::string Engine::BuildIdDirective(const MutableState& state) {
  // Only runs that have a build id, or may still be given one, are routed by build id.
  if (!state.versioned_build_id().empty()) return "=" + state.versioned_build_id();
  return state.last_completed_workflow_task_started_event_id() == 0 ? "*" : "";
}

bool Engine::StickyUsable(const MutableState& state) const {
  // Build-id versioning: a run with a build id keeps its sticky worker (of that build id) while
  // that build id takes its tasks; one not given one yet on a queue with sets or rules goes
  // through its assignment.
  if (!state.versioned_build_id().empty()) {
    if (options_.build_id_current &&
        !options_.build_id_current(state.namespace_id(), state.task_queue(),
                                   state.versioned_build_id())) {
      return false;
    }
  } else if (state.last_completed_workflow_task_started_event_id() == 0 &&
             options_.build_id_versioned &&
             options_.build_id_versioned(state.namespace_id(), state.task_queue())) {
    return false;
  }
  if (!options_.route) return true;
  if (state.has_versioning_info() && state.versioning_info().has_version_transition()) {
    return false;
  }
  const std::string pinned = PinnedVersion(state);
  if (!pinned.empty()) return true;
  // A run that follows the routing keeps its sticky worker while the routing still names that
  // worker's version.
  return options_.route(state.namespace_id(), state.task_queue(), true, state.workflow_id(), "",
                        state.use_ramping_version()) == EffectiveVersion(state);
}

bool Engine::InlineTaskRoutable(const MutableState& state) const { return StickyUsable(state); }

void Engine::NoteVersionOnStart(Mutation& m, const matching::Poller& poller,
                                hist::WorkflowTaskStartedEventAttributes* started) {
  MutableState& state = m.run.state;
  if (!poller.build_id.empty()) {
    // A build-id worker starting the first task of a run not given a build id gives it its own
    // (reference: the assigned build id); the run's next tasks go to that build id's queue.
    if (state.versioned_build_id().empty() &&
        state.last_completed_workflow_task_started_event_id() == 0) {
      state.set_versioned_build_id(poller.build_id);
      m.visibility_changed = true;
    }
    return;
  }
  if (!options_.route) return;
  const std::string pinned = PinnedVersion(state);
  if (!pinned.empty()) {
    // A pinned run (no override) whose queue's routing names another version: the worker may
    // continue-as-new onto it (GetTargetWorkerDeploymentVersionChanged).
    if (started != nullptr && !state.versioning_info().has_versioning_override() &&
        options_.route(state.namespace_id(), state.task_queue(), true, state.workflow_id(), "",
                       false) != pinned) {
      started->set_target_worker_deployment_version_changed(true);
    }
    return;
  }
  // A worker's own sticky queue, or the completing worker taking the next task in its reply: the
  // run stays where it is.
  if (poller.sticky || poller.holds_run) return;
  if (poller.version == EffectiveVersion(state)) return;
  // Another version's worker took the task of a run that follows the routing: the run moves there
  // once that worker completes it; until then its next tasks go through matching, not sticky.
  auto* info = state.mutable_versioning_info();
  auto* transition = info->mutable_version_transition();
  transition->Clear();
  if (auto target = FromKey(poller.version)) *transition->mutable_deployment_version() = *target;
  state.clear_sticky_task_queue();
  state.clear_sticky_schedule_to_start_timeout();
  m.visibility_changed = true;
}

void Engine::ApplyCompletedVersioning(Mutation& m,
                                      const wf::RespondWorkflowTaskCompletedRequest& request) {
  MutableState& state = m.run.state;
  const auto& options = request.deployment_options();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  // Build-id versioning: the build id a build-id worker completing the task stamped is the run's
  // from now on (within its set, or a redirect rule's target).
  const auto& stamp = request.worker_version_stamp();
  if (stamp.use_versioning() && !stamp.build_id().empty() &&
      options.worker_versioning_mode() != enums::WORKER_VERSIONING_MODE_VERSIONED &&
      stamp.build_id() != state.versioned_build_id()) {
    state.set_versioned_build_id(stamp.build_id());
    m.visibility_changed = true;
  }
#pragma GCC diagnostic pop
  const bool versioned =
      options.worker_versioning_mode() == enums::WORKER_VERSIONING_MODE_VERSIONED &&
      !options.deployment_name().empty() && !options.build_id().empty();
  if (!versioned && !state.has_versioning_info()) return;
  const std::string before_version = EffectiveVersion(state);
  const enums::VersioningBehavior before_behavior = EffectiveBehavior(state);
  auto* info = state.mutable_versioning_info();
  deployment::WorkerDeploymentVersion completed;
  if (versioned) {
    completed.set_deployment_name(options.deployment_name());
    completed.set_build_id(options.build_id());
    state.set_worker_deployment_name(options.deployment_name());
  }
  bool transition_completed = false;
  if (info->has_version_transition() &&
      SameVersion(info->version_transition().deployment_version(), completed)) {
    info->clear_version_transition();
    transition_completed = true;
  }
  // A one-time override is spent once a task completed on its target.
  if (info->versioning_override().has_one_time() &&
      SameVersion(info->versioning_override().one_time().target_deployment_version(), completed)) {
    info->clear_versioning_override();
  }
  const enums::VersioningBehavior behavior =
      versioned ? request.versioning_behavior() : enums::VERSIONING_BEHAVIOR_UNSPECIFIED;
  info->set_behavior(behavior);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (behavior == enums::VERSIONING_BEHAVIOR_UNSPECIFIED) {
    info->clear_deployment_version();
    info->clear_version();
  } else {
    *info->mutable_deployment_version() = completed;
    info->set_version(Key(completed));
  }
#pragma GCC diagnostic pop
  state.set_use_ramping_version(false);
  if (transition_completed || before_version != EffectiveVersion(state) ||
      before_behavior != EffectiveBehavior(state)) {
    // Activities not yet started go out again with the run's new directive (those held back
    // while the run moved to this version among them).
    ResendUnstartedActivities(m);
  }
  m.visibility_changed = true;
}

void Engine::ResendUnstartedActivities(Mutation& m) {
  const MutableState& state = m.run.state;
  for (const auto& [scheduled_id, activity] : state.activities()) {
    if (activity.started() || activity.paused() || activity.retry_pending()) continue;
    TransferTask transfer = TaskOf(state, TransferTask::KIND_ACTIVITY_TASK);
    transfer.set_task_queue(activity.task_queue());
    transfer.set_scheduled_event_id(activity.scheduled_event_id());
    transfer.set_attempt(activity.attempt());
    transfer.set_stamp(activity.stamp());
    StampVersioning(state, transfer, false);
    m.transfer.push_back(std::move(transfer));
  }
}

hugo::Result<workflow::VersioningOverride> Engine::NormalizeVersioningOverride(
    const workflow::VersioningOverride& override_) {
  workflow::VersioningOverride normalized;
  if (override_.auto_upgrade()) {
    normalized.set_auto_upgrade(true);
    return hugo::Ok(std::move(normalized));
  }
  if (override_.has_pinned()) {
    if (!override_.pinned().has_version()) {
      return InvalidArgument("must provide version if override is pinned.");
    }
    if (override_.pinned().behavior() ==
        workflow::VersioningOverride::PINNED_OVERRIDE_BEHAVIOR_UNSPECIFIED) {
      return InvalidArgument("must specify pinned override behavior if override is pinned.");
    }
    *normalized.mutable_pinned() = override_.pinned();
    return hugo::Ok(std::move(normalized));
  }
  if (override_.has_one_time()) {
    if (!override_.one_time().has_target_deployment_version()) {
      return InvalidArgument("must provide target deployment version if override is one-time.");
    }
    *normalized.mutable_one_time() = override_.one_time();
    return hugo::Ok(std::move(normalized));
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  switch (override_.behavior()) {
    case enums::VERSIONING_BEHAVIOR_PINNED: {
      deployment::WorkerDeploymentVersion version;
      if (override_.has_deployment()) {
        const auto& d = override_.deployment();
        if (d.series_name().empty()) return InvalidArgument("deployment name cannot be empty");
        if (d.series_name().find_first_of(".:") != std::string::npos) {
          return InvalidArgument("deployment name cannot contain '.' or ':'");
        }
        if (d.build_id().empty()) return InvalidArgument("deployment build ID cannot be empty");
        version.set_deployment_name(d.series_name());
        version.set_build_id(d.build_id());
      } else if (!override_.pinned_version().empty()) {
        auto parsed = FromKey(override_.pinned_version());
        if (!parsed.has_value()) {
          return InvalidArgument("invalid version string \"" + override_.pinned_version() +
                                 "\", expected format is \"<deployment_name>.<build_id>\"");
        }
        version = *parsed;
      } else {
        return InvalidArgument(
            "must provide deployment (deprecated) or pinned version if behavior is 'PINNED'");
      }
      auto* pinned = normalized.mutable_pinned();
      pinned->set_behavior(workflow::VersioningOverride::PINNED_OVERRIDE_BEHAVIOR_PINNED);
      *pinned->mutable_version() = version;
      return hugo::Ok(std::move(normalized));
    }
    case enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE:
      if (override_.has_deployment()) {
        return InvalidArgument("only provide deployment if behavior is 'PINNED'");
      }
      if (!override_.pinned_version().empty()) {
        return InvalidArgument("only provide pinned version if behavior is 'PINNED'");
      }
      normalized.set_auto_upgrade(true);
      return hugo::Ok(std::move(normalized));
    case enums::VERSIONING_BEHAVIOR_UNSPECIFIED:
      return InvalidArgument("override behavior is required");
    default:
      return InvalidArgument("override behavior " + std::to_string(override_.behavior()) +
                             " not recognized");
  }
#pragma GCC diagnostic pop
}

hugo::Result<hugo::Unit> Engine::ApplyStartVersioning(
    Mutation& m, const NewRun& spec, hist::WorkflowExecutionStartedEventAttributes* started) {
  MutableState& state = m.run.state;
  const auto& request = spec.request;
  if (request.has_versioning_override()) {
    auto normalized = NormalizeVersioningOverride(request.versioning_override());
    if (normalized.IsFailure()) return normalized.Error();
    auto* info = state.mutable_versioning_info();
    *info->mutable_versioning_override() = normalized.Value();
    *started->mutable_versioning_override() = normalized.Value();
    if (normalized.Value().has_pinned()) {
      state.set_worker_deployment_name(normalized.Value().pinned().version().deployment_name());
    }
  }
  if (spec.inherited_pinned_version.has_value()) {
    auto* info = state.mutable_versioning_info();
    info->set_behavior(enums::VERSIONING_BEHAVIOR_PINNED);
    *info->mutable_deployment_version() = *spec.inherited_pinned_version;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    info->set_version(Key(*spec.inherited_pinned_version));
#pragma GCC diagnostic pop
    *started->mutable_inherited_pinned_version() = *spec.inherited_pinned_version;
  }
  if (spec.use_ramping_version) state.set_use_ramping_version(true);
  if (!spec.inherited_build_id.empty()) {
    state.set_versioned_build_id(spec.inherited_build_id);
    state.set_inherited_build_id(spec.inherited_build_id);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    started->set_inherited_build_id(spec.inherited_build_id);
#pragma GCC diagnostic pop
  }
  return hugo::Ok();
}

std::optional<deployment::WorkerDeploymentVersion> Engine::InheritedPinnedVersion(
    const MutableState& state, const std::string& task_queue) const {
  const std::string pinned = PinnedVersion(state);
  if (pinned.empty()) return std::nullopt;
  if (task_queue != state.task_queue() &&
      !(options_.version_has_queue &&
        options_.version_has_queue(state.namespace_id(), pinned, task_queue))) {
    return std::nullopt;
  }
  return FromKey(pinned);
}

hugo::Result<wf::UpdateWorkflowExecutionOptionsResponse> Engine::UpdateWorkflowExecutionOptions(
    const std::string& namespace_id, const wf::UpdateWorkflowExecutionOptionsRequest& request) {
  if (!request.has_workflow_execution_options()) {
    return InvalidArgument("WorkflowExecutionOptions is required");
  }
  if (!request.has_update_mask()) return InvalidArgument("UpdateMask is required");
  bool override_path = false;
  bool priority_path = false;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "versioning_override" || path == "versioningOverride") {
      override_path = true;
    } else if (path == "priority") {
      priority_path = true;
    } else if (path == "versioning_override.deployment" || path == "versioning_override.behavior") {
      return InvalidArgument("versioning_override fields must be updated together");
    } else {
      return InvalidArgument("error applying update_options: invalid path: " + path);
    }
  }
  const auto& options = request.workflow_execution_options();
  std::optional<workflow::VersioningOverride> normalized;
  if (override_path && options.has_versioning_override()) {
    auto checked = NormalizeVersioningOverride(options.versioning_override());
    if (checked.IsFailure()) return checked.Error();
    normalized = std::move(checked).Value();
  }
  auto begun = BeginExecution(namespace_id, request.workflow_execution());
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  if (!IsRunning(state)) return NotFound("workflow execution already completed");
  wf::UpdateWorkflowExecutionOptionsResponse response;
  auto* merged = response.mutable_workflow_execution_options();
  if (state.has_versioning_info() && state.versioning_info().has_versioning_override()) {
    *merged->mutable_versioning_override() = state.versioning_info().versioning_override();
  }
  if (state.has_priority()) *merged->mutable_priority() = state.priority();
  bool changed = false;
  hist::HistoryEvent event;
  auto* updated = event.mutable_workflow_execution_options_updated_event_attributes();
  if (override_path) {
    const bool had =
        state.has_versioning_info() && state.versioning_info().has_versioning_override();
    const bool same = normalized.has_value() && had &&
                      normalized->SerializeAsString() ==
                          state.versioning_info().versioning_override().SerializeAsString();
    if (normalized.has_value()) {
      *merged->mutable_versioning_override() = options.versioning_override();
    } else {
      merged->clear_versioning_override();
    }
    if (!same && (had || normalized.has_value())) {
      changed = true;
      const std::string before_version = EffectiveVersion(state);
      const auto before_behavior = EffectiveBehavior(state);
      auto* info = state.mutable_versioning_info();
      if (normalized.has_value()) {
        *info->mutable_versioning_override() = *normalized;
        *updated->mutable_versioning_override() = options.versioning_override();
        if (normalized->has_pinned()) {
          state.set_worker_deployment_name(normalized->pinned().version().deployment_name());
        }
      } else {
        info->clear_versioning_override();
        updated->set_unset_versioning_override(true);
        state.set_worker_deployment_name(info->deployment_version().deployment_name());
      }
      if (before_version != EffectiveVersion(state) ||
          before_behavior != EffectiveBehavior(state)) {
        info->clear_version_transition();
        state.clear_sticky_task_queue();
        state.clear_sticky_schedule_to_start_timeout();
        // A scheduled task not yet started goes out again with the new directive.
        const auto& task = state.workflow_task();
        if (state.has_workflow_task() && task.started_event_id() == 0 && !task.speculative()) {
          TransferTask transfer = TaskOf(state, TransferTask::KIND_WORKFLOW_TASK);
          transfer.set_task_queue(state.task_queue());
          transfer.set_scheduled_event_id(task.scheduled_event_id());
          transfer.set_attempt(task.attempt());
          StampVersioning(state, transfer, true);
          state.mutable_workflow_task()->set_sticky(false);
          state.mutable_workflow_task()->set_task_queue(state.task_queue());
          m.transfer.push_back(std::move(transfer));
        }
      }
      ResendUnstartedActivities(m);
    }
  }
  if (priority_path) {
    const bool same =
        options.priority().SerializeAsString() == state.priority().SerializeAsString();
    *merged->mutable_priority() = options.priority();
    if (!same) {
      changed = true;
      *state.mutable_priority() = options.priority();
      *updated->mutable_priority() = options.priority();
    }
  }
  *response.mutable_update_time() = now_();
  if (!changed) return hugo::Ok(std::move(response));
  updated->set_identity(request.identity());
  auto* appended = AppendOrBuffer(m, enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);
  appended->set_worker_may_ignore(true);
  *appended->mutable_workflow_execution_options_updated_event_attributes() = *updated;
  m.visibility_changed = true;
  auto committed = Commit(m);
  if (committed.IsFailure()) return committed.Error();
  return hugo::Ok(std::move(response));
}

void Engine::AddVersioningAttributes(const MutableState& state,
                                     persistence::VisibilityRecord& record) {
  // Build-id versioning (a run with a build id and no deployment): only BuildIds.
  const bool build_id_run = !state.versioned_build_id().empty() && !state.has_versioning_info();
  if (!build_id_run && !state.has_versioning_info()) return;
  nlohmann::json merged =
      nlohmann::json::parse(record.search_attributes, nullptr, /*allow_exceptions=*/false);
  if (!merged.is_object()) merged = nlohmann::json::object();
  temporal::api::common::v1::SearchAttributes payloads;
  if (!record.search_attributes_payloads.empty()) {
    payloads.ParseFromString(record.search_attributes_payloads);
  }
  auto put = [&](const char* name, nlohmann::json value, const char* type) {
    merged[name] = value;
    auto& payload = (*payloads.mutable_indexed_fields())[name];
    (*payload.mutable_metadata())["encoding"] = "json/plain";
    (*payload.mutable_metadata())["type"] = type;
    payload.set_data(value.dump());
  };
  if (build_id_run) {
    // The reference's markers of the run's build id ("assigned:<id>") and of the build id its
    // tasks last completed on ("versioned:<id>"), which reachability counts.
    put("BuildIds",
        nlohmann::json::array(
            {"assigned:" + state.versioned_build_id(), "versioned:" + state.versioned_build_id()}),
        "KeywordList");
  } else {
    const auto& info = state.versioning_info();
    const auto& override_ = info.versioning_override();
    std::string deployment_name = state.worker_deployment_name();
    std::string version;
    enums::VersioningBehavior behavior = info.behavior();
    if (override_.has_pinned()) {
      deployment_name = override_.pinned().version().deployment_name();
      version = ColonKey(override_.pinned().version());
      behavior = enums::VERSIONING_BEHAVIOR_PINNED;
    } else if (override_.has_one_time()) {
      version = ColonKey(override_.one_time().target_deployment_version());
      behavior = enums::VERSIONING_BEHAVIOR_PINNED;
    } else {
      if (override_.auto_upgrade()) behavior = enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE;
      if (info.has_deployment_version()) version = ColonKey(info.deployment_version());
    }
    if (!deployment_name.empty()) put("TemporalWorkerDeployment", deployment_name, "Keyword");
    if (!version.empty()) put("TemporalWorkerDeploymentVersion", version, "Keyword");
    const char* behavior_text = behavior == enums::VERSIONING_BEHAVIOR_PINNED ? "Pinned"
                                : behavior == enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE
                                    ? "AutoUpgrade"
                                    : "";
    if (*behavior_text != '\0') {
      put("TemporalWorkflowVersioningBehavior", behavior_text, "Keyword");
    }
    // BuildIds: the reference's markers ("pinned:<dep>:<build>" for a pinned run, which the
    // drainage count looks for; "versioned:<build>" of the last completing worker;
    // "unversioned").
    nlohmann::json build_ids = nlohmann::json::array();
    if (behavior == enums::VERSIONING_BEHAVIOR_PINNED && !version.empty()) {
      build_ids.push_back("pinned:" + version);
    }
    if (info.has_deployment_version()) {
      build_ids.push_back("versioned:" + info.deployment_version().build_id());
    } else if (behavior == enums::VERSIONING_BEHAVIOR_UNSPECIFIED) {
      build_ids.push_back("unversioned");
    }
    put("BuildIds", build_ids, "KeywordList");
  }
  record.search_attributes = merged.dump();
  record.search_attributes_payloads = payloads.SerializeAsString();
}

}  // namespace hdo::history
