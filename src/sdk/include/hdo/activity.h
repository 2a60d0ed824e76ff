// hdo activities: what an activity function receives (ActivityContext: info, heartbeat,
// cancellation) and how the worker invokes one. Local activities use the same invocation path,
// run by the workflow task processor inside the worker process.
//
// Owner: the worker. Thread safety: an ActivityContext is used by its activity's thread; its
// heartbeat and cancellation members are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "hdo/converter.h"
#include "hugo/result.h"

namespace hdo {

struct ActivityInfo {
  std::string namespace_name;
  std::string task_queue;
  std::string workflow_id;
  std::string run_id;
  std::string workflow_type;
  std::string activity_id;
  std::string activity_type;
  std::string task_token;  // empty for local activities
  int32_t attempt = 1;
  bool is_local = false;
  std::chrono::milliseconds schedule_to_close_timeout{0};
  std::chrono::milliseconds start_to_close_timeout{0};
  std::chrono::milliseconds heartbeat_timeout{0};
  // Details of the last heartbeat of the previous attempt (empty on the first).
  Payloads heartbeat_details;
};

// One activity call as the worker hands it to the registered function.
struct ActivityInvocation {
  ActivityInfo info;
  Payloads input;
};

// Runs one local activity attempt (the worker's registry); the error becomes the attempt's failure.
using LocalActivityRunner = std::function<hugo::Result<Payloads>(const ActivityInvocation&)>;

}  // namespace hdo
