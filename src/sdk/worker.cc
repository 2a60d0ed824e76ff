#include "hdo/worker.h"

#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "async_call.h"
#include "eager_workflows.h"
#include "hdo/failure.h"
#include "hdo/worker_host.h"
#include "hugo/sync.h"
#include "worker_threads.h"
#include "workflow_task_processor.h"

namespace hdo {
namespace {

namespace wf = temporal::api::workflowservice::v1;
using std::chrono::milliseconds;

std::string RandomUuid() {
  std::random_device device;
  std::mt19937_64 random((uint64_t{device()} << 32) ^ device());
  uint64_t high = random(), low = random();
  high = (high & ~uint64_t{0xF000}) | 0x4000;                  // version 4
  low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{8} << 60);  // variant 10
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xFFFF),
                static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

milliseconds ToMillis(const google::protobuf::Duration& d) {
  return milliseconds(d.seconds() * 1000 + d.nanos() / 1'000'000);
}

std::chrono::system_clock::time_point ToTime(const google::protobuf::Timestamp& t) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(t.seconds()) + std::chrono::nanoseconds(t.nanos())));
}

// Runs the activity function with the context of its header made the thread's by the
// connection's propagators; a propagator that cannot extract fails the attempt with its error.
// The worker's interceptors run inside that context, around the function.
hugo::Result<Payloads> InvokeInContext(const Connection& connection,
                                       const ActivityRegistry& activities,
                                       const WorkerInterceptors& interceptors,
                                       ActivityContext& context,
                                       const ActivityInvocation& invocation) {
  hugo::Result<internal::ExtractedContext> extracted =
      internal::ExtractHeader(connection.context_propagators(), invocation.info.header);
  if (extracted.IsFailure()) return extracted.Error();
  if (interceptors.empty()) return activities.Invoke(context, invocation);
  auto chain = internal::InterceptorChain<WorkerInterceptor::ActivityNext>(
      interceptors, &WorkerInterceptor::ExecuteActivity,
      [&activities](ActivityContext& ctx, const ActivityInvocation& call) {
        return activities.Invoke(ctx, call);
      });
  return chain(context, invocation);
}

std::optional<std::chrono::system_clock::time_point> AttemptDeadline(
    const wf::PollActivityTaskQueueResponse& task);

ActivityInvocation InvocationFromTask(const wf::PollActivityTaskQueueResponse& task,
                                      const std::string& namespace_name,
                                      const std::string& task_queue) {
  ActivityInvocation invocation;
  ActivityInfo& info = invocation.info;
  info.namespace_name =
      task.workflow_namespace().empty() ? namespace_name : task.workflow_namespace();
  info.task_queue = task_queue;
  info.workflow_id = task.workflow_execution().workflow_id();
  info.run_id = task.workflow_execution().run_id();
  info.workflow_type = task.workflow_type().name();
  info.activity_id = task.activity_id();
  info.activity_type = task.activity_type().name();
  info.task_token = task.task_token();
  info.attempt = std::max(task.attempt(), 1);
  info.schedule_to_close_timeout = ToMillis(task.schedule_to_close_timeout());
  info.start_to_close_timeout = ToMillis(task.start_to_close_timeout());
  info.heartbeat_timeout = ToMillis(task.heartbeat_timeout());
  const auto now = std::chrono::system_clock::now();
  info.scheduled_time = task.has_scheduled_time() ? ToTime(task.scheduled_time()) : now;
  info.started_time = task.has_started_time() ? ToTime(task.started_time()) : now;
  info.deadline = AttemptDeadline(task);
  info.heartbeat_details = task.heartbeat_details();
  info.header = internal::HeaderToFields(task.header());
  invocation.input = task.input();
  return invocation;
}

// The Go SDK's calculateActivityDeadline: the earlier of scheduled + schedule_to_close and
// started + start_to_close.
std::optional<std::chrono::system_clock::time_point> AttemptDeadline(
    const wf::PollActivityTaskQueueResponse& task) {
  std::optional<std::chrono::system_clock::time_point> deadline;
  auto consider = [&](std::chrono::system_clock::time_point at) {
    if (!deadline || at < *deadline) deadline = at;
  };
  const auto now = std::chrono::system_clock::now();
  if (ToMillis(task.schedule_to_close_timeout()).count() > 0) {
    auto scheduled = task.has_scheduled_time() ? ToTime(task.scheduled_time()) : now;
    consider(scheduled + ToMillis(task.schedule_to_close_timeout()));
  }
  if (ToMillis(task.start_to_close_timeout()).count() > 0) {
    auto started = task.has_started_time() ? ToTime(task.started_time()) : now;
    consider(started + ToMillis(task.start_to_close_timeout()));
  }
  return deadline;
}

// A cancellation nobody requested through the server (the worker shutting down past its grace
// period) must not end the activity: the server does not retry a canceled failure, so it becomes
// a retryable application error and the attempt is retried, on this worker or another.
hugo::Error AttemptError(const hugo::Error& error) {
  if (!error.HasCode(hugo::ErrorCodes::kCanceled)) return error;
  return ApplicationError(
             "the activity was canceled by its worker shutting down: " + error.Message(),
             std::string(kWorkerShutdownErrorType), false)
      .WithCause(error);
}

