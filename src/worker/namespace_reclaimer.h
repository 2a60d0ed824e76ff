// The removal of a deleted namespace's resources, once OperatorService DeleteNamespace marked it
// DELETED and renamed it (frontend::NamespaceHandler::MarkDeleted): its schedules deleted and its
// running batch jobs stopped, every run of every division (workflows, standalone activities,
// standalone Nexus operations) removed through the engine's deletes (a running one terminated
// first), then its custom search attributes and its record. Reference:
// service/worker/deletenamespace (the reclaimresources and deleteexecutions workflows, which
// delete each execution through history's DeleteWorkflowExecution, then the namespace).
//
// The retention sweep (worker/retention.h) drives it, a bounded turn at a time, for every
// namespace whose record says DELETED: a restart resumes where the store says it was.
//
// Owned by the server. Not thread-safe: every call runs on the engine thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "history/engine.h"
#include "hugo/result.h"
#include "persistence/visibility_store.h"

namespace hdo::worker {

class NamespaceReclaimer {
 public:
  struct Hooks {
    // Deletes the namespace's schedules and stops its running batch jobs (they would start or
    // change runs while these go).
    std::function<hugo::Result<hugo::Unit>(const std::string& namespace_id)> stop_automation;
    // Removes the namespace's custom search attributes and its record, and what caches them.
    std::function<hugo::Result<hugo::Unit>(const std::string& namespace_id)> remove_namespace;
  };

  // `visibility` and `engine` outlive this.
  NamespaceReclaimer(persistence::VisibilityStore* visibility, history::Engine* engine,
                     Hooks hooks);

  // One turn: at most `batch` runs of the namespace removed (counted in `removed`); once none is
  // left, the namespace itself. True when the namespace is gone.
  hugo::Result<bool> Turn(const std::string& namespace_id, int batch, int64_t& removed);

 private:
  persistence::VisibilityStore* visibility_;
  history::Engine* engine_;
  Hooks hooks_;
};

}  // namespace hdo::worker
