// Goal: the tracker's rate is the tasks of the last 30 seconds over the time they cover, less
// than 30 s while the tracker is younger, and old buckets stop counting.
#include "matching/rate_tracker.h"

#include <gtest/gtest.h>

namespace hdo::matching {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TaskRateTrackerTest, AYoungTrackerDividesByTheTimeItHasSeen) {
  const auto start = TaskRateTracker::Clock::time_point() + seconds(1000);
  TaskRateTracker tracker(start);
  EXPECT_EQ(tracker.Rate(start), 0);
  for (int i = 0; i < 10; ++i) tracker.Record(start + seconds(i));
  EXPECT_DOUBLE_EQ(tracker.Rate(start + seconds(10)), 1.0);  // 10 tasks in 10 s
  EXPECT_DOUBLE_EQ(tracker.Rate(start + seconds(20)), 0.5);  // none since
}

TEST(TaskRateTrackerTest, TheWindowIsThirtySecondsPlusTheCurrentBucket) {
  const auto start = TaskRateTracker::Clock::time_point() + seconds(1000);
  TaskRateTracker tracker(start);
  for (int i = 0; i < 100; ++i) tracker.Record(start + seconds(i));  // one a second
  // At 102 s: the six buckets before the current one hold 70..99 s (30 tasks), the current one
  // (100..104 s) none yet, over 30 s + 2 s.
  EXPECT_DOUBLE_EQ(tracker.Rate(start + seconds(102)), 30.0 / 32.0);
  // A minute later nothing is in the window.
  EXPECT_EQ(tracker.Rate(start + seconds(170)), 0);
  tracker.Record(start + seconds(170) + milliseconds(500));
  EXPECT_NEAR(tracker.Rate(start + seconds(171)), 1.0 / 31.0, 1e-9);
}

}  // namespace
}  // namespace hdo::matching