// Poll errors after which polling again cannot help (the Go SDK's non-retryable poll errors).
bool IsFatalPollError(const hugo::Error& error) {
  static const std::set<std::string> kFatal = {"grpc.not_found", "grpc.invalid_argument",
                                               "grpc.unimplemented", "grpc.permission_denied",
                                               "grpc.unauthenticated"};
  return kFatal.count(error.Code()) > 0;
}

}  // namespace

class Worker::Impl {
 public:
  Impl(Worker& worker)
      : w_(worker),
        workflow_slots_(worker.options_.max_concurrent_workflow_tasks),
        activity_slots_(worker.options_.max_concurrent_activities) {}

  hugo::Result<hugo::Unit> Start();
  void Shutdown();
  hugo::Result<hugo::Unit> Wait(std::stop_token stop);
  bool running() const;
  std::optional<hugo::Error> fatal_error() const;
  void Log(const std::string& line) const;
  std::stop_token activity_stop_token() const { return activity_stop_.get_token(); }
  std::shared_ptr<internal::TimerThread> timers() const { return timers_; }

 private:
  // Polling holds no thread (gRPC's callback API): each of the configured pollers is a loop of
  // asynchronous long polls, each sent with a task slot taken. A poll's answer is handled on the
  // gRPC thread that read it (the task goes to the pool), which sends the next poll at once, or
  // when a slot is released, or after a backoff on the timer thread. A loop ends when polling
  // stops; Shutdown waits for every loop to end.
  enum class PollKind { kWorkflow, kActivity };
  internal::TaskSlots& SlotsOf(PollKind kind) {
    return kind == PollKind::kWorkflow ? workflow_slots_ : activity_slots_;
  }
  // The next poll of a loop: sent now when a slot is free, else when one is released. `backoff`
  // is the loop's wait after its next failed poll (0: its last poll did not fail).
  void NextPoll(PollKind kind, milliseconds backoff);
  // With a slot taken: sends the poll (or ends the loop when polling stopped).
  void SendPoll(PollKind kind, milliseconds backoff);
  void SendWorkflowPoll(milliseconds backoff);
  void SendActivityPoll(milliseconds backoff);
  void WaitForActivityTurn(internal::RateLimiter::Clock::duration wait, milliseconds backoff);
  void FailUndecodedActivity(
      const temporal::api::workflowservice::v1::PollActivityTaskQueueResponse& task,
      const hugo::Error& error);
  // After a poll's answer, the slot released or passed on with its task.
  void AfterPoll(PollKind kind, const grpc::Status& status, std::string_view what,
                 milliseconds backoff);
  void EndPollLoop();
  // Counts the polls whose objects are alive. gRPC destroys a poll's callback (and with it the
  // poll's ClientContext) after the callback returns, on its own thread; Shutdown waits for none
  // to be left, so that no poll's context outlives the worker (or the process's gRPC).
  // The first member of a poll, so destroyed last, after the ClientContext.
  class PollAlive {
   public:
    explicit PollAlive(Impl& impl) : impl_(impl) {
      std::lock_guard lock(impl_.mutex_);
      ++impl_.polls_alive_;
    }
    ~PollAlive() {
      std::lock_guard lock(impl_.mutex_);  // notified under the lock, as EndPollLoop
      --impl_.polls_alive_;
      impl_.changed_.notify_all();
    }
    PollAlive(const PollAlive&) = delete;
    PollAlive& operator=(const PollAlive&) = delete;

   private:
    Impl& impl_;
  };
  // One long poll in flight: what gRPC's callback API needs alive until the answer.
  template <class Request, class Response>
  struct PollCall {
    explicit PollCall(Impl& impl) : alive(impl) {}
    PollAlive alive;  // first: destroyed last
    grpc::ClientContext context;
    Request request;
    Response response;
    bool sticky = false;  // a workflow-task poll of the sticky queue
  };
  // Sends a poll that Shutdown can cancel, or answers it CANCELLED when the worker is already
  // shutting down.
  template <class Answered, class Send>
  void SendRegistered(grpc::ClientContext& context, Answered answered, Send send) {
    if (!RegisterPoll(&context)) {
      answered(grpc::Status(grpc::StatusCode::CANCELLED, "the worker is shutting down"));
      return;
    }
    send(std::function<void(grpc::Status)>(std::move(answered)));
  }
  bool RegisterPoll(grpc::ClientContext* context);
  void UnregisterPoll(grpc::ClientContext* context);
  void CancelPolls();
  void StopFatally(const hugo::Error& error);
  // Runs `work` on the pool with a slot of `slots` taken; the slot is released when `work` calls
  // its argument (after the task's reply is answered, on whichever thread reads the answer).
  void Dispatch(internal::TaskSlots& slots, std::function<void(std::function<void()>)> work);
  // The end of a workflow task counted in in_flight_ that did not go through Dispatch.
  std::function<void()> WorkflowTaskDone();

  bool PickSticky();
  void RunActivityTask(const wf::PollActivityTaskQueueResponse& task, std::function<void()> done);
  hugo::Result<bool> RecordHeartbeat(const std::string& task_token, const Payloads& details);
  // Sends the attempt's reply without waiting for the answer; `done` when it is answered.
  void ReplyToActivity(const ActivityContext& context, const hugo::Result<Payloads>& result,
                       std::optional<Payloads> pending_details, std::function<void()> done);
  // Sends an activity reply (`method` calls the stub's async interface) with InvokeAsync; `done`
  // when it is answered.
  using Stub = temporal::api::workflowservice::v1::WorkflowService::Stub;
  template <class Response, class Request, class Method>
  void SendActivityReply(Request request, Method method, const ActivityInfo& info,
                         std::function<void()> done);
  void SendShutdownWorker();
  void DrainInFlight();

