// hdo::Replayer: replays recorded histories against the registered workflow code and reports
// non-determinism: the first history event and the command that differ (error code
// hdo.nondeterminism). Histories come as protos or as the JSON that
// `temporal workflow show -o json` (and the Temporal UI's download) writes.
//
//   hdo::Replayer replayer;
//   replayer.RegisterWorkflow("Greeting", &Greeting);
//   hugo::Result<hugo::Unit> ok = replayer.ReplayFile("histories/greeting.json");
//
// hdo/testing/replay.h has a GoogleTest helper that replays every history of a folder.
//
// Owner: the caller. Thread safety: register first; Replay* may then run on several threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hdo/codec.h"
#include "hdo/interceptor.h"
#include "hdo/workflow.h"
#include "temporal/api/history/v1/message.pb.h"

namespace hdo {

class Replayer {
 public:
  Replayer();

  template <class F>
  void RegisterWorkflow(std::string workflow_type, F fn) {
    workflows_->Register(std::move(workflow_type), std::move(fn));
  }
  // Local activities are not run on replay (their markers give the results); nothing to register.

  // The codecs the workers that wrote the histories used (ConnectionOptions::codecs): replayed
  // histories are decoded with them first.
  void SetCodecs(PayloadCodecs codecs) { codecs_ = std::move(codecs); }
  // The context propagators the workers used (ConnectionOptions::context_propagators): workflow
  // code that reads its context values replays as it ran.
  void SetContextPropagators(ContextPropagators propagators) {
    propagators_ = std::move(propagators);
  }
  // The workers' interceptors (WorkerOptions::interceptors): their workflow-side methods run on
  // replay as they ran in the worker.
  void SetInterceptors(WorkerInterceptors interceptors) { interceptors_ = std::move(interceptors); }

  // Replays one history. `workflow_id` names the run in errors (histories of older servers do
  // not carry it).
  hugo::Result<hugo::Unit> ReplayHistory(const temporal::api::history::v1::History& history,
                                         std::string workflow_id = "replay") const;
  hugo::Result<hugo::Unit> ReplayJson(std::string_view json,
                                      std::string workflow_id = "replay") const;
  hugo::Result<hugo::Unit> ReplayFile(const std::string& path) const;

  // Parses the JSON of `temporal workflow show -o json` (enum names in either the
  // EVENT_TYPE_... or the short WorkflowExecutionStarted form).
  static hugo::Result<temporal::api::history::v1::History> ParseHistoryJson(std::string_view json);

 private:
  std::shared_ptr<WorkflowRegistry> workflows_;
  PayloadCodecs codecs_;
  ContextPropagators propagators_;
  WorkerInterceptors interceptors_;
};

}  // namespace hdo
