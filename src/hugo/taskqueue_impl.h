// Implementation of hugo::TaskQueue<T> (template; included by hugo/taskqueue.h only).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "hugo/taskqueue.h"

namespace hugo {

inline std::string TaskQueueOwnershipToken::ToString() const {
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%lld:%d:%016llx%016llx",
                static_cast<long long>(sequence_id), static_cast<int>(attempt),
                static_cast<unsigned long long>(lease_hi),
                static_cast<unsigned long long>(lease_lo));
  return buffer;
}

namespace detail {
inline Error TaskQueueValidation(const std::string& message) {
  return Error::From(message, std::string(ErrorCodes::kValidation));
}
inline double Ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
}  // namespace detail

template <class T>
TaskQueue<T>::Metrics::Metrics(const std::string& name) {
  Diagnostics& d = Diagnostics::Instance();
  Tags tags{{"taskqueue.name", name}};
  enqueued = &d.Get("taskqueue.enqueued", tags);
  leased = &d.Get("taskqueue.leased", tags);
  completed = &d.Get("taskqueue.completed", tags);
  failed = &d.Get("taskqueue.failed", tags);
  expired = &d.Get("taskqueue.expired", tags);
  requeued = &d.Get("taskqueue.requeued", tags);
  deadlettered = &d.Get("taskqueue.deadlettered", tags);
  heartbeats = &d.Get("taskqueue.heartbeats", tags);
  lease_duration = &d.Get("taskqueue.lease.duration", tags);
  heartbeat_extension = &d.Get("taskqueue.heartbeat.extension", tags);
  pending = &d.Get("taskqueue.pending", tags);
  active = &d.Get("taskqueue.active", tags);
  pending_depth = &d.Get("taskqueue.pending.depth", tags);
  active_depth = &d.Get("taskqueue.active.depth", tags);
  bp_active = &d.Get("hugo.taskqueue.backpressure.active", tags);
  bp_pending = &d.Get("hugo.taskqueue.backpressure.pending", tags);
  bp_transitions = &d.Get("hugo.taskqueue.backpressure.transitions", tags);
  bp_duration = &d.Get("hugo.taskqueue.backpressure.duration", tags);
}

template <class T>
std::optional<Error> TaskQueue<T>::Validate(TaskQueueOptions& o) {
  auto trim = [](std::string s) {
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
  };
  o.name = trim(o.name);
  if (o.name.empty()) o.name = "taskqueue";
  if (o.capacity <= 0) return detail::TaskQueueValidation("Capacity must be positive.");
  if (o.lease_duration <= Duration::zero()) {
    return detail::TaskQueueValidation("LeaseDuration must be positive.");
  }
  if (o.heartbeat_interval < Duration::zero()) {
    return detail::TaskQueueValidation("HeartbeatInterval must not be negative.");
  }
  if (o.lease_sweep_interval <= Duration::zero()) {
    return detail::TaskQueueValidation("LeaseSweepInterval must be positive.");
  }
  if (o.requeue_delay < Duration::zero()) {
    return detail::TaskQueueValidation("RequeueDelay must not be negative.");
  }
  if (o.max_delivery_attempts < 1) {
    return detail::TaskQueueValidation("MaxDeliveryAttempts must be at least 1.");
  }
  if (o.backpressure) {
    TaskQueueBackpressureOptions& b = *o.backpressure;
    if (b.high_watermark == 0 || b.high_watermark < -1) {
      return detail::TaskQueueValidation("HighWatermark must be positive, or -1 for off.");
    }
    if (b.low_watermark < 0 || b.low_watermark >= b.high_watermark) {
      b.low_watermark = b.high_watermark / 2;  // Hugo clamps invalid values
    }
  }
  return std::nullopt;
}

template <class T>
Result<std::shared_ptr<TaskQueue<T>>> TaskQueue<T>::Create(TaskQueueOptions options,
                                                           Executor executor,
                                                           std::shared_ptr<Clock> clock,
                                                           DeadLetterFn dead_letter) {
  if (auto invalid = Validate(options)) return *invalid;
  std::shared_ptr<TaskQueue> queue(new TaskQueue(std::move(options), std::move(executor),
                                                 std::move(clock), std::move(dead_letter)));
  queue->ScheduleSweep();
  return Result<std::shared_ptr<TaskQueue>>::Ok(std::move(queue));
}