  Worker& w_;
  std::shared_ptr<internal::TimerThread> timers_ = std::make_shared<internal::TimerThread>();
  std::unique_ptr<internal::WorkflowTaskProcessor> processor_;
  internal::TaskSlots workflow_slots_;
  internal::TaskSlots activity_slots_;
  std::unique_ptr<internal::ThreadPool> pool_;
  // Local activity attempts (the workflow tasks wait for them); joined after pool_.
  std::unique_ptr<internal::ThreadPool> local_pool_;
  hugo::WaitGroup in_flight_;
  std::stop_source poll_stop_;      // the pollers
  std::stop_source activity_stop_;  // running activities (after the grace period)

  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  bool started_ = false;
  bool shut_down_ = false;
  std::optional<hugo::Error> fatal_;
  std::set<grpc::ClientContext*> polls_;
  size_t pending_sticky_polls_ = 0;
  size_t pending_normal_polls_ = 0;
  int64_t sticky_backlog_ = 0;
  size_t poll_loops_ = 0;                             // loops not ended
  size_t polls_alive_ = 0;                            // PollAlive
  std::set<internal::TimerThread::Id> poll_retries_;  // loops waiting out a backoff
  // WorkerOptions::worker_activities_per_second (null: no limit), and the activity pollers
  // waiting for their turn, each holding an activity slot.
  std::unique_ptr<internal::RateLimiter> activity_rate_;
  std::set<internal::TimerThread::Id> rate_waits_;
  std::shared_ptr<internal::EagerWorkflowTarget> eager_target_;
};

hugo::Result<hugo::Unit> Worker::Impl::Start() {
  std::unique_lock lock(mutex_);
  if (started_) {
    return hugo::Error::From("the worker was already started (a worker starts once)",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  started_ = true;
  const WorkerOptions& o = w_.options_;
  internal::WorkflowTaskProcessorOptions processor_options{w_.namespace_name_,
                                                           o.task_queue,
                                                           o.identity,
                                                           w_.sticky_task_queue_,
                                                           o.sticky_schedule_to_start_timeout,
                                                           o.sticky_cache_size};
  processor_options.interceptors = o.interceptors;
  if (o.worker_activities_per_second > 0) {
    activity_rate_ = std::make_unique<internal::RateLimiter>(o.worker_activities_per_second);
  }
  local_pool_ = std::make_unique<internal::ThreadPool>(o.max_concurrent_local_activities);
  processor_options.submit_local_activity = [this](std::function<void()> attempt) {
    local_pool_->Submit(std::move(attempt));
  };
  processor_options.worker_stop = activity_stop_.get_token();
  processor_options.timers = timers_;
  processor_options.submit_task = [this](std::function<void()> work) {
    pool_->Submit(std::move(work));
  };
  processor_options.tasks_on_grpc_threads = o.workflow_tasks_on_grpc_threads;
  // A task queue rate limit is the server's: eager activities would bypass it (as in Go).
  if (!o.disable_eager_activities && o.task_queue_activities_per_second == 0 &&
      w_.activities_->size() > 0) {
    processor_options.eager_activities = internal::WorkflowTaskProcessorOptions::EagerActivities{
        o.task_queue,
        [this] {
          if (!activity_slots_.TryAcquire()) return false;
          if (activity_rate_ && !activity_rate_->TryTake(internal::RateLimiter::Clock::now())) {
            activity_slots_.Release();  // no turn free now: the activity goes to a poller
            return false;
          }
          return true;
        },
        [this] { activity_slots_.Release(); },
        [this](wf::PollActivityTaskQueueResponse task) {
          Dispatch(activity_slots_, [this, task = std::move(task)](std::function<void()> done) {
            RunActivityTask(task, std::move(done));
          });
        }};
  }
  processor_ = std::make_unique<internal::WorkflowTaskProcessor>(
      w_.connection_, w_.workflows_,
      [this](const ActivityInvocation& invocation) { return w_.RunLocalActivity(invocation); },
      std::move(processor_options));
  pool_ = std::make_unique<internal::ThreadPool>(o.max_concurrent_workflow_tasks +
                                                 o.max_concurrent_activities);
  const size_t workflow_pollers = w_.workflow_types_ > 0 ? o.workflow_pollers : 0;
  const size_t activity_pollers = w_.activities_->size() > 0 ? o.activity_pollers : 0;
  poll_loops_ = workflow_pollers + activity_pollers;
  if (w_.workflow_types_ > 0) {
    // Eager workflow start: a Client on this connection may hand this worker a run's first task.
    eager_target_ =
        std::make_shared<internal::EagerWorkflowTarget>(internal::EagerWorkflowTarget::Hooks{
            [this] { return workflow_slots_.TryAcquire(); }, [this] { workflow_slots_.Release(); },
            [this](wf::PollWorkflowTaskQueueResponse task) {
              // On the gRPC thread that read an asynchronous start's answer, the task may run
              // there; a blocking start's thread is the application's.
              if (w_.options_.workflow_tasks_on_grpc_threads && internal::OnGrpcThread()) {
                (void)in_flight_.Add(1);
                processor_->HandleOnGrpcThread(std::move(task), WorkflowTaskDone());
                return;
              }
              Dispatch(workflow_slots_,
                       [this, task = std::move(task)](std::function<void()> done) mutable {
                         processor_->Handle(std::move(task), std::move(done));
                       });
            }});
    internal::EagerWorkflows::Get().Register(w_.connection_.get(), w_.namespace_name_, o.task_queue,
                                             eager_target_);
  }
  lock.unlock();  // a poll registers itself under the lock
  for (size_t i = 0; i < workflow_pollers; ++i) NextPoll(PollKind::kWorkflow, milliseconds(0));
  for (size_t i = 0; i < activity_pollers; ++i) NextPoll(PollKind::kActivity, milliseconds(0));
  return hugo::Ok();
}

void Worker::Impl::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (!started_ || shut_down_) return;
    shut_down_ = true;
  }
  changed_.notify_all();
  if (eager_target_) {
    eager_target_->Close();
    internal::EagerWorkflows::Get().Unregister(eager_target_);
  }
  poll_stop_.request_stop();
  CancelPolls();
  // Loops parked on a slot or a backoff end here; one with a poll in flight ends when the poll's
  // cancellation comes back.
  size_t parked = workflow_slots_.DropWaiters() + activity_slots_.DropWaiters();
  std::set<internal::TimerThread::Id> retries;
  {
    std::lock_guard lock(mutex_);
    retries.swap(poll_retries_);
  }
  for (internal::TimerThread::Id id : retries) parked += timers_->Cancel(id) ? 1 : 0;
  std::set<internal::TimerThread::Id> turns;
  {
    std::lock_guard lock(mutex_);
    turns.swap(rate_waits_);
  }
  for (internal::TimerThread::Id id : turns) {
    if (!timers_->Cancel(id)) continue;  // it runs (or ran): it ends its loop itself
    activity_slots_.Release();
    ++parked;
  }
  {
    std::unique_lock lock(mutex_);
    poll_loops_ -= parked;
    changed_.wait(lock, [this] { return poll_loops_ == 0 && polls_alive_ == 0; });
  }
  SendShutdownWorker();
  DrainInFlight();
  processor_->EvictAll();
  pool_.reset();  // joins the pool's threads
  local_pool_.reset();
}

