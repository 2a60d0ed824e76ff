// How the frontend hands a request to the store (engine) thread, and how long the request waits
// there before it runs: hdo_history_engine_queue_wait_seconds, from the post on a gRPC thread to
// the start of its handler. The engine thread serves every request that reads or changes a
// shard's state one at a time (with the group commit and the engine's timers), so this wait is
// the queue in front of it: near zero when the thread has time to spare, and most of a request's
// latency when the thread is saturated (docs/performance.md, session 16).
//
// Thread-safety: PostToStore may be called from any thread; the histogram is lock-free.
#pragma once

#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <chrono>
#include <utility>
#include <vector>

#include "common/metrics.h"

namespace hdo::frontend {

// Bounds of the queue-wait histogram: 10 µs to 10 s in 1-2.5-5 steps (an idle thread answers in
// tens of microseconds, below the shared latency buckets' first bound of 100 µs).
inline std::vector<double> StoreQueueWaitBucketsSeconds() {
  std::vector<double> bounds{0.00001, 0.000025, 0.00005};
  for (double bound : metrics::LatencyBucketsSeconds()) bounds.push_back(bound);
  return bounds;
}

inline metrics::Histogram* StoreQueueWait() {
  static metrics::Histogram* wait = metrics::DefaultRegistry().GetHistogram(
      "hdo_history_engine_queue_wait_seconds",
      "Time a request waited for the engine (store) thread, from its arrival on a gRPC thread to "
      "the start of its handling.",
      StoreQueueWaitBucketsSeconds());
  return wait;
}

// Posts `work` to the store thread and counts the time it waited there.
template <class Work>
void PostToStore(asio::thread_pool& store, Work&& work) {
  metrics::Histogram* wait = StoreQueueWait();
  asio::post(store, [wait, posted = std::chrono::steady_clock::now(),
                     work = std::forward<Work>(work)]() mutable {
    wait->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - posted).count());
    work();
  });
}

}  // namespace hdo::frontend
