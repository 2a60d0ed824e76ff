// A task rate over the last 30 seconds for DescribeTaskQueue's stats (tasks added, tasks
// dispatched): counts in 5-second buckets, the rate the count of the buckets in the window over
// the time they cover (less while the tracker is younger than the window). The reference server
// reports the same two rates over the same window.
//
// Owner: src/matching. Not thread-safe: used on the engine thread, as the Matcher.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

namespace hdo::matching {

class TaskRateTracker {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kBucket{5};
  static constexpr std::chrono::seconds kWindow{30};

  explicit TaskRateTracker(Clock::time_point start = Clock::now()) : start_(start) {}

  void Record(Clock::time_point now) {
    const int64_t number = BucketNumber(now);
    Bucket& bucket = buckets_[static_cast<size_t>(number % kBuckets)];
    if (bucket.number != number) bucket = {number, 0};
    ++bucket.count;
  }

  // Tasks per second over the window ending now.
  double Rate(Clock::time_point now) const {
    const int64_t current = BucketNumber(now);
    int64_t tasks = 0;
    for (const Bucket& bucket : buckets_) {
      if (bucket.number > current - kBuckets && bucket.number <= current) tasks += bucket.count;
    }
    // The buckets before the current one cover the whole window; the current one so far.
    const auto into_current = now - (start_ + kBucket * current);
    const auto covered = std::min<Clock::duration>(into_current + kWindow, now - start_);
    const double seconds = std::chrono::duration<double>(covered).count();
    return seconds > 0 ? static_cast<double>(tasks) / seconds : 0;
  }

 private:
  static constexpr int64_t kBuckets = kWindow / kBucket + 1;  // the window and the current one
  struct Bucket {
    int64_t number = -1;
    int64_t count = 0;
  };
  int64_t BucketNumber(Clock::time_point now) const {
    return std::max<int64_t>(0, (now - start_) / kBucket);
  }

  Clock::time_point start_;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace hdo::matching
