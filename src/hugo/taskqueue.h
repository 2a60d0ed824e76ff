// hugo::TaskQueue<T>: an in-process, lease-based work queue (Hugo's TaskQueue<T>): items are
// enqueued, leased by workers for a duration, kept alive by heartbeats, and completed or failed.
// A failed or expired lease requeues the item with attempt + 1 (after RequeueDelay, on a timer,
// never blocking the caller: research note §6.9) until MaxDeliveryAttempts, then dead-letters it.
// Every lease carries a fencing OwnershipToken "{seq}:{attempt}:{leaseId}"; an operation with a
// stale token (older attempt, another lease) fails with error.taskqueue.lease_inactive.
//
// All operations return Result (hdo does not throw across modules), so the queue is also Hugo's
// SafeTaskQueueWrapper: disposed → error.taskqueue.disposed, inactive lease →
// error.taskqueue.lease_inactive, cancellation → error.canceled, bad options → error.validation.
//
// Owner: created through Create() as a shared_ptr; timers and leases hold weak references.
// Thread safety: every member is thread-safe. Lifecycle listeners, the dead-letter callback and
// the backpressure callback run synchronously on the thread that caused the transition, never
// under the queue's lock; they must not block.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <vector>

#include "hugo/clock.h"
#include "hugo/diagnostics.h"
#include "hugo/result.h"
#include "hugo/task.h"
#include "hugo/wait.h"

namespace hugo {

struct TaskQueueOwnershipToken {
  int64_t sequence_id = 0;
  int32_t attempt = 0;
  uint64_t lease_hi = 0, lease_lo = 0;  // the lease id, a random 128-bit value

  // "{seq}:{attempt}:{leaseId as 32 lowercase hex digits}".
  std::string ToString() const;
  friend bool operator==(const TaskQueueOwnershipToken&, const TaskQueueOwnershipToken&) = default;
};

struct TaskQueueBackpressureState {
  bool is_active;
  int64_t pending_count;
  Clock::WallTime observed_at;
};

struct TaskQueueBackpressureOptions {
  int64_t high_watermark = -1;  // -1 = off; 0 is invalid
  int64_t low_watermark = -1;   // -1 = high / 2; clamped into [0, high)
  Duration cooldown = std::chrono::seconds(5);
  std::function<void(const TaskQueueBackpressureState&)> state_changed;
};

struct TaskQueueOptions {
  std::string name = "taskqueue";
  int64_t capacity = 512;  // pending items; > 0
  Duration lease_duration = std::chrono::seconds(30);
  Duration heartbeat_interval = std::chrono::seconds(5);  // >= 0; 0 = no throttling
  Duration lease_sweep_interval = std::chrono::seconds(1);
  Duration requeue_delay = Duration::zero();
  int32_t max_delivery_attempts = 5;
  std::optional<TaskQueueBackpressureOptions> backpressure;
};

template <class T>
struct TaskQueuePendingItem {
  T value;
  int32_t attempt = 1;
  Clock::WallTime enqueued_at;
  std::optional<Error> last_error;
  int64_t sequence_id = 0;
  std::optional<TaskQueueOwnershipToken> last_ownership_token;
};

template <class T>
struct TaskQueueDeadLetterContext {
  T value;
  Error error;
  int32_t attempt;
  Clock::WallTime enqueued_at;
  int64_t sequence_id;
  std::optional<TaskQueueOwnershipToken> last_ownership_token;
};

enum class TaskQueueLifecycleKind {
  kEnqueued,
  kLeaseGranted,
  kHeartbeat,
  kCompleted,
  kFailed,
  kRequeued,
  kDeadLettered,
  kExpired,
  kDrained
};
enum TaskQueueLifecycleFlags : int { kFromDrain = 1, kFromExpiration = 2, kDeadLetter = 4 };

template <class T>
struct TaskQueueLifecycleEvent {
  int64_t event_id;
  TaskQueueLifecycleKind kind;
  std::string queue_name;
  int64_t sequence_id;
  int32_t attempt;
  Clock::WallTime occurred_at;
  std::optional<T> value;
  std::optional<Error> error;
  std::optional<TaskQueueOwnershipToken> ownership_token;
  std::optional<Clock::WallTime> lease_expiration;
  int flags = 0;
};

template <class T>
class TaskQueue;

// A granted lease. Operations refer back to the queue; after the queue is gone they give
// error.taskqueue.disposed.
template <class T>
class TaskQueueLease {
 public:
  const T& Value() const { return value_; }
  int32_t Attempt() const { return token_.attempt; }
  int64_t SequenceId() const { return token_.sequence_id; }
  Clock::WallTime EnqueuedAt() const { return enqueued_at_; }
  const std::optional<Error>& LastError() const { return last_error_; }
  const TaskQueueOwnershipToken& OwnershipToken() const { return token_; }

