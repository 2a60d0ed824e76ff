#include "eager_workflows.h"

#include <algorithm>

namespace hdo::internal {

bool EagerWorkflowTarget::Reserve() {
  std::lock_guard lock(mutex_);
  return !closed_ && hooks_.try_reserve();
}

bool EagerWorkflowTarget::Run(
    temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse task) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;  // the worker (and its slots) may be gone: its hooks are not called
  hooks_.run(std::move(task));
  return true;
}

void EagerWorkflowTarget::Release() {
  std::lock_guard lock(mutex_);
  if (!closed_) hooks_.release();
}

void EagerWorkflowTarget::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

EagerWorkflows& EagerWorkflows::Get() {
  static EagerWorkflows* registry = new EagerWorkflows();  // never destroyed: used at exit
  return *registry;
}

void EagerWorkflows::Register(const void* connection, const std::string& namespace_name,
                              const std::string& task_queue,
                              std::shared_ptr<EagerWorkflowTarget> target) {
  std::lock_guard lock(mutex_);
  entries_.push_back({connection, namespace_name, task_queue, std::move(target)});
}

void EagerWorkflows::Unregister(const std::shared_ptr<EagerWorkflowTarget>& target) {
  std::lock_guard lock(mutex_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& entry) { return entry.target == target; }),
                 entries_.end());
}

std::shared_ptr<EagerWorkflowTarget> EagerWorkflows::Reserve(const void* connection,
                                                             const std::string& namespace_name,
                                                             const std::string& task_queue) {
  std::lock_guard lock(mutex_);
  const size_t count = entries_.size();
  for (size_t i = 0; i < count; ++i) {
    const Entry& entry = entries_[(next_ + i) % count];
    if (entry.connection != connection || entry.namespace_name != namespace_name ||
        entry.task_queue != task_queue) {
      continue;
    }
    if (entry.target->Reserve()) {
      next_ = (next_ + i + 1) % count;
      return entry.target;
    }
  }
  return nullptr;
}

}  // namespace hdo::internal