void Worker::Impl::DrainInFlight() {
  std::stop_source grace;
  auto timer = timers_->ScheduleAfter(w_.options_.shutdown_grace,
                                      [grace]() mutable { grace.request_stop(); });
  hugo::Result<hugo::Unit> drained = in_flight_.WaitBlocking(grace.get_token());
  timers_->Cancel(timer);
  if (drained.IsSuccess()) return;
  Log("shutdown: " + std::to_string(in_flight_.Count()) + " task(s) still running after " +
      std::to_string(w_.options_.shutdown_grace.count()) + " ms; cancelling their activities");
  activity_stop_.request_stop();
  (void)in_flight_.WaitBlocking();
}

void Worker::Impl::SendShutdownWorker() {
  wf::ShutdownWorkerRequest request;
  request.set_namespace_(w_.namespace_name_);
  request.set_sticky_task_queue(w_.sticky_task_queue_);
  request.set_identity(w_.options_.identity);
  request.set_reason("graceful shutdown");
  wf::ShutdownWorkerResponse response;
  // One attempt, not retried: a shutdown does not wait for a server that is away.
  grpc::ClientContext context;
  w_.connection_->Prepare(context);
  grpc::Status status = w_.connection_->stub().ShutdownWorker(&context, request, &response);
  if (!status.ok() && status.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
    Log(StatusToError(status, "ShutdownWorker").ToString());
  }
}

hugo::Result<hugo::Unit> Worker::Impl::Wait(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, stop, [this] { return shut_down_ || fatal_.has_value(); });
  return hugo::Ok();
}

bool Worker::Impl::running() const {
  std::lock_guard lock(mutex_);
  return started_ && !shut_down_ && !fatal_;
}

std::optional<hugo::Error> Worker::Impl::fatal_error() const {
  std::lock_guard lock(mutex_);
  return fatal_;
}

void Worker::Impl::Log(const std::string& line) const {
  const std::string full = "hdo worker task_queue=" + w_.options_.task_queue + ": " + line;
  if (w_.options_.log) {
    w_.options_.log(full);
  } else {
    std::cerr << full << std::endl;
  }
}

bool Worker::Impl::RegisterPoll(grpc::ClientContext* context) {
  std::lock_guard lock(mutex_);
  if (shut_down_ || fatal_) return false;  // CancelPolls already ran (or is about to)
  polls_.insert(context);
  return true;
}

void Worker::Impl::UnregisterPoll(grpc::ClientContext* context) {
  std::lock_guard lock(mutex_);
  polls_.erase(context);
}

void Worker::Impl::CancelPolls() {
  std::lock_guard lock(mutex_);
  for (grpc::ClientContext* context : polls_) context->TryCancel();
}

void Worker::Impl::StopFatally(const hugo::Error& error) {
  {
    std::lock_guard lock(mutex_);
    if (fatal_) return;
    fatal_ = error;
  }
  Log("stopping: polling cannot succeed: " + error.ToString());
  changed_.notify_all();
  poll_stop_.request_stop();
  CancelPolls();
}