  Result<Unit> Complete() const {
    return With([&](TaskQueue<T>& q) { return q.Complete(token_); });
  }
  Result<Unit> Heartbeat() const {
    return With([&](TaskQueue<T>& q) { return q.Heartbeat(token_); });
  }
  Result<Unit> Fail(Error error, bool requeue = true) const {
    return With([&](TaskQueue<T>& q) { return q.Fail(token_, error, requeue); });
  }

 private:
  friend class TaskQueue<T>;
  TaskQueueLease(T value, TaskQueueOwnershipToken token, Clock::WallTime enqueued_at,
                 std::optional<Error> last_error, std::weak_ptr<TaskQueue<T>> queue)
      : value_(std::move(value)),
        token_(token),
        enqueued_at_(enqueued_at),
        last_error_(std::move(last_error)),
        queue_(std::move(queue)) {}
  template <class F>
  Result<Unit> With(F f) const {
    std::shared_ptr<TaskQueue<T>> queue = queue_.lock();
    if (!queue) return TaskQueue<T>::Disposed();
    return f(*queue);
  }
  T value_;
  TaskQueueOwnershipToken token_;
  Clock::WallTime enqueued_at_;
  std::optional<Error> last_error_;
  std::weak_ptr<TaskQueue<T>> queue_;
};

template <class T>
class TaskQueue : public std::enable_shared_from_this<TaskQueue<T>> {
 public:
  using DeadLetterFn = std::function<void(const TaskQueueDeadLetterContext<T>&)>;
  using ListenerFn = std::function<void(const TaskQueueLifecycleEvent<T>&)>;

  // error.validation for options outside their documented ranges. The sweeper runs on `clock`'s
  // timers; callbacks it triggers run on `executor`.
  static Result<std::shared_ptr<TaskQueue>> Create(TaskQueueOptions options, Executor executor,
                                                   std::shared_ptr<Clock> clock = Clock::System(),
                                                   DeadLetterFn dead_letter = {});
  ~TaskQueue() { Dispose(); }

  const std::string& Name() const { return options_.name; }
  int64_t PendingCount() const;
  int64_t ActiveLeaseCount() const;
  bool IsBackpressureActive() const;
  // Completes once backpressure is inactive (at once if it is): lets a producer pause above the
  // high watermark until the queue drains to the low one. error.canceled when `token` stops;
  // error.taskqueue.disposed after shutdown.
  Task<Result<Unit>> WaitForDraining(std::stop_token token = {});

  // Waits while the queue is full; error.taskqueue.disposed after Drain/Dispose.
  Task<Result<Unit>> Enqueue(T value, std::stop_token token = {});
  Result<Unit> EnqueueBlocking(T value, std::stop_token token = {});
  // Does not wait: error.validation ("queue is full") when full.
  Result<Unit> TryEnqueue(T value);

  Task<Result<TaskQueueLease<T>>> Lease(std::stop_token token = {});
  Result<TaskQueueLease<T>> LeaseBlocking(std::stop_token token = {});
  std::optional<TaskQueueLease<T>> TryLease();

  Result<Unit> Complete(const TaskQueueOwnershipToken& token);
  // Extends the lease to now + LeaseDuration; within HeartbeatInterval of the previous heartbeat
  // it is a no-op that still returns Ok (Hugo's throttle, research note §6.8).
  Result<Unit> Heartbeat(const TaskQueueOwnershipToken& token);
  Result<Unit> Fail(const TaskQueueOwnershipToken& token, Error error, bool requeue = true);

  // Expires every lease past its expiration (the sweeper calls this every LeaseSweepInterval).
  void SweepExpiredLeases();

  // Shuts the queue down and returns the pending items (active leases are not included).
  Result<std::vector<TaskQueuePendingItem<T>>> Drain();
  // Re-enqueues drained items with their sequence ids, attempts and tokens (on a fresh queue).
  Result<Unit> Restore(std::vector<TaskQueuePendingItem<T>> items);
  // Shuts down and dead-letters every pending item (error.taskqueue.deadlettered unless the item
  // has a last error). Idempotent.
  void Dispose();

  // Returns an id for RemoveLifecycleListener.
  int64_t AddLifecycleListener(ListenerFn listener);
  void RemoveLifecycleListener(int64_t id);

  static Error Disposed() {
    return Error::From("The task queue has been disposed.",
                       std::string(ErrorCodes::kTaskQueueDisposed));
  }

