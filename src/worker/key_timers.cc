#include "worker/key_timers.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace hdo::worker {

void KeyTimers::Arm(const Key& key, int64_t at_ms) {
  if (stopped_) return;
  Armed& armed = timers_[key];
  if (armed.timer == nullptr) armed.timer = std::make_unique<asio::steady_timer>(executor_);
  armed.at_ms = at_ms;
  armed.timer->expires_after(std::chrono::milliseconds(std::max<int64_t>(0, at_ms - now_())));
  armed.timer->async_wait([this, key, timer = armed.timer.get()](const std::error_code& error) {
    if (error || stopped_) return;
    // A timer re-armed or disarmed since is not this one any more.
    auto current = timers_.find(key);
    if (current == timers_.end() || current->second.timer.get() != timer) return;
    fire_(key);
  });
}

void KeyTimers::FireDue() {
  std::vector<Key> due;
  const int64_t now = now_();
  for (const auto& [key, armed] : timers_) {
    if (armed.at_ms <= now) due.push_back(key);
  }
  for (const Key& key : due) fire_(key);
}

}  // namespace hdo::worker
