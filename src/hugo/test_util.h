// Test helpers for libhugo tests (test-only; not part of the library): an Asio thread pool that
// joins on destruction, and Eventually(), which waits for a condition with a real deadline
// instead of sleeping for a fixed time.
#pragma once

#include <asio/thread_pool.hpp>
#include <chrono>
#include <thread>

#include "hugo/task.h"

namespace hugo::testing {

class Pool {
 public:
  explicit Pool(int threads = 2) : pool_(threads) {}
  ~Pool() { pool_.join(); }
  Executor GetExecutor() { return pool_.get_executor(); }

 private:
  asio::thread_pool pool_;
};

// Polls `condition` (yielding between polls) until it holds or 30 s of real time pass.
template <class F>
bool Eventually(F condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace hugo::testing
