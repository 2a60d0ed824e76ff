// Goal: TaskQueue keeps Hugo's lease semantics (sequence ids, fencing tokens, heartbeats, expiry,
// requeue with attempts, dead-letter, backpressure, drain/restore, dispose) with Hugo's error
// codes for bad input, the requeue delay runs on a timer, and under many producers and consumers
// every item is completed exactly once. Method: FakeClock for time, real threads for the stress.
#include "hugo/taskqueue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>

#include "hugo/taskqueue_adapter.h"
#include "hugo/test_util.h"

namespace hugo {
namespace {

using std::chrono::seconds;
using testing::Eventually;

struct Fixture {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::vector<TaskQueueDeadLetterContext<int>> dead;
  std::mutex dead_mutex;
  testing::Pool pool;  // last: joined first, while `dead` still exists

  std::shared_ptr<TaskQueue<int>> Make(TaskQueueOptions options = {}) {
    return TaskQueue<int>::Create(options, pool.GetExecutor(), clock,
                                  [this](const TaskQueueDeadLetterContext<int>& c) {
                                    std::lock_guard lock(dead_mutex);
                                    dead.push_back(c);
                                  })
        .Value();
  }
};

TEST(TaskQueueTest, BadOptionsAreValidationErrors) {
  testing::Pool pool;
  auto make = [&](TaskQueueOptions o) { return TaskQueue<int>::Create(o, pool.GetExecutor()); };
  EXPECT_EQ(make({.capacity = 0}).Error().Code(), "error.validation");
  EXPECT_EQ(make({.capacity = -5}).Error().Code(), "error.validation");
  EXPECT_EQ(make({.lease_duration = Duration::zero()}).Error().Code(), "error.validation");
  EXPECT_EQ(make({.requeue_delay = -seconds(1)}).Error().Code(), "error.validation");
  EXPECT_EQ(make({.max_delivery_attempts = 0}).Error().Code(), "error.validation");
  EXPECT_EQ(
      make({.backpressure = TaskQueueBackpressureOptions{.high_watermark = 0}}).Error().Code(),
      "error.validation");
}

TEST(TaskQueueTest, LeasesCarrySequenceIdsAttemptsAndAFencingToken) {
  Fixture f;
  auto queue = f.Make({.name = "  orders  "});
  EXPECT_EQ(queue->Name(), "orders");
  ASSERT_TRUE(queue->TryEnqueue(10).IsSuccess());
  ASSERT_TRUE(queue->TryEnqueue(20).IsSuccess());
  auto lease = queue->LeaseBlocking().Value();
  EXPECT_EQ(lease.Value(), 10);
  EXPECT_EQ(lease.SequenceId(), 1);
  EXPECT_EQ(lease.Attempt(), 1);
  EXPECT_TRUE(std::regex_match(lease.OwnershipToken().ToString(), std::regex("1:1:[0-9a-f]{32}")));
  EXPECT_EQ(queue->ActiveLeaseCount(), 1);
  EXPECT_EQ(queue->PendingCount(), 1);
  EXPECT_TRUE(lease.Complete().IsSuccess());
  EXPECT_EQ(queue->ActiveLeaseCount(), 0);
  EXPECT_EQ(queue->LeaseBlocking().Value().SequenceId(), 2);
}

TEST(TaskQueueTest, OperationsOnAFinishedLeaseAreLeaseInactive) {
  Fixture f;
  auto queue = f.Make();
  ASSERT_TRUE(queue->TryEnqueue(1).IsSuccess());
  auto lease = queue->LeaseBlocking().Value();
  ASSERT_TRUE(lease.Complete().IsSuccess());
  EXPECT_EQ(lease.Complete().Error().Code(), "error.taskqueue.lease_inactive");
  EXPECT_EQ(lease.Heartbeat().Error().Code(), "error.taskqueue.lease_inactive");
  EXPECT_EQ(lease.Fail(Error::Unspecified()).Error().Code(), "error.taskqueue.lease_inactive");
}

TEST(TaskQueueTest, ExpiredLeasesRequeueWithTheNextAttemptAndFenceTheOldOwner) {
  Fixture f;
  auto queue = f.Make({.lease_duration = seconds(10), .heartbeat_interval = seconds(1)});
  ASSERT_TRUE(queue->TryEnqueue(7).IsSuccess());
  auto first = queue->LeaseBlocking().Value();
  f.clock->Advance(seconds(6));
  ASSERT_TRUE(first.Heartbeat().IsSuccess());  // extends to now + 10 s = 16 s
  f.clock->Advance(seconds(6));
  queue->SweepExpiredLeases();
  EXPECT_EQ(queue->ActiveLeaseCount(), 1);  // the heartbeat kept it alive
  f.clock->Advance(seconds(5));
  queue->SweepExpiredLeases();
  EXPECT_EQ(queue->ActiveLeaseCount(), 0);
  auto second = queue->LeaseBlocking().Value();
  EXPECT_EQ(second.SequenceId(), first.SequenceId());
  EXPECT_EQ(second.Attempt(), 2);
  ASSERT_TRUE(second.LastError().has_value());
  EXPECT_EQ(second.LastError()->Code(), "error.taskqueue.lease_expired");
  EXPECT_EQ(second.LastError()->TryGetMetadata<int64_t>("attempt"), 1);
  EXPECT_EQ(first.Complete().Error().Code(), "error.taskqueue.lease_inactive");
  EXPECT_TRUE(second.Complete().IsSuccess());
}

TEST(TaskQueueTest, AHeartbeatWithinTheIntervalDoesNotExtendTheLease) {
  Fixture f;
  auto queue = f.Make({.lease_duration = seconds(10), .heartbeat_interval = seconds(5)});
  ASSERT_TRUE(queue->TryEnqueue(7).IsSuccess());
  auto lease = queue->LeaseBlocking().Value();
  f.clock->Advance(seconds(4));
  EXPECT_TRUE(lease.Heartbeat().IsSuccess());  // throttled no-op
  f.clock->Advance(seconds(6));
  queue->SweepExpiredLeases();
  EXPECT_EQ(lease.Heartbeat().Error().Code(), "error.taskqueue.lease_inactive");
}

TEST(TaskQueueTest, FailingPastMaxAttemptsDeadLettersWithTheContext) {
  Fixture f;
  auto queue = f.Make({.max_delivery_attempts = 2});
  ASSERT_TRUE(queue->TryEnqueue(5).IsSuccess());
  ASSERT_TRUE(queue->LeaseBlocking().Value().Fail(Error::From("a", "app.a")).IsSuccess());
  auto again = queue->LeaseBlocking().Value();
  EXPECT_EQ(again.Attempt(), 2);
  ASSERT_TRUE(again.Fail(Error::From("b", "app.b")).IsSuccess());
  EXPECT_EQ(queue->PendingCount(), 0);
  ASSERT_EQ(f.dead.size(), 1u);
  EXPECT_EQ(f.dead[0].value, 5);
  EXPECT_EQ(f.dead[0].error.Code(), "app.b");
  EXPECT_EQ(f.dead[0].attempt, 2);
  EXPECT_EQ(f.dead[0].last_ownership_token, again.OwnershipToken());
}

TEST(TaskQueueTest, FailWithoutRequeueDeadLettersAtOnce) {
  Fixture f;
  auto queue = f.Make();
  ASSERT_TRUE(queue->TryEnqueue(5).IsSuccess());
  ASSERT_TRUE(queue->LeaseBlocking().Value().Fail(Error::From("x", "app.x"), false).IsSuccess());
  ASSERT_EQ(f.dead.size(), 1u);
  EXPECT_EQ(f.dead[0].attempt, 1);
}

TEST(TaskQueueTest, TheRequeueDelayRunsOnATimerNotInTheCaller) {
  Fixture f;
  auto queue = f.Make({.requeue_delay = seconds(30)});
  ASSERT_TRUE(queue->TryEnqueue(5).IsSuccess());
  size_t timers_before = f.clock->PendingTimerCount();
  ASSERT_TRUE(queue->LeaseBlocking().Value().Fail(Error::Unspecified()).IsSuccess());
  EXPECT_EQ(f.clock->PendingTimerCount(), timers_before + 1);
  EXPECT_FALSE(queue->TryLease().has_value());
  EXPECT_EQ(queue->PendingCount(), 1);  // counted while it waits
  f.clock->Advance(seconds(30));
  auto lease = queue->TryLease();
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->Attempt(), 2);
}

TEST(TaskQueueTest, BackpressureFlipsAtTheHighAndLowWatermarks) {
  Fixture f;
  std::vector<bool> states;
  TaskQueueBackpressureOptions bp{
      .high_watermark = 4,
      .low_watermark = 1,
      .cooldown = Duration::zero(),
      .state_changed = [&](const TaskQueueBackpressureState& s) { states.push_back(s.is_active); }};
  auto queue = f.Make({.backpressure = bp});
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue->TryEnqueue(i).IsSuccess());
  EXPECT_TRUE(queue->IsBackpressureActive());
  ASSERT_TRUE(queue->TryLease().has_value());
  ASSERT_TRUE(queue->TryLease().has_value());
  EXPECT_TRUE(queue->IsBackpressureActive());  // 2 pending > low
  ASSERT_TRUE(queue->TryLease().has_value());
  EXPECT_FALSE(queue->IsBackpressureActive());
  EXPECT_EQ(states, (std::vector<bool>{true, false}));
}