template <class T>
TaskQueue<T>::TaskQueue(TaskQueueOptions options, Executor executor, std::shared_ptr<Clock> clock,
                        DeadLetterFn dead_letter)
    : options_(std::move(options)),
      executor_(std::move(executor)),
      clock_(std::move(clock)),
      dead_letter_(std::move(dead_letter)),
      metrics_(options_.name),
      rng_(std::random_device{}()) {}

template <class T>
int64_t TaskQueue<T>::PendingCount() const {
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(pending_.size()) + delayed_;
}

template <class T>
int64_t TaskQueue<T>::ActiveLeaseCount() const {
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(active_.size());
}

template <class T>
bool TaskQueue<T>::IsBackpressureActive() const {
  std::lock_guard lock(mutex_);
  return backpressure_active_;
}

template <class T>
Task<Result<Unit>> TaskQueue<T>::WaitForDraining(std::stop_token token) {
  for (;;) {
    detail::WaiterPtr waiter;
    {
      std::lock_guard lock(mutex_);
      if (shut_down_) co_return Disposed();
      if (!backpressure_active_) co_return Ok();
      waiter = drain_waiters_.Add(false);
    }
    int outcome = co_await detail::Suspend(waiter, token);
    if (outcome != detail::kSignaled) co_return Error::Canceled();
  }
}

template <class T>
TaskQueueOwnershipToken TaskQueue<T>::NewToken(const Envelope& envelope) {
  return TaskQueueOwnershipToken{envelope.sequence_id, envelope.attempt, rng_(), rng_()};
}

template <class T>
void TaskQueue<T>::EventLocked(Effects& effects, TaskQueueLifecycleKind kind,
                               const Envelope& envelope, std::optional<Error> error,
                               std::optional<TaskQueueOwnershipToken> token, int flags,
                               std::optional<Clock::TimePoint> expiration) {
  if (listeners_.empty()) return;
  std::optional<Clock::WallTime> lease_expiration;
  if (expiration) lease_expiration = WallAt(*expiration);
  effects.events.push_back(TaskQueueLifecycleEvent<T>{
      next_event_id_++, kind, options_.name, envelope.sequence_id, envelope.attempt,
      clock_->UtcNow(), envelope.value, std::move(error), token, lease_expiration, flags});
}

template <class T>
void TaskQueue<T>::PushPendingLocked(Envelope envelope, Effects& effects) {
  pending_.push_back(std::move(envelope));
  metrics_.pending->Add(1);
  metrics_.pending_depth->Record(static_cast<double>(pending_.size()));
  if (detail::WaiterPtr w = lessees_.ClaimOne(detail::kSignaled)) effects.wakes.push_back(w);
  CheckBackpressureLocked(effects);
}

template <class T>
std::variant<Result<Unit>, detail::WaiterPtr> TaskQueue<T>::EnqueueStep(
    T& value, bool blocking, const std::stop_token& token) {
  Effects effects;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return Result<Unit>(Disposed());
    if (static_cast<int64_t>(pending_.size()) + delayed_ >= options_.capacity) {
      if (token.stop_requested()) return Result<Unit>(Error::Canceled());
      return enqueuers_.Add(blocking);
    }
    Envelope envelope{std::move(value), next_sequence_++, 1, clock_->UtcNow(), {}, {}};
    EventLocked(effects, TaskQueueLifecycleKind::kEnqueued, envelope, {}, {}, 0);
    PushPendingLocked(std::move(envelope), effects);
    metrics_.enqueued->Add(1);
  }
  Run(std::move(effects));
  return Ok();
}

template <class T>
Result<Unit> TaskQueue<T>::TryEnqueue(T value) {
  {
    std::lock_guard lock(mutex_);
    if (!shut_down_ && static_cast<int64_t>(pending_.size()) + delayed_ >= options_.capacity) {
      return detail::TaskQueueValidation("The task queue is full.");
    }
  }
  std::stop_source stopped;
  stopped.request_stop();
  auto step = EnqueueStep(value, true, stopped.get_token());
  if (step.index() == 1) return detail::TaskQueueValidation("The task queue is full.");
  return std::get<0>(std::move(step));
}

