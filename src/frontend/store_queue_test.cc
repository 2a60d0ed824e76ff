// Goal: a request handed to the store thread runs there, and its wait in the thread's queue is
// counted once in hdo_history_engine_queue_wait_seconds. Method: a one-thread pool held busy by
// a first job until the second has been posted behind it.
#include "frontend/store_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <future>
#include <thread>

namespace hdo::frontend {
namespace {

TEST(StoreQueueTest, AJobQueuedBehindAnotherRunsOnTheStoreThreadAndItsWaitIsCountedOnce) {
  metrics::Histogram::Snapshot before = StoreQueueWait()->Read();
  asio::thread_pool store(1);
  std::promise<void> posted;
  std::promise<std::thread::id> store_thread;
  asio::post(store, [&posted, &store_thread] {
    store_thread.set_value(std::this_thread::get_id());
    posted.get_future().wait();  // the next job is queued behind this one
  });
  std::thread::id ran_on;
  PostToStore(store, [&ran_on] { ran_on = std::this_thread::get_id(); });
  posted.set_value();
  store.join();

  EXPECT_EQ(ran_on, store_thread.get_future().get());
  metrics::Histogram::Snapshot after = StoreQueueWait()->Read();
  EXPECT_EQ(after.count, before.count + 1);
  EXPECT_GT(after.sum, before.sum);  // it waited for the first job to end
}

TEST(StoreQueueTest, TheWaitHistogramStartsBelowTheSharedLatencyBuckets) {
  std::vector<double> bounds = StoreQueueWaitBucketsSeconds();
  ASSERT_FALSE(bounds.empty());
  EXPECT_DOUBLE_EQ(bounds.front(), 0.00001);
  EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
  EXPECT_EQ(std::adjacent_find(bounds.begin(), bounds.end()), bounds.end());
  EXPECT_DOUBLE_EQ(bounds.back(), metrics::LatencyBucketsSeconds().back());
}

}  // namespace
}  // namespace hdo::frontend