std::function<void()> Worker::Impl::WorkflowTaskDone() {
  return [this] {
    workflow_slots_.Release();
    (void)in_flight_.Done();
  };
}

void Worker::Impl::Dispatch(internal::TaskSlots& slots,
                            std::function<void(std::function<void()>)> work) {
  (void)in_flight_.Add(1);
  pool_->Submit([this, &slots, work = std::move(work)] {
    work([this, &slots] {
      slots.Release();
      (void)in_flight_.Done();
    });
  });
}

// The Go SDK's workflowTaskPoller.getNextPollRequest: poll the sticky queue when it has a backlog
// or has no more polls waiting than the normal queue.
bool Worker::Impl::PickSticky() {
  std::lock_guard lock(mutex_);
  if (w_.sticky_task_queue_.empty()) return false;
  if (sticky_backlog_ > 0 || pending_sticky_polls_ <= pending_normal_polls_) {
    ++pending_sticky_polls_;
    return true;
  }
  ++pending_normal_polls_;
  return false;
}

void Worker::Impl::NextPoll(PollKind kind, milliseconds backoff) {
  if (SlotsOf(kind).AcquireOrWait([this, kind, backoff] { SendPoll(kind, backoff); })) {
    SendPoll(kind, backoff);
  }
}

void Worker::Impl::SendPoll(PollKind kind, milliseconds backoff) {
  if (poll_stop_.stop_requested()) {
    SlotsOf(kind).Release();
    EndPollLoop();
    return;
  }
  if (kind == PollKind::kWorkflow) {
    SendWorkflowPoll(backoff);
    return;
  }
  if (activity_rate_) {
    const auto wait = activity_rate_->Reserve(internal::RateLimiter::Clock::now());
    if (wait > internal::RateLimiter::Clock::duration::zero()) {
      WaitForActivityTurn(wait, backoff);
      return;
    }
  }
  SendActivityPoll(backoff);
}

// The activity poller (holding its slot) polls when its turn under the rate limit comes; Shutdown
// cancels the wait, releasing the slot.
void Worker::Impl::WaitForActivityTurn(internal::RateLimiter::Clock::duration wait,
                                       milliseconds backoff) {
  std::unique_lock lock(mutex_);
  if (shut_down_) {
    lock.unlock();
    activity_slots_.Release();
    EndPollLoop();
    return;
  }
  // Scheduled under the lock, so that the id is in rate_waits_ before the callback erases it.
  auto id = std::make_shared<internal::TimerThread::Id>(0);
  *id = timers_->ScheduleAfter(wait, [this, backoff, id] {
    {
      std::lock_guard turn_lock(mutex_);
      rate_waits_.erase(*id);
    }
    if (poll_stop_.stop_requested()) {
      activity_slots_.Release();
      EndPollLoop();
      return;
    }
    SendActivityPoll(backoff);
  });
  rate_waits_.insert(*id);
}

void Worker::Impl::EndPollLoop() {
  // Notified under the lock: once Shutdown sees no loop left it may destroy this.
  std::lock_guard lock(mutex_);
  --poll_loops_;
  changed_.notify_all();
}

void Worker::Impl::SendWorkflowPoll(milliseconds backoff) {
  auto poll = std::make_shared<
      PollCall<wf::PollWorkflowTaskQueueRequest, wf::PollWorkflowTaskQueueResponse>>(*this);
  poll->sticky = PickSticky();
  poll->request.set_namespace_(w_.namespace_name_);
  poll->request.set_identity(w_.options_.identity);
  auto* queue = poll->request.mutable_task_queue();
  queue->set_name(poll->sticky ? w_.sticky_task_queue_ : w_.options_.task_queue);
  queue->set_kind(poll->sticky ? temporal::api::enums::v1::TASK_QUEUE_KIND_STICKY
                               : temporal::api::enums::v1::TASK_QUEUE_KIND_NORMAL);
  if (poll->sticky) queue->set_normal_name(w_.options_.task_queue);
  w_.connection_->PrepareLongPoll(poll->context);
  auto answered = [this, poll, backoff](const grpc::Status& status) {
    UnregisterPoll(&poll->context);
    {
      std::lock_guard lock(mutex_);
      --(poll->sticky ? pending_sticky_polls_ : pending_normal_polls_);
      if (poll->sticky && status.ok()) sticky_backlog_ = poll->response.backlog_count_hint();
    }
    const bool received = status.ok() && !poll->response.task_token().empty();
    if (received && w_.options_.workflow_tasks_on_grpc_threads) {
      // The task runs on this thread (as far as it does not block), after the next poll is out.
      (void)in_flight_.Add(1);
      wf::PollWorkflowTaskQueueResponse task = std::move(poll->response);
      AfterPoll(PollKind::kWorkflow, status, "PollWorkflowTaskQueue", backoff);
      processor_->HandleReceived(std::move(task), WorkflowTaskDone(), true);
      return;
    }
    if (received) {
      Dispatch(workflow_slots_,
               [this, task = std::move(poll->response)](std::function<void()> done) mutable {
                 processor_->HandleReceived(std::move(task), std::move(done));
               });
    } else {
      workflow_slots_.Release();
    }
    AfterPoll(PollKind::kWorkflow, status, "PollWorkflowTaskQueue", backoff);
  };
  SendRegistered(poll->context, std::move(answered), [&](auto done) {
    w_.connection_->stub().async()->PollWorkflowTaskQueue(&poll->context, &poll->request,
                                                          &poll->response, std::move(done));
  });
}