Task<Result<Unit>> AwaitDraining(std::shared_ptr<TaskQueue<int>> queue) {
  co_return co_await queue->WaitForDraining();
}

TEST(TaskQueueTest, WaitForDrainingCompletesWhenBackpressureEnds) {
  Fixture f;
  auto queue = f.Make(
      {.backpressure = TaskQueueBackpressureOptions{.high_watermark = 2, .low_watermark = 0}});
  EXPECT_TRUE(Go(f.pool.GetExecutor(), AwaitDraining(queue)).Wait().IsSuccess());  // inactive
  ASSERT_TRUE(queue->TryEnqueue(1).IsSuccess());
  ASSERT_TRUE(queue->TryEnqueue(2).IsSuccess());
  ASSERT_TRUE(queue->IsBackpressureActive());
  auto waiting = Go(f.pool.GetExecutor(), AwaitDraining(queue));
  ASSERT_TRUE(queue->TryLease().has_value());
  EXPECT_FALSE(waiting.IsDone());  // 1 pending > low watermark 0
  ASSERT_TRUE(queue->TryLease().has_value());
  EXPECT_TRUE(waiting.Wait().IsSuccess());
}

TEST(TaskQueueTest, HealthFollowsHugosThresholds) {
  EXPECT_EQ(EvaluateTaskQueueHealth(10, 1), TaskQueueHealth::kHealthy);
  EXPECT_EQ(EvaluateTaskQueueHealth(1024, 1), TaskQueueHealth::kDegraded);
  EXPECT_EQ(EvaluateTaskQueueHealth(0, 64), TaskQueueHealth::kDegraded);
  EXPECT_EQ(EvaluateTaskQueueHealth(2048, 0), TaskQueueHealth::kUnhealthy);
  EXPECT_EQ(EvaluateTaskQueueHealth(0, 128), TaskQueueHealth::kUnhealthy);
}