template <class T>
Task<Result<Unit>> TaskQueue<T>::Enqueue(T value, std::stop_token token) {
  for (;;) {
    auto step = EnqueueStep(value, false, token);
    if (step.index() == 0) co_return std::get<0>(std::move(step));
    int outcome = co_await detail::Suspend(std::get<1>(std::move(step)), token);
    if (outcome != detail::kSignaled) co_return Error::Canceled();
  }
}

template <class T>
Result<Unit> TaskQueue<T>::EnqueueBlocking(T value, std::stop_token token) {
  for (;;) {
    auto step = EnqueueStep(value, true, token);
    if (step.index() == 0) return std::get<0>(std::move(step));
    int outcome = detail::BlockOn(std::get<1>(step), token);
    if (outcome != detail::kSignaled) return Error::Canceled();
  }
}

template <class T>
TaskQueueLease<T> TaskQueue<T>::GrantLocked(Effects& effects) {
  Envelope envelope = std::move(pending_.front());
  pending_.pop_front();
  metrics_.pending->Add(-1);
  if (detail::WaiterPtr w = enqueuers_.ClaimOne(detail::kSignaled)) effects.wakes.push_back(w);
  Clock::TimePoint now = clock_->Now();
  TaskQueueOwnershipToken token = NewToken(envelope);
  Clock::TimePoint expires = now + options_.lease_duration;
  EventLocked(effects, TaskQueueLifecycleKind::kLeaseGranted, envelope, {}, token, 0, expires);
  TaskQueueLease<T> lease(envelope.value, token, envelope.enqueued_at, envelope.last_error,
                          this->weak_from_this());
  const int64_t sequence_id = envelope.sequence_id;
  active_.emplace(sequence_id, ActiveLease{std::move(envelope), token, now, expires, now});
  metrics_.leased->Add(1);
  metrics_.active->Add(1);
  metrics_.active_depth->Record(static_cast<double>(active_.size()));
  CheckBackpressureLocked(effects);
  return lease;
}

template <class T>
std::variant<Result<TaskQueueLease<T>>, detail::WaiterPtr> TaskQueue<T>::LeaseStep(
    bool blocking, const std::stop_token& token) {
  Effects effects;
  std::optional<TaskQueueLease<T>> lease;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return Result<TaskQueueLease<T>>(Disposed());
    if (pending_.empty()) {
      if (token.stop_requested()) return Result<TaskQueueLease<T>>(Error::Canceled());
      return lessees_.Add(blocking);
    }
    lease.emplace(GrantLocked(effects));
  }
  Run(std::move(effects));
  return Result<TaskQueueLease<T>>::Ok(std::move(*lease));
}

template <class T>
std::optional<TaskQueueLease<T>> TaskQueue<T>::TryLease() {
  std::stop_source stopped;
  stopped.request_stop();
  auto step = LeaseStep(true, stopped.get_token());
  if (step.index() == 1 || std::get<0>(step).IsFailure()) return std::nullopt;
  return std::move(std::get<0>(step)).Value();
}

template <class T>
Task<Result<TaskQueueLease<T>>> TaskQueue<T>::Lease(std::stop_token token) {
  for (;;) {
    auto step = LeaseStep(false, token);
    if (step.index() == 0) co_return std::get<0>(std::move(step));
    int outcome = co_await detail::Suspend(std::get<1>(std::move(step)), token);
    if (outcome != detail::kSignaled) co_return Error::Canceled();
  }
}

template <class T>
Result<TaskQueueLease<T>> TaskQueue<T>::LeaseBlocking(std::stop_token token) {
  for (;;) {
    auto step = LeaseStep(true, token);
    if (step.index() == 0) return std::get<0>(std::move(step));
    int outcome = detail::BlockOn(std::get<1>(step), token);
    if (outcome != detail::kSignaled) return Error::Canceled();
  }
}