void Worker::Impl::SendActivityPoll(milliseconds backoff) {
  auto poll = std::make_shared<
      PollCall<wf::PollActivityTaskQueueRequest, wf::PollActivityTaskQueueResponse>>(*this);
  poll->request.set_namespace_(w_.namespace_name_);
  poll->request.set_identity(w_.options_.identity);
  poll->request.mutable_task_queue()->set_name(w_.options_.task_queue);
  poll->request.mutable_task_queue()->set_kind(temporal::api::enums::v1::TASK_QUEUE_KIND_NORMAL);
  if (w_.options_.task_queue_activities_per_second > 0) {
    poll->request.mutable_task_queue_metadata()->mutable_max_tasks_per_second()->set_value(
        w_.options_.task_queue_activities_per_second);
  }
  w_.connection_->PrepareLongPoll(poll->context);
  auto answered = [this, poll, backoff](const grpc::Status& status) {
    UnregisterPoll(&poll->context);
    if (status.ok() && !poll->response.task_token().empty()) {
      Dispatch(activity_slots_,
               [this, task = std::move(poll->response)](std::function<void()> done) {
                 RunActivityTask(task, std::move(done));
               });
    } else {
      activity_slots_.Release();
    }
    AfterPoll(PollKind::kActivity, status, "PollActivityTaskQueue", backoff);
  };
  SendRegistered(poll->context, std::move(answered), [&](auto done) {
    w_.connection_->stub().async()->PollActivityTaskQueue(&poll->context, &poll->request,
                                                          &poll->response, std::move(done));
  });
}

void Worker::Impl::AfterPoll(PollKind kind, const grpc::Status& status, std::string_view what,
                             milliseconds backoff) {
  {
    std::lock_guard lock(mutex_);
    if (shut_down_ || fatal_ || poll_stop_.stop_requested()) {
      --poll_loops_;
      changed_.notify_all();
      return;
    }
  }
  // A long poll that reached its deadline is an empty answer, not a failure.
  if (status.ok() || status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    NextPoll(kind, status.ok() ? milliseconds(0) : backoff);
    return;
  }
  hugo::Error error = StatusToError(status, what);
  if (IsFatalPollError(error)) {
    StopFatally(error);
    EndPollLoop();
    return;
  }
  const WorkerOptions& o = w_.options_;
  const milliseconds wait =
      backoff.count() == 0 ? o.poll_backoff_initial : std::min(backoff * 2, o.poll_backoff_max);
  Log("poll failed, retrying in " + std::to_string(wait.count()) + " ms: " + error.ToString());
  std::lock_guard lock(mutex_);
  if (shut_down_) {  // Shutdown may already have cancelled the retries it knew of
    --poll_loops_;
    changed_.notify_all();
    return;
  }
  // Scheduled under the lock, so that the id is in poll_retries_ before the callback erases it.
  auto id = std::make_shared<internal::TimerThread::Id>(0);
  *id = timers_->ScheduleAfter(wait, [this, kind, wait, id] {
    {
      std::lock_guard retry_lock(mutex_);
      poll_retries_.erase(*id);
    }
    NextPoll(kind, wait);
  });
  poll_retries_.insert(*id);
}

void Worker::Impl::RunActivityTask(const wf::PollActivityTaskQueueResponse& received,
                                   std::function<void()> done) {
  // Polled and eager tasks arrive as the server sent them: decoded here.
  const wf::PollActivityTaskQueueResponse* decoded_task = &received;
  std::optional<wf::PollActivityTaskQueueResponse> decoded;
  if (w_.connection_->HasCodecs()) {
    decoded.emplace(received);
    auto decoding = w_.connection_->DecodeInbound(*decoded);
    if (decoding.IsFailure()) {
      FailUndecodedActivity(received, decoding.Error());
      done();
      return;
    }
    decoded_task = &*decoded;
  }
  const wf::PollActivityTaskQueueResponse& task = *decoded_task;
  ActivityInvocation invocation =
      InvocationFromTask(task, w_.namespace_name_, w_.options_.task_queue);
  ActivityContextOptions options;
  options.send_heartbeat = [this, token = task.task_token()](const Payloads& details) {
    return RecordHeartbeat(token, details);
  };
  options.default_heartbeat_throttle = w_.options_.default_heartbeat_throttle;
  options.max_heartbeat_throttle = w_.options_.max_heartbeat_throttle;
  options.worker_stop = activity_stop_.get_token();
  options.deadline = AttemptDeadline(task);
  options.timers = timers_;
  ActivityContext context(invocation.info, std::move(options));
  hugo::Result<Payloads> result = InvokeInContext(*w_.connection_, *w_.activities_,
                                                  w_.options_.interceptors, context, invocation);
  std::optional<Payloads> pending = context.Finish();
  ReplyToActivity(context, result, std::move(pending), std::move(done));
}