TEST(TaskQueueTest, ACapacityOfTwoMakesTryEnqueueFailAndEnqueueWait) {
  Fixture f;
  auto queue = f.Make({.capacity = 2});
  ASSERT_TRUE(queue->TryEnqueue(1).IsSuccess());
  ASSERT_TRUE(queue->TryEnqueue(2).IsSuccess());
  EXPECT_EQ(queue->TryEnqueue(3).Error().Code(), "error.validation");
  std::atomic<bool> done{false};
  std::thread t([&] {
    EXPECT_TRUE(queue->EnqueueBlocking(3).IsSuccess());
    done = true;
  });
  EXPECT_FALSE(done.load());
  ASSERT_TRUE(queue->LeaseBlocking().IsSuccess());
  t.join();
  EXPECT_EQ(queue->PendingCount(), 2);
}

Task<Result<Unit>> EnqueueAwaiting(std::shared_ptr<TaskQueue<int>> queue, int value,
                                   std::stop_token token) {
  co_return co_await queue->Enqueue(value, token);
}

TEST(TaskQueueTest, AnAwaitingEnqueueWaitsForRoomAndCanBeCanceled) {
  Fixture f;
  auto queue = f.Make({.capacity = 1});
  ASSERT_TRUE(queue->TryEnqueue(1).IsSuccess());
  std::stop_source source;
  auto canceled = Go(f.pool.GetExecutor(), EnqueueAwaiting(queue, 2, source.get_token()));
  auto waiting = Go(f.pool.GetExecutor(), EnqueueAwaiting(queue, 3, {}));
  source.request_stop();
  EXPECT_EQ(canceled.Wait().Error().Code(), "error.canceled");
  EXPECT_FALSE(waiting.IsDone());
  EXPECT_EQ(queue->LeaseBlocking().Value().Value(), 1);
  EXPECT_TRUE(waiting.Wait().IsSuccess());
  EXPECT_EQ(queue->LeaseBlocking().Value().Value(), 3);  // the canceled 2 never entered
}