template <class T>
void TaskQueue<T>::EndLeaseLocked(typename std::unordered_map<int64_t, ActiveLease>::iterator it) {
  metrics_.lease_duration->Record(detail::Ms(clock_->Now() - it->second.granted_at));
  metrics_.active->Add(-1);
  active_.erase(it);
}

template <class T>
Result<Unit> TaskQueue<T>::Complete(const TaskQueueOwnershipToken& token) {
  Effects effects;
  {
    std::lock_guard lock(mutex_);
    auto it = active_.find(token.sequence_id);
    if (it == active_.end() || !IsLive(it->second, token)) return Inactive();
    EventLocked(effects, TaskQueueLifecycleKind::kCompleted, it->second.envelope, {}, token, 0);
    EndLeaseLocked(it);
    metrics_.completed->Add(1);
  }
  Run(std::move(effects));
  return Ok();
}

template <class T>
Result<Unit> TaskQueue<T>::Heartbeat(const TaskQueueOwnershipToken& token) {
  Effects effects;
  {
    std::lock_guard lock(mutex_);
    auto it = active_.find(token.sequence_id);
    if (it == active_.end() || !IsLive(it->second, token)) return Inactive();
    ActiveLease& lease = it->second;
    Clock::TimePoint now = clock_->Now();
    if (now - lease.last_heartbeat < options_.heartbeat_interval) return Ok();  // throttled
    Clock::TimePoint extended = now + options_.lease_duration;
    metrics_.heartbeat_extension->Record(detail::Ms(extended - lease.expires_at));
    lease.expires_at = extended;
    lease.last_heartbeat = now;
    metrics_.heartbeats->Add(1);
    EventLocked(effects, TaskQueueLifecycleKind::kHeartbeat, lease.envelope, {}, token, 0,
                extended);
  }
  Run(std::move(effects));
  return Ok();
}

template <class T>
Result<Unit> TaskQueue<T>::Fail(const TaskQueueOwnershipToken& token, Error error, bool requeue) {
  Effects effects;
  {
    std::lock_guard lock(mutex_);
    auto it = active_.find(token.sequence_id);
    if (it == active_.end() || !IsLive(it->second, token)) return Inactive();
    Envelope envelope = std::move(it->second.envelope);
    EventLocked(effects, TaskQueueLifecycleKind::kFailed, envelope, error, token, 0);
    EndLeaseLocked(it);
    metrics_.failed->Add(1);
    envelope.last_token = token;
    if (requeue) {
      RetryOrDeadLetterLocked(std::move(envelope), std::move(error), 0, effects);
    } else {
      DeadLetterLocked(std::move(envelope), std::move(error), 0, effects);
    }
  }
  Run(std::move(effects));
  return Ok();
}

template <class T>
void TaskQueue<T>::RetryOrDeadLetterLocked(Envelope envelope, Error error, int flags,
                                           Effects& effects) {
  if (envelope.attempt + 1 > options_.max_delivery_attempts) {
    DeadLetterLocked(std::move(envelope), std::move(error), flags, effects);
    return;
  }
  envelope.attempt += 1;
  envelope.last_error = std::move(error);
  metrics_.requeued->Add(1);
  EventLocked(effects, TaskQueueLifecycleKind::kRequeued, envelope, envelope.last_error,
              envelope.last_token, flags);
  if (options_.requeue_delay > Duration::zero() && !shut_down_) {
    ++delayed_;
    ScheduleRequeue(std::move(envelope));
  } else {
    PushPendingLocked(std::move(envelope), effects);
  }
}

template <class T>
void TaskQueue<T>::DeadLetterLocked(Envelope envelope, Error error, int flags, Effects& effects) {
  metrics_.deadlettered->Add(1);
  EventLocked(effects, TaskQueueLifecycleKind::kDeadLettered, envelope, error, envelope.last_token,
              flags | kDeadLetter);
  if (dead_letter_) {
    effects.dead_letters.push_back(TaskQueueDeadLetterContext<T>{
        std::move(envelope.value), std::move(error), envelope.attempt, envelope.enqueued_at,
        envelope.sequence_id, envelope.last_token});
  }
}

