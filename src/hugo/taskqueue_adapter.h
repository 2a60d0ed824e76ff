// hugo::TaskQueueChannelAdapter<T>: feeds leases of a TaskQueue into a channel (Hugo's
// TaskQueueChannelAdapter). `concurrency` pump coroutines lease items and write them into a
// channel bounded to `concurrency`, so at most that many leases wait beyond those consumers hold.
// A lease that cannot be delivered (channel closed, adapter stopped) is failed with requeue and
// error.canceled (which counts as an attempt). The first pump fault completes the channel with it.
//
// Owner: the creator. Stop() (also run by the destructor) cancels the pumps and blocks until
// they have finished: never call it on the adapter's executor. Thread safety: thread-safe.
#pragma once

#include <memory>

#include "hugo/cancellation.h"
#include "hugo/channel.h"
#include "hugo/sync.h"
#include "hugo/taskqueue.h"

namespace hugo {

template <class T>
class TaskQueueChannelAdapter {
 public:
  using LeaseChannel = ChannelPtr<TaskQueueLease<T>>;

  // error.validation when concurrency < 1.
  static Result<std::unique_ptr<TaskQueueChannelAdapter>> Create(
      std::shared_ptr<TaskQueue<T>> queue, Executor executor, int concurrency = 1,
      LeaseChannel channel = nullptr) {
    if (concurrency < 1) {
      return Error::From("Concurrency must be at least 1.", std::string(ErrorCodes::kValidation));
    }
    if (!channel) channel = MakeChannel<TaskQueueLease<T>>(concurrency).Value();
    std::unique_ptr<TaskQueueChannelAdapter> adapter(
        new TaskQueueChannelAdapter(std::move(queue), channel));
    for (int i = 0; i < concurrency; ++i) {
      adapter->pumps_.Go(executor, Pump(adapter->queue_, channel, adapter->source_.Token()));
    }
    return Result<std::unique_ptr<TaskQueueChannelAdapter>>::Ok(std::move(adapter));
  }
  ~TaskQueueChannelAdapter() { Stop(); }
  TaskQueueChannelAdapter(const TaskQueueChannelAdapter&) = delete;
  TaskQueueChannelAdapter& operator=(const TaskQueueChannelAdapter&) = delete;

  const LeaseChannel& Reader() const { return channel_; }

  void Stop() {
    source_.RequestStop();
    (void)pumps_.WaitBlocking();
    channel_->Complete();
  }

 private:
  TaskQueueChannelAdapter(std::shared_ptr<TaskQueue<T>> queue, LeaseChannel channel)
      : queue_(std::move(queue)), channel_(std::move(channel)) {}

  static Task<void> Pump(std::shared_ptr<TaskQueue<T>> queue, LeaseChannel channel,
                         std::stop_token token) {
    for (;;) {
      Result<TaskQueueLease<T>> lease = co_await queue->Lease(token);
      if (lease.IsFailure()) {
        if (!lease.Error().HasCode(ErrorCodes::kCanceled)) channel->Complete(lease.Error());
        co_return;
      }
      Result<Unit> written = co_await channel->Write(lease.Value(), token);
      if (written.IsFailure()) {
        (void)lease.Value().Fail(Error::Canceled("The lease could not be delivered."), true);
        co_return;
      }
    }
  }

  std::shared_ptr<TaskQueue<T>> queue_;
  LeaseChannel channel_;
  LinkedStopSource source_;
  WaitGroup pumps_;
};

}  // namespace hugo