void Worker::Impl::FailUndecodedActivity(const wf::PollActivityTaskQueueResponse& task,
                                         const hugo::Error& error) {
  Log("activity " + task.activity_type().name() + " id=" + task.activity_id() +
      ": its payloads do not decode, the attempt fails: " + error.ToString());
  wf::RespondActivityTaskFailedRequest request;
  request.set_namespace_(w_.namespace_name_);
  request.set_task_token(task.task_token());
  *request.mutable_failure() = ErrorToFailure(error);
  request.set_identity(w_.options_.identity);
  wf::RespondActivityTaskFailedResponse response;
  Connection& connection = *w_.connection_;
  grpc::Status status = connection.Invoke([&](grpc::ClientContext& rpc) {
    return connection.stub().RespondActivityTaskFailed(&rpc, request, &response);
  });
  if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
    Log(StatusToError(status, "RespondActivityTaskFailed").ToString());
  }
}

hugo::Result<bool> Worker::Impl::RecordHeartbeat(const std::string& task_token,
                                                 const Payloads& details) {
  wf::RecordActivityTaskHeartbeatRequest request;
  request.set_namespace_(w_.namespace_name_);
  request.set_task_token(task_token);
  if (details.payloads_size() > 0) *request.mutable_details() = details;
  request.set_identity(w_.options_.identity);
  auto encoded = w_.connection_->EncodeOutbound(request);
  if (encoded.IsFailure()) return encoded.Error();
  wf::RecordActivityTaskHeartbeatResponse response;
  // One attempt, not retried: it runs on the timer thread, and the next heartbeat is the retry.
  grpc::ClientContext context;
  w_.connection_->Prepare(context);
  grpc::Status status =
      w_.connection_->stub().RecordActivityTaskHeartbeat(&context, request, &response);
  if (!status.ok()) {
    hugo::Error error = StatusToError(status, "RecordActivityTaskHeartbeat");
    Log(error.ToString());
    return error;
  }
  return hugo::Result<bool>::Ok(response.cancel_requested());
}

void Worker::Impl::ReplyToActivity(const ActivityContext& context,
                                   const hugo::Result<Payloads>& result,
                                   std::optional<Payloads> pending_details,
                                   std::function<void()> done) {
  const ActivityInfo& info = context.info();
  if (result.IsFailure() && IsCompleteAsync(result.Error())) {
    done();
    return;
  }
  if (context.DeadlineExceeded()) {
    // As the Go SDK: the server times the attempt out; a late reply would be refused anyway.
    Log("activity " + info.activity_type + " id=" + info.activity_id +
        " passed its deadline; no reply (the server times the attempt out)");
    done();
    return;
  }
  // Retried (internal::InvokeAsync): a reply lost to a server restart would cost the attempt's
  // start-to-close timeout and a retry of the activity.
  if (result.IsSuccess()) {
    wf::RespondActivityTaskCompletedRequest request;
    request.set_namespace_(w_.namespace_name_);
    request.set_task_token(info.task_token);
    if (result.Value().payloads_size() > 0) *request.mutable_result() = result.Value();
    request.set_identity(w_.options_.identity);
    auto encoded = w_.connection_->EncodeOutbound(request);
    if (encoded.IsFailure()) {
      // As a result that cannot be converted: the attempt fails with the codec's error.
      ReplyToActivity(context, hugo::Result<Payloads>(encoded.Error()), std::nullopt,
                      std::move(done));
      return;
    }
    SendActivityReply<wf::RespondActivityTaskCompletedResponse>(
        std::move(request),
        [](Stub::async_interface& async, grpc::ClientContext& rpc, auto* sent, auto* answer,
           std::function<void(grpc::Status)> answered) {
          async.RespondActivityTaskCompleted(&rpc, sent, answer, std::move(answered));
        },
        info, std::move(done));
  } else if (context.IsCancelRequested()) {
    wf::RespondActivityTaskCanceledRequest request;
    request.set_namespace_(w_.namespace_name_);
    request.set_task_token(info.task_token);
    request.set_identity(w_.options_.identity);
    SendActivityReply<wf::RespondActivityTaskCanceledResponse>(
        std::move(request),
        [](Stub::async_interface& async, grpc::ClientContext& rpc, auto* sent, auto* answer,
           std::function<void(grpc::Status)> answered) {
          async.RespondActivityTaskCanceled(&rpc, sent, answer, std::move(answered));
        },
        info, std::move(done));
  } else {
    wf::RespondActivityTaskFailedRequest request;
    request.set_namespace_(w_.namespace_name_);
    request.set_task_token(info.task_token);
    *request.mutable_failure() = ErrorToFailure(AttemptError(result.Error()));
    if (pending_details) *request.mutable_last_heartbeat_details() = std::move(*pending_details);
    request.set_identity(w_.options_.identity);
    // A failure the codec cannot encode is sent as it is: the attempt must fail either way.
    (void)w_.connection_->EncodeOutbound(request);
    SendActivityReply<wf::RespondActivityTaskFailedResponse>(
        std::move(request),
        [](Stub::async_interface& async, grpc::ClientContext& rpc, auto* sent, auto* answer,
           std::function<void(grpc::Status)> answered) {
          async.RespondActivityTaskFailed(&rpc, sent, answer, std::move(answered));
        },
        info, std::move(done));
  }
}