// The delay runs on a clock timer; the item re-enters the tail of the queue when it fires
// (or is dead-lettered by Dispose if the queue is gone by then).
template <class T>
void TaskQueue<T>::ScheduleRequeue(Envelope envelope) {
  auto shared = std::make_shared<Envelope>(std::move(envelope));
  std::weak_ptr<TaskQueue> weak = this->weak_from_this();
  clock_->Schedule(clock_->Now() + options_.requeue_delay, [weak, shared] {
    std::shared_ptr<TaskQueue> queue = weak.lock();
    if (!queue) return;
    Effects effects;
    {
      std::lock_guard lock(queue->mutex_);
      --queue->delayed_;
      if (queue->shut_down_) {
        Error reason = *shared->last_error;
        queue->DeadLetterLocked(std::move(*shared), std::move(reason), 0, effects);
      } else {
        queue->PushPendingLocked(std::move(*shared), effects);
      }
    }
    queue->Run(std::move(effects));
  });
}

template <class T>
void TaskQueue<T>::SweepExpiredLeases() {
  Effects effects;
  {
    std::lock_guard lock(mutex_);
    if (active_.empty()) return;
    Clock::TimePoint now = clock_->Now();
    std::vector<int64_t> expired;
    for (const auto& [seq, lease] : active_) {
      if (lease.expires_at <= now) expired.push_back(seq);
    }
    std::sort(expired.begin(), expired.end());  // deterministic order
    for (int64_t seq : expired) {
      auto it = active_.find(seq);
      Envelope envelope = std::move(it->second.envelope);
      TaskQueueOwnershipToken token = it->second.token;
      Error error =
          Error::From("The lease expired before it was completed.",
                      std::string(ErrorCodes::kTaskQueueLeaseExpired))
              .WithMetadata("attempt", int64_t{envelope.attempt})
              .WithMetadata("enqueuedAt", envelope.enqueued_at.time_since_epoch())
              .WithMetadata("expiredAt", WallAt(it->second.expires_at).time_since_epoch());
      EventLocked(effects, TaskQueueLifecycleKind::kExpired, envelope, error, token,
                  kFromExpiration);
      EndLeaseLocked(it);
      metrics_.expired->Add(1);
      envelope.last_token = token;
      RetryOrDeadLetterLocked(std::move(envelope), std::move(error), kFromExpiration, effects);
    }
  }
  Run(std::move(effects));
}

template <class T>
void TaskQueue<T>::ScheduleSweep() {
  std::weak_ptr<TaskQueue> weak = this->weak_from_this();
  Executor executor = executor_;
  Clock::TimerId id =
      clock_->Schedule(clock_->Now() + options_.lease_sweep_interval, [weak, executor] {
        // The timer thread only hands the sweep over to the executor.
        asio::post(executor, [weak] {
          if (std::shared_ptr<TaskQueue> queue = weak.lock()) {
            queue->SweepExpiredLeases();
            queue->ScheduleSweep();
          }
        });
      });
  std::lock_guard lock(mutex_);
  if (shut_down_) {
    clock_->Cancel(id);
    return;
  }
  sweep_timer_ = id;
}

template <class T>
void TaskQueue<T>::CheckBackpressureLocked(Effects& effects) {
  if (!options_.backpressure || options_.backpressure->high_watermark < 0) return;
  const TaskQueueBackpressureOptions& b = *options_.backpressure;
  int64_t depth = static_cast<int64_t>(pending_.size()) + delayed_;
  bool next = backpressure_active_ ? depth > b.low_watermark : depth >= b.high_watermark;
  if (next == backpressure_active_) return;
  Clock::TimePoint now = clock_->Now();
  metrics_.bp_transitions->Add(1);
  metrics_.bp_active->Add(next ? 1 : -1);
  metrics_.bp_pending->Record(static_cast<double>(depth));
  metrics_.bp_duration->Record(detail::Ms(now - backpressure_since_));
  backpressure_active_ = next;
  if (!next) drain_waiters_.WakeAll(detail::kSignaled);
  backpressure_since_ = now;
  // The state always flips; the callback is rate-limited by the cooldown.
  if (last_backpressure_callback_ && now - *last_backpressure_callback_ < b.cooldown) return;
  last_backpressure_callback_ = now;
  effects.backpressure = TaskQueueBackpressureState{next, depth, clock_->UtcNow()};
}