TEST(TaskQueueTest, DrainReturnsPendingItemsAndRestoreContinuesTheSequence) {
  Fixture f;
  auto queue = f.Make();
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(queue->TryEnqueue(i).IsSuccess());
  auto held = queue->LeaseBlocking().Value();
  ASSERT_TRUE(queue->LeaseBlocking().Value().Fail(Error::From("f", "app.f")).IsSuccess());
  auto drained = queue->Drain().Value();
  ASSERT_EQ(drained.size(), 2u);  // item 3, then the requeued item 2; not the active lease
  EXPECT_EQ(drained[0].sequence_id, 3);
  EXPECT_EQ(drained[1].sequence_id, 2);
  EXPECT_EQ(drained[1].attempt, 2);
  EXPECT_EQ(queue->TryEnqueue(9).Error().Code(), "error.taskqueue.disposed");
  EXPECT_EQ(queue->LeaseBlocking().Error().Code(), "error.taskqueue.disposed");

  auto fresh = f.Make();
  ASSERT_TRUE(fresh->Restore(drained).IsSuccess());
  ASSERT_TRUE(fresh->TryEnqueue(4).IsSuccess());
  EXPECT_EQ(fresh->LeaseBlocking().Value().SequenceId(), 3);
  auto restored = fresh->LeaseBlocking().Value();
  EXPECT_EQ(restored.SequenceId(), 2);
  EXPECT_EQ(restored.Attempt(), 2);
  EXPECT_EQ(restored.LastError()->Code(), "app.f");
  EXPECT_EQ(fresh->LeaseBlocking().Value().SequenceId(), 4);
}

TEST(TaskQueueTest, DisposeDeadLettersWhatIsStillPending) {
  Fixture f;
  auto queue = f.Make();
  ASSERT_TRUE(queue->TryEnqueue(1).IsSuccess());
  queue->Dispose();
  queue->Dispose();
  ASSERT_EQ(f.dead.size(), 1u);
  EXPECT_EQ(f.dead[0].error.Code(), "error.taskqueue.deadlettered");
}

TEST(TaskQueueTest, LifecycleListenersSeeEveryTransitionInOrder) {
  Fixture f;
  auto queue = f.Make();
  std::vector<TaskQueueLifecycleKind> kinds;
  queue->AddLifecycleListener([&](const TaskQueueLifecycleEvent<int>& e) {
    kinds.push_back(e.kind);
    if (e.kind == TaskQueueLifecycleKind::kEnqueued) throw std::runtime_error("ignored");
  });
  ASSERT_TRUE(queue->TryEnqueue(1).IsSuccess());
  ASSERT_TRUE(queue->LeaseBlocking().Value().Fail(Error::Unspecified()).IsSuccess());
  ASSERT_TRUE(queue->LeaseBlocking().Value().Complete().IsSuccess());
  using K = TaskQueueLifecycleKind;
  EXPECT_EQ(kinds, (std::vector<K>{K::kEnqueued, K::kLeaseGranted, K::kFailed, K::kRequeued,
                                   K::kLeaseGranted, K::kCompleted}));
}

Task<Result<Unit>> Work(std::shared_ptr<TaskQueue<int>> queue,
                        std::vector<std::atomic<int>>* done) {
  for (;;) {
    Result<TaskQueueLease<int>> lease = co_await queue->Lease();
    if (lease.IsFailure()) co_return Ok();
    (*done)[lease.Value().Value()].fetch_add(1, std::memory_order_relaxed);
    Result<Unit> completed = lease.Value().Complete();
    if (completed.IsFailure()) co_return completed;
  }
}