template <class Response, class Request, class Method>
void Worker::Impl::SendActivityReply(Request request, Method method, const ActivityInfo& info,
                                     std::function<void()> done) {
  struct Reply {
    Request request;
    Response response;
    std::string what;
  };
  auto reply = std::make_shared<Reply>();
  reply->request = std::move(request);
  reply->what = Request::descriptor()->name();
  reply->what.resize(reply->what.size() - std::string_view("Request").size());
  reply->what += " (activity " + info.activity_type + " id=" + info.activity_id + ")";
  internal::InvokeAsync(
      w_.connection_, timers_,
      [this, reply, method](grpc::ClientContext& context,
                            std::function<void(grpc::Status)> answered) {
        reply->response.Clear();
        method(*w_.connection_->stub().async(), context, &reply->request, &reply->response,
               std::move(answered));
      },
      [this, reply, done = std::move(done)](const grpc::Status& status) {
        // NotFound: the attempt already ended (timed out, canceled, run closed); nothing to do.
        if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
          Log(StatusToError(status, reply->what).ToString());
        }
        done();
      });
}

Worker::Worker(std::shared_ptr<Connection> connection, std::string namespace_name,
               WorkerOptions options)
    : connection_(std::move(connection)),
      namespace_name_(std::move(namespace_name)),
      options_(std::move(options)),
      workflows_(std::make_shared<WorkflowRegistry>()),
      activities_(std::make_shared<ActivityRegistry>()) {
  if (options_.identity.empty()) options_.identity = WorkerHost::DeploymentIdentity();
  if (options_.enable_sticky_execution && options_.sticky_cache_size > 0) {
    sticky_task_queue_ = options_.identity + "-" + RandomUuid();
  }
  impl_ = std::make_unique<Impl>(*this);
}

Worker::~Worker() { Shutdown(); }

hugo::Result<hugo::Unit> Worker::Start() {
  auto invalid = [](std::string message) {
    return hugo::Error::From(std::move(message), std::string(hugo::ErrorCodes::kValidation));
  };
  if (!connection_) return invalid("the worker needs a connection");
  if (namespace_name_.empty()) return invalid("the worker needs a namespace");
  if (options_.task_queue.empty()) return invalid("the worker needs a task_queue");
  if (workflow_types_ == 0 && activities_->size() == 0) {
    return invalid("worker for task_queue " + options_.task_queue +
                   " has no workflows or activities registered");
  }
  if (!(options_.worker_activities_per_second >= 0) ||
      options_.worker_activities_per_second == std::numeric_limits<double>::infinity()) {
    return invalid("worker_activities_per_second must be a finite number >= 0 (0: no limit)");
  }
  if (!(options_.task_queue_activities_per_second >= 0) ||
      options_.task_queue_activities_per_second == std::numeric_limits<double>::infinity()) {
    return invalid("task_queue_activities_per_second must be a finite number >= 0 (0: no limit)");
  }
  if (options_.max_concurrent_workflow_tasks == 0 || options_.max_concurrent_activities == 0 ||
      options_.max_concurrent_local_activities == 0) {
    return invalid(
        "max_concurrent_workflow_tasks, max_concurrent_activities and "
        "max_concurrent_local_activities must be > 0");
  }
  const size_t sticky_pollers_min = sticky_task_queue_.empty() ? 1 : 2;
  if ((workflow_types_ > 0 && options_.workflow_pollers < sticky_pollers_min) ||
      (activities_->size() > 0 && options_.activity_pollers == 0)) {
    return invalid(
        "workflow_pollers (at least 2 with sticky execution) and activity_pollers "
        "must be > 0");
  }
  return impl_->Start();
}

void Worker::Shutdown() { impl_->Shutdown(); }

hugo::Result<hugo::Unit> Worker::Run(std::stop_token stop) {
  auto started = Start();
  if (started.IsFailure()) return started;
  (void)impl_->Wait(std::move(stop));
  Shutdown();
  if (auto fatal = impl_->fatal_error()) return *fatal;
  return hugo::Ok();
}

bool Worker::running() const { return impl_->running(); }

std::optional<hugo::Error> Worker::fatal_error() const { return impl_->fatal_error(); }

hugo::Result<Payloads> Worker::RunLocalActivity(const ActivityInvocation& invocation) {
  ActivityInvocation local = invocation;
  local.info.is_local = true;
  local.info.task_token.clear();
  ActivityContextOptions options;  // no heartbeats: a local activity has no server attempt
  // The context's token stops at shutdown (past the grace period) and when the workflow cancels
  // the call, whichever comes first.
  std::stop_source stop;
  std::stop_callback on_shutdown(impl_->activity_stop_token(), [&stop] { stop.request_stop(); });
  std::stop_callback on_cancel(invocation.cancel, [&stop] { stop.request_stop(); });
  options.worker_stop = stop.get_token();
  options.timers = impl_->timers();
  options.deadline = invocation.deadline;
  if (!options.deadline) {
    std::chrono::milliseconds timeout{0};
    for (auto t : {local.info.start_to_close_timeout, local.info.schedule_to_close_timeout}) {
      if (t.count() > 0 && (timeout.count() == 0 || t < timeout)) timeout = t;
    }
    if (timeout.count() > 0) options.deadline = std::chrono::system_clock::now() + timeout;
  }
  ActivityContext context(local.info, std::move(options));
  return InvokeInContext(*connection_, *activities_, options_.interceptors, context, local);
}

}  // namespace hdo