 private:
  struct Envelope {
    T value;
    int64_t sequence_id;
    int32_t attempt;
    Clock::WallTime enqueued_at;
    std::optional<Error> last_error;
    std::optional<TaskQueueOwnershipToken> last_token;
  };
  struct ActiveLease {
    Envelope envelope;
    TaskQueueOwnershipToken token;
    Clock::TimePoint granted_at;
    Clock::TimePoint expires_at;
    Clock::TimePoint last_heartbeat;
  };
  // Work to do after the lock is released.
  struct Effects {
    std::vector<TaskQueueLifecycleEvent<T>> events;
    std::vector<TaskQueueDeadLetterContext<T>> dead_letters;
    std::optional<TaskQueueBackpressureState> backpressure;
    std::vector<detail::WaiterPtr> wakes;  // claimed under the lock, fired after it
  };
  struct Metrics {
    explicit Metrics(const std::string& name);
    Series *enqueued, *leased, *completed, *failed, *expired, *requeued, *deadlettered, *heartbeats,
        *lease_duration, *heartbeat_extension, *pending, *active, *pending_depth, *active_depth,
        *bp_active, *bp_pending, *bp_transitions, *bp_duration;
  };

  TaskQueue(TaskQueueOptions options, Executor executor, std::shared_ptr<Clock> clock,
            DeadLetterFn dead_letter);
  static std::optional<Error> Validate(TaskQueueOptions& options);

  Error Inactive() const {
    return Error::From("Lease is no longer active.",
                       std::string(ErrorCodes::kTaskQueueLeaseInactive));
  }
  bool IsLive(const ActiveLease& lease, const TaskQueueOwnershipToken& token) const {
    return lease.token == token;
  }

  std::variant<Result<Unit>, detail::WaiterPtr> EnqueueStep(T& value, bool blocking,
                                                            const std::stop_token& token);
  std::variant<Result<TaskQueueLease<T>>, detail::WaiterPtr> LeaseStep(
      bool blocking, const std::stop_token& token);
  void PushPendingLocked(Envelope envelope, Effects& effects);
  TaskQueueLease<T> GrantLocked(Effects& effects);
  void RetryOrDeadLetterLocked(Envelope envelope, Error error, int flags, Effects& effects);
  void DeadLetterLocked(Envelope envelope, Error error, int flags, Effects& effects);
  void ScheduleRequeue(Envelope envelope);
  void EndLeaseLocked(typename std::unordered_map<int64_t, ActiveLease>::iterator it);
  void EventLocked(Effects& effects, TaskQueueLifecycleKind kind, const Envelope& envelope,
                   std::optional<Error> error, std::optional<TaskQueueOwnershipToken> token,
                   int flags, std::optional<Clock::TimePoint> expiration = std::nullopt);
  void CheckBackpressureLocked(Effects& effects);
  void Run(Effects effects);
  void ScheduleSweep();
  TaskQueueOwnershipToken NewToken(const Envelope& envelope);
  Clock::WallTime WallAt(Clock::TimePoint t) const {
    return clock_->UtcNow() +
           std::chrono::duration_cast<Clock::WallTime::duration>(t - clock_->Now());
  }

  const TaskQueueOptions options_;
  const Executor executor_;
  const std::shared_ptr<Clock> clock_;
  const DeadLetterFn dead_letter_;
  Metrics metrics_;

  mutable std::mutex mutex_;
  bool shut_down_ = false;
  int64_t next_sequence_ = 1;
  int64_t next_event_id_ = 1;
  std::deque<Envelope> pending_;
  int64_t delayed_ = 0;  // requeues waiting on their delay timer
  std::unordered_map<int64_t, ActiveLease> active_;
  detail::WaitList lessees_;
  detail::WaitList enqueuers_;
  detail::WaitList drain_waiters_;  // WaitForDraining
  std::mt19937_64 rng_;
  bool backpressure_active_ = false;
  Clock::TimePoint backpressure_since_;
  std::optional<Clock::TimePoint> last_backpressure_callback_;
  std::optional<Clock::TimerId> sweep_timer_;
  int64_t next_listener_id_ = 1;
  std::vector<std::pair<int64_t, ListenerFn>> listeners_;
};

enum class TaskQueueHealth { kHealthy, kDegraded, kUnhealthy };

struct TaskQueueHealthThresholds {
  int64_t degraded_pending = 1024, degraded_active = 64;
  int64_t unhealthy_pending = 2048, unhealthy_active = 128;
};

// Hugo's TaskQueueHealthCheck: degraded or unhealthy by pending and active counts.
inline TaskQueueHealth EvaluateTaskQueueHealth(int64_t pending, int64_t active,
                                               const TaskQueueHealthThresholds& t = {}) {
  if (pending >= t.unhealthy_pending || active >= t.unhealthy_active) {
    return TaskQueueHealth::kUnhealthy;
  }
  if (pending >= t.degraded_pending || active >= t.degraded_active) {
    return TaskQueueHealth::kDegraded;
  }
  return TaskQueueHealth::kHealthy;
}

// Hugo's SafeTaskQueueWrapper: TaskQueue already returns Result everywhere.
template <class T>
using SafeTaskQueue = TaskQueue<T>;

}  // namespace hugo

#include "hugo/taskqueue_impl.h"  // IWYU pragma: export