TEST(TaskQueueStressTest, ManyProducersAndWorkersCompleteEveryItemExactlyOnce) {
  constexpr int kPerProducer = 25'000;
  constexpr int kProducers = 4;
  constexpr int kTotal = kPerProducer * kProducers;
  std::vector<std::atomic<int>> done(kTotal);
  testing::Pool pool(2);
  auto queue = TaskQueue<int>::Create({.capacity = 256}, pool.GetExecutor()).Value();
  std::vector<JoinHandle<Result<Unit>>> workers;
  for (int w = 0; w < 3; ++w) workers.push_back(Go(pool.GetExecutor(), Work(queue, &done)));
  std::thread blocking_worker([&] {
    for (;;) {
      auto lease = queue->LeaseBlocking();
      if (lease.IsFailure()) return;
      done[lease.Value().Value()].fetch_add(1, std::memory_order_relaxed);
      ASSERT_TRUE(lease.Value().Complete().IsSuccess());
    }
  });
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = p * kPerProducer; i < (p + 1) * kPerProducer; ++i) {
        ASSERT_TRUE(queue->EnqueueBlocking(i).IsSuccess());
      }
    });
  }
  for (auto& t : producers) t.join();
  ASSERT_TRUE(Eventually([&] { return queue->PendingCount() == 0; }));
  ASSERT_TRUE(Eventually([&] { return queue->ActiveLeaseCount() == 0; }));
  ASSERT_TRUE(queue->Drain().IsSuccess());  // wakes the workers with disposed
  for (auto& w : workers) ASSERT_TRUE(w.Wait().IsSuccess());
  blocking_worker.join();
  int wrong = 0;
  for (int i = 0; i < kTotal; ++i) wrong += done[i].load() != 1;
  EXPECT_EQ(wrong, 0);
}

TEST(TaskQueueStressTest, FailuresRequeueUntilEveryItemIsCompletedOrDeadLetteredOnce) {
  constexpr int kItems = 20'000;
  std::vector<std::atomic<int>> completed(kItems);
  std::vector<std::atomic<int>> dead(kItems);
  testing::Pool pool(2);
  auto queue =
      TaskQueue<int>::Create(
          {.capacity = 128, .max_delivery_attempts = 3}, pool.GetExecutor(), Clock::System(),
          [&dead](const TaskQueueDeadLetterContext<int>& c) { dead[c.value].fetch_add(1); })
          .Value();
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&] {
      for (;;) {
        auto lease = queue->LeaseBlocking();
        if (lease.IsFailure()) return;
        const TaskQueueLease<int>& l = lease.Value();
        // Items divisible by 7 always fail; items divisible by 3 fail on their first attempt.
        bool fail = l.Value() % 7 == 0 || (l.Value() % 3 == 0 && l.Attempt() == 1);
        if (fail) {
          ASSERT_TRUE(l.Fail(Error::From("nope", "app.nope")).IsSuccess());
        } else {
          completed[l.Value()].fetch_add(1);
          ASSERT_TRUE(l.Complete().IsSuccess());
        }
      }
    });
  }
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) ASSERT_TRUE(queue->EnqueueBlocking(i).IsSuccess());
  });
  producer.join();
  ASSERT_TRUE(
      Eventually([&] { return queue->PendingCount() == 0 && queue->ActiveLeaseCount() == 0; }));
  ASSERT_TRUE(queue->Drain().IsSuccess());
  for (auto& w : workers) w.join();
  int wrong = 0;
  for (int i = 0; i < kItems; ++i) {
    bool should_die = i % 7 == 0;
    wrong += should_die ? (dead[i].load() != 1 || completed[i].load() != 0)
                        : (completed[i].load() != 1 || dead[i].load() != 0);
  }
  EXPECT_EQ(wrong, 0);
}

TEST(TaskQueueAdapterTest, LeasesFlowIntoTheChannelAndUndeliveredOnesAreRequeued) {
  Fixture f;
  auto queue = f.Make();
  EXPECT_EQ(TaskQueueChannelAdapter<int>::Create(queue, f.pool.GetExecutor(), 0).Error().Code(),
            "error.validation");
  auto adapter = TaskQueueChannelAdapter<int>::Create(queue, f.pool.GetExecutor(), 2).Value();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue->TryEnqueue(i).IsSuccess());
  auto lease = adapter->Reader()->ReadBlocking().Value();
  EXPECT_LT(lease.Value(), 5);  // two pumps race, so the first delivered item may be 0 or 1
  ASSERT_TRUE(lease.Complete().IsSuccess());
  // Two leases sit in the channel and two pumps hold one each, waiting for room.
  ASSERT_TRUE(Eventually([&] { return queue->ActiveLeaseCount() == 4; }));
  adapter->Stop();
  // The pumps' undelivered leases went back with attempt 2; the buffered ones stay leased.
  EXPECT_EQ(queue->ActiveLeaseCount(), 2);
  EXPECT_EQ(queue->PendingCount(), 2);
  auto requeued = queue->TryLease();
  ASSERT_TRUE(requeued.has_value());
  EXPECT_EQ(requeued->Attempt(), 2);
  EXPECT_EQ(requeued->LastError()->Code(), "error.canceled");
}

}  // namespace
}  // namespace hugo