template <class T>
void TaskQueue<T>::Run(Effects effects) {
  for (const detail::WaiterPtr& w : effects.wakes) w->Fire();
  if (!effects.events.empty()) {
    std::vector<ListenerFn> listeners;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, fn] : listeners_) listeners.push_back(fn);
    }
    for (const auto& event : effects.events) {
      for (auto& listener : listeners) {
        try {
          listener(event);
        } catch (...) {  // Hugo swallows listener exceptions
        }
      }
    }
  }
  for (const auto& context : effects.dead_letters) {
    try {
      dead_letter_(context);
    } catch (...) {
    }
  }
  if (effects.backpressure && options_.backpressure->state_changed) {
    try {
      options_.backpressure->state_changed(*effects.backpressure);
    } catch (...) {
    }
  }
}

template <class T>
Result<std::vector<TaskQueuePendingItem<T>>> TaskQueue<T>::Drain() {
  Effects effects;
  std::vector<TaskQueuePendingItem<T>> items;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return Disposed();
    shut_down_ = true;
    if (sweep_timer_) clock_->Cancel(*sweep_timer_);
    for (Envelope& e : pending_) {
      EventLocked(effects, TaskQueueLifecycleKind::kDrained, e, {}, e.last_token, kFromDrain);
      items.push_back(TaskQueuePendingItem<T>{std::move(e.value), e.attempt, e.enqueued_at,
                                              std::move(e.last_error), e.sequence_id,
                                              e.last_token});
    }
    metrics_.pending->Add(-static_cast<double>(pending_.size()));
    pending_.clear();
    lessees_.WakeAll(detail::kSignaled);
    enqueuers_.WakeAll(detail::kSignaled);
    drain_waiters_.WakeAll(detail::kSignaled);
  }
  Run(std::move(effects));
  return Result<std::vector<TaskQueuePendingItem<T>>>::Ok(std::move(items));
}

template <class T>
Result<Unit> TaskQueue<T>::Restore(std::vector<TaskQueuePendingItem<T>> items) {
  Effects effects;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return Disposed();
    for (auto& item : items) {
      if (item.attempt < 1 || item.sequence_id < 1) {
        return detail::TaskQueueValidation("A restored item needs attempt >= 1 and sequence >= 1.");
      }
    }
    for (auto& item : items) {
      next_sequence_ = std::max(next_sequence_, item.sequence_id + 1);
      PushPendingLocked(
          Envelope{std::move(item.value), item.sequence_id, item.attempt, item.enqueued_at,
                   std::move(item.last_error), item.last_ownership_token},
          effects);
    }
  }
  Run(std::move(effects));
  return Ok();
}

template <class T>
void TaskQueue<T>::Dispose() {
  Effects effects;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    if (sweep_timer_) clock_->Cancel(*sweep_timer_);
    Error disposed = Error::From("Queue disposed before delivery.",
                                 std::string(ErrorCodes::kTaskQueueDeadLettered));
    while (!pending_.empty()) {
      Envelope e = std::move(pending_.front());
      pending_.pop_front();
      metrics_.pending->Add(-1);
      Error reason = e.last_error ? *e.last_error : disposed;
      DeadLetterLocked(std::move(e), std::move(reason), 0, effects);
    }
    lessees_.WakeAll(detail::kSignaled);
    enqueuers_.WakeAll(detail::kSignaled);
    drain_waiters_.WakeAll(detail::kSignaled);
  }
  Run(std::move(effects));
}

template <class T>
int64_t TaskQueue<T>::AddLifecycleListener(ListenerFn listener) {
  std::lock_guard lock(mutex_);
  listeners_.emplace_back(next_listener_id_, std::move(listener));
  return next_listener_id_++;
}

template <class T>
void TaskQueue<T>::RemoveLifecycleListener(int64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

}  // namespace hugo
