// libhugo micro-benchmarks. Every channel benchmark has a twin on a bounded std::deque guarded by
// a std::mutex and two std::condition_variables (the baseline), with the same capacity, the same
// number of producer and consumer threads, and the same number of items, so that the two rows
// compare directly. Items/s is the figure of merit.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "hugo/channel.h"
#include "hugo/select.h"
#include "hugo/taskqueue.h"
#include "hugo/test_util.h"

namespace {

constexpr int64_t kCapacity = 1024;
constexpr int64_t kItems = 200'000;

// The baseline: a bounded blocking queue.
class DequeQueue {
 public:
  void Push(int64_t v) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return static_cast<int64_t>(items_.size()) < kCapacity; });
    items_.push_back(v);
    lock.unlock();
    not_empty_.notify_one();
  }
  bool Pop(int64_t* v) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return false;
    *v = items_.front();
    items_.pop_front();
    lock.unlock();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    not_empty_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<int64_t> items_;
  bool closed_ = false;
};

struct ChannelQueue {
  hugo::ChannelPtr<int64_t> channel = hugo::MakeChannel<int64_t>(kCapacity).Value();
  void Push(int64_t v) { (void)channel->WriteBlocking(v); }
  bool Pop(int64_t* v) {
    hugo::Result<int64_t> r = channel->ReadBlocking();
    if (r.IsFailure()) return false;
    *v = r.Value();
    return true;
  }
  void Close() { channel->Complete(); }
};

// `producers` threads push kItems in total, `consumers` threads pop them all.
template <class Queue>
void MoveItems(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  const int consumers = static_cast<int>(state.range(1));
  for (auto _ : state) {
    Queue queue;
    std::vector<std::thread> threads;
    std::atomic<int64_t> sum{0};
    for (int c = 0; c < consumers; ++c) {
      threads.emplace_back([&] {
        int64_t v, local = 0;
        while (queue.Pop(&v)) local += v;
        sum += local;
      });
    }
    std::vector<std::thread> writers;
    for (int p = 0; p < producers; ++p) {
      writers.emplace_back([&, p] {
        for (int64_t i = p; i < kItems; i += producers) queue.Push(i);
      });
    }
    for (auto& t : writers) t.join();
    queue.Close();
    for (auto& t : threads) t.join();
    if (sum.load() != kItems * (kItems - 1) / 2) state.SkipWithError("lost items");
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}

void BM_Channel(benchmark::State& state) { MoveItems<ChannelQueue>(state); }
void BM_DequeBaseline(benchmark::State& state) { MoveItems<DequeQueue>(state); }
BENCHMARK(BM_Channel)->Args({1, 1})->Args({4, 4})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DequeBaseline)
    ->Args({1, 1})
    ->Args({4, 4})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Coroutines on a 2-thread Asio pool: one producer task and one consumer task.
hugo::Task<hugo::Result<hugo::Unit>> ProduceAll(hugo::ChannelPtr<int64_t> channel) {
  for (int64_t i = 0; i < kItems; ++i) {
    hugo::Result<hugo::Unit> r = co_await channel->Write(i);
    if (r.IsFailure()) co_return r;
  }
  channel->Complete();
  co_return hugo::Ok();
}

hugo::Task<int64_t> ConsumeAll(hugo::ChannelPtr<int64_t> channel) {
  int64_t sum = 0;
  for (;;) {
    hugo::Result<int64_t> r = co_await channel->Read();
    if (r.IsFailure()) co_return sum;
    sum += r.Value();
  }
}

void BM_ChannelCoroutines(benchmark::State& state) {
  hugo::testing::Pool pool(2);
  for (auto _ : state) {
    auto channel = hugo::MakeChannel<int64_t>(kCapacity).Value();
    auto consumer = hugo::Go(pool.GetExecutor(), ConsumeAll(channel));
    auto producer = hugo::Go(pool.GetExecutor(), ProduceAll(channel));
    (void)producer.Wait();
    if (consumer.Wait() != kItems * (kItems - 1) / 2) state.SkipWithError("lost items");
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_ChannelCoroutines)->UseRealTime()->Unit(benchmark::kMillisecond);

// One select over 4 channels whose lowest-priority case has an item: probe, pick, consume.
void BM_SelectReady(benchmark::State& state) {
  std::vector<hugo::ChannelPtr<int64_t>> channels;
  for (int i = 0; i < 4; ++i) channels.push_back(hugo::MakeChannel<int64_t>(16).Value());
  for (auto _ : state) {
    channels[3]->TryWrite(1);
    hugo::Select<int64_t> select;
    for (int i = 0; i < 4; ++i)
      select.Case(
          channels[i], [](int64_t v) { return v; }, i);
    benchmark::DoNotOptimize(std::move(select).ExecuteBlocking());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SelectReady);

// Wake-up latency: a thread blocked in select until another thread writes.
void BM_SelectWakeup(benchmark::State& state) {
  auto ping = hugo::MakeChannel<int64_t>(1).Value();
  auto pong = hugo::MakeChannel<int64_t>(1).Value();
  auto idle = hugo::MakeChannel<int64_t>(1).Value();
  std::thread echo([&] {
    for (;;) {
      auto r = hugo::Select<int64_t>()
                   .Case(idle, [](int64_t v) { return v; })
                   .Case(ping, [](int64_t v) { return v; })
                   .ExecuteBlocking();
      if (r.IsFailure() || r.Value() < 0) return;
      (void)pong->WriteBlocking(r.Value());
    }
  });
  for (auto _ : state) {
    (void)ping->WriteBlocking(1);
    benchmark::DoNotOptimize(pong->ReadBlocking());
  }
  (void)ping->WriteBlocking(-1);
  echo.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SelectWakeup)->UseRealTime();

// Enqueue, lease and complete on one thread (no contention): the queue's own cost.
void BM_TaskQueueLeaseComplete(benchmark::State& state) {
  hugo::testing::Pool pool(1);
  auto queue = hugo::TaskQueue<int64_t>::Create({.capacity = 1024}, pool.GetExecutor()).Value();
  for (auto _ : state) {
    (void)queue->TryEnqueue(1);
    auto lease = queue->TryLease();
    (void)lease->Complete();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TaskQueueLeaseComplete);

// Two producers and two workers: lease + complete per second under contention.
void BM_TaskQueueContended(benchmark::State& state) {
  hugo::testing::Pool pool(1);
  constexpr int64_t kJobs = 50'000;
  for (auto _ : state) {
    auto queue = hugo::TaskQueue<int64_t>::Create({.capacity = 1024}, pool.GetExecutor()).Value();
    std::atomic<int64_t> done{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w) {
      threads.emplace_back([&] {
        for (;;) {
          auto lease = queue->LeaseBlocking();
          if (lease.IsFailure()) return;
          (void)lease.Value().Complete();
          done.fetch_add(1);
        }
      });
    }
    std::vector<std::thread> producers;
    for (int p = 0; p < 2; ++p) {
      producers.emplace_back([&] {
        for (int64_t i = 0; i < kJobs / 2; ++i) (void)queue->EnqueueBlocking(i);
      });
    }
    for (auto& t : producers) t.join();
    while (done.load() < kJobs) std::this_thread::yield();
    (void)queue->Drain();
    for (auto& t : threads) t.join();
  }
  state.SetItemsProcessed(state.iterations() * kJobs);
}
BENCHMARK(BM_TaskQueueContended)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
