// One Asio timer per (namespace id, id) key, for the system workers that wake each of their store
// rows at a time of its own (the scheduler's schedules, the batcher's jobs). Times are
// milliseconds of the worker's clock, which tests move by hand (FireDue).
//
// Not thread-safe: every method runs on the executor's thread.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace hdo::worker {

class KeyTimers {
 public:
  using Key = std::pair<std::string, std::string>;  // namespace id, id
  using NowMs = std::function<int64_t()>;
  using Fire = std::function<void(const Key&)>;

  KeyTimers(asio::any_io_executor executor, NowMs now, Fire fire)
      : executor_(std::move(executor)), now_(std::move(now)), fire_(std::move(fire)) {}

  // `fire(key)` at `at_ms` (at once when it is past), replacing the key's earlier time. Ignored
  // while stopped.
  void Arm(const Key& key, int64_t at_ms);
  void Disarm(const Key& key) { timers_.erase(key); }
  void DisarmAll() { timers_.clear(); }
  // Disarms every key and ignores Arm until Resume (server shutdown).
  void Stop() {
    stopped_ = true;
    timers_.clear();
  }
  void Resume() { stopped_ = false; }
  bool stopped() const { return stopped_; }
  // Fires the keys due by the clock now, as their timers do on their own.
  void FireDue();
  size_t size() const { return timers_.size(); }

 private:
  struct Armed {
    std::unique_ptr<asio::steady_timer> timer;
    int64_t at_ms = 0;
  };

  asio::any_io_executor executor_;
  NowMs now_;
  Fire fire_;
  std::map<Key, Armed> timers_;
  bool stopped_ = false;
};

}  // namespace hdo::worker
