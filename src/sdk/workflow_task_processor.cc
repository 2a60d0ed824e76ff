#include "workflow_task_processor.h"

#include <iostream>
#include <latch>
#include <list>
#include <mutex>
#include <optional>
#include <semaphore>
#include <unordered_map>

#include "async_call.h"
#include "hdo/failure.h"
#include "proto_util.h"
#include "workflow_run.h"

namespace hdo::internal {
namespace {

namespace ws = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;

constexpr int kHistoryPagesMax = 10'000;
// Eager activities requested per workflow task at most (the Go SDK's maxPerTask).
constexpr int kEagerActivitiesPerTaskMax = 3;

void LogWarning(std::string_view message, const std::string& run_id) {
  std::cerr << "level=warn component=hdo-sdk-worker run_id=" << run_id << " msg=\"" << message
            << "\"\n";
}

}  // namespace

class WorkflowTaskProcessor::Impl {
 public:
  Impl(std::shared_ptr<Connection> connection, std::shared_ptr<const WorkflowRegistry> workflows,
       LocalActivityRunner local_activities, WorkflowTaskProcessorOptions options)
      : connection_(std::move(connection)),
        workflows_(std::move(workflows)),
        local_activities_(std::move(local_activities)),
        options_(std::move(options)),
        timers_(options_.timers ? options_.timers : std::make_shared<TimerThread>()) {}

  // Where a step of a task runs: on a thread that may block (the worker's pool, a test's), or
  // on the gRPC thread that received the task (tasks_on_grpc_threads), which must not.
  enum class Thread { kMayBlock, kGrpc };

  // Handles `task` and the tasks the server returns in the replies; `done` runs once the last
  // reply is answered (on the thread that read it, or this one when no reply went out).
  void Handle(ws::PollWorkflowTaskQueueResponse task, std::function<void()> done, Thread thread) {
    if (thread == Thread::kGrpc && task.has_query()) {  // answered with a blocking call
      OnPool([this, task = std::move(task), done = std::move(done)]() mutable {
        Handle(std::move(task), std::move(done), Thread::kMayBlock);
      });
      return;
    }
    if (task.has_query()) {
      HandleLegacyQuery(task);
      done();
      return;
    }
    std::shared_ptr<Entry> entry = Acquire(task.workflow_execution().run_id());
    // Held until the task and the tasks returned after it are over. On a gRPC thread a run
    // whose previous task is still being answered is waited for on the pool.
    if (thread == Thread::kGrpc && !entry->busy.try_acquire()) {
      OnPool([this, entry, task = std::move(task), done = std::move(done)]() mutable {
        entry->busy.acquire();
        Continue(std::move(entry), std::move(task), false, std::move(done), Thread::kMayBlock);
      });
      return;
    }
    if (thread == Thread::kMayBlock) entry->busy.acquire();
    Continue(std::move(entry), std::move(task), false, std::move(done), thread);
  }

  // Handle for a task as the server sent it: its payloads decoded first.
  void HandleReceived(ws::PollWorkflowTaskQueueResponse task, std::function<void()> done,
                      Thread thread) {
    if (connection_->HasCodecs()) {
      if (thread == Thread::kGrpc) {  // the codec is the application's code
        OnPool([this, task = std::move(task), done = std::move(done)]() mutable {
          HandleReceived(std::move(task), std::move(done), Thread::kMayBlock);
        });
        return;
      }
      auto decoded = connection_->DecodeInbound(task);
      if (decoded.IsFailure()) {
        Fail(task, decoded.Error());
        done();
        return;
      }
    }
    Handle(std::move(task), std::move(done), thread);
  }

  void EvictAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.clear();
    lru_.clear();
  }
  size_t cached_runs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return cache_.size();
  }

 private:
  struct Entry {
    // Held from a task's start to its reply's answer (and through the tasks the replies
    // return): the run's tasks run one at a time. A semaphore, not a mutex: the answer is read on
    // another thread than the one that started the task.
    std::binary_semaphore busy{1};
    std::unique_ptr<WorkflowRun> run;
    std::list<std::string>::iterator lru;
  };

  // A workflow task's reply in flight (Complete), with what its answer needs.
  struct Completion {
    std::shared_ptr<Entry> entry;
    ws::PollWorkflowTaskQueueResponse task;
    ws::RespondWorkflowTaskCompletedRequest reply;
    ws::RespondWorkflowTaskCompletedResponse response;
    bool heartbeat = false;
    int reserved = 0;  // eager activity slots
    std::function<void()> done;
  };

  // A task of at most this many events may replay on a gRPC thread (a sticky task carries the
  // new events only; a run's first task three).
  static constexpr int kEventsOnGrpcThreadMax = 64;

  void OnPool(std::function<void()> work) {
    if (options_.submit_task) {
      options_.submit_task(std::move(work));
    } else {
      work();
    }
  }

  // Runs one task of the run `entry` holds (busy) and sends its reply. A completion's reply may
  // carry the run's next task, already started for this worker (return_new_workflow_task): it
  // continues here, on the same slot, as in the Go SDK (`returned`). So does the task a
  // heartbeat asks for while local activities run past 80 % of the task timeout.
  void Continue(std::shared_ptr<Entry> entry, ws::PollWorkflowTaskQueueResponse task, bool returned,
                std::function<void()> done, Thread thread) {
    if (thread == Thread::kGrpc && !LightOnGrpcThread(*entry, task, returned)) {
      OnPool([this, entry = std::move(entry), task = std::move(task), returned,
              done = std::move(done)]() mutable {
        Continue(std::move(entry), std::move(task), returned, std::move(done), Thread::kMayBlock);
      });
      return;
    }
    const bool may_wait = thread == Thread::kMayBlock;
    Step(std::move(entry), std::move(task), std::move(done), thread,
         [this, returned, may_wait](Entry& held, ws::PollWorkflowTaskQueueResponse& t) {
           hugo::Result<hugo::Unit> ready = Prepare(held, t, returned);
           if (ready.IsFailure()) return ready;
           held.run->AddMessages(t.messages());
           held.run->AllowWaiting(may_wait);
           return held.run->Advance(true);
         });
  }

  // Whether a task can run on a gRPC thread without blocking it: the events it needs are in the
  // task (no history to fetch), few enough to replay, and no codec runs.
  bool LightOnGrpcThread(const Entry& entry, const ws::PollWorkflowTaskQueueResponse& task,
                         bool returned) const {
    const auto& events = task.history().events();
    if (connection_->HasCodecs() || events.size() > kEventsOnGrpcThreadMax ||
        !task.next_page_token().empty()) {
      return false;
    }
    return Continues(entry, task, returned) || (!events.empty() && events.begin()->event_id() == 1);
  }

  // Runs `advance` (the task prepared and advanced, or an activation resumed) on the run, then
  // the rest of the task: its failure reported, or its reply sent. An activation that stopped
  // where it would wait for local activities (a gRPC thread) is resumed on the pool.
  using Advance =
      std::function<hugo::Result<hugo::Unit>(Entry&, ws::PollWorkflowTaskQueueResponse&)>;
  void Step(std::shared_ptr<Entry> entry, ws::PollWorkflowTaskQueueResponse task,
            std::function<void()> done, Thread thread, const Advance& advance) {
    const std::string run_id = task.workflow_execution().run_id();
    std::optional<hugo::Error> failed;
    try {
      hugo::Result<hugo::Unit> ready = advance(*entry, task);
      if (ready.IsFailure()) failed = ready.Error();
    } catch (const std::exception& e) {
      std::cerr << "level=error component=hdo-sdk-worker msg=\"workflow task: " << e.what()
                << "\"\n";
      Evict(run_id);
      entry->busy.release();
      done();
      return;
    }
    if (!failed && entry->run->waiting()) {
      OnPool([this, entry = std::move(entry), task = std::move(task),
              done = std::move(done)]() mutable {
        Step(std::move(entry), std::move(task), std::move(done), Thread::kMayBlock,
             [](Entry& held, ws::PollWorkflowTaskQueueResponse&) { return held.run->Resume(); });
      });
      return;
    }
    if (failed) {
      Evict(run_id);
      auto report = [this, entry = std::move(entry), task = std::move(task), error = *failed,
                     done = std::move(done)] {
        Fail(task, error);  // a blocking call
        entry->busy.release();
        done();
      };
      if (thread == Thread::kGrpc) {
        OnPool(std::move(report));
      } else {
        report();
      }
      return;
    }
    if (entry->run->abandoned()) {  // the worker stopped while local activities ran: no reply
      Evict(run_id);
      entry->busy.release();
      done();
      return;
    }
    auto completion = std::make_shared<Completion>();
    completion->heartbeat = entry->run->local_activities_running();
    completion->entry = std::move(entry);
    completion->task = std::move(task);
    completion->done = std::move(done);
    Complete(std::move(completion));
  }

  // Sends the task's reply (its answer in Completed). A `heartbeat` (local activities still
  // running) asks for the run's next task (force_create_new_workflow_task), as the Go SDK does.
  void Complete(std::shared_ptr<Completion> completion) {
    const ws::PollWorkflowTaskQueueResponse& task = completion->task;
    WorkflowRun& run = *completion->entry->run;
    ws::RespondWorkflowTaskCompletedRequest& reply = completion->reply;
    reply.set_task_token(task.task_token());
    reply.set_identity(options_.identity);
    reply.set_namespace_(options_.namespace_name);
    reply.set_return_new_workflow_task(true);
    reply.set_force_create_new_workflow_task(completion->heartbeat && !run.closed());
    for (auto& command : run.TakeCommands()) *reply.add_commands() = std::move(command);
    for (auto& message : run.TakeMessages()) *reply.add_messages() = std::move(message);
    AnswerQueries(task, run, reply);
    if (!options_.sticky_task_queue.empty() && !run.closed()) {
      auto* sticky = reply.mutable_sticky_attributes();
      sticky->mutable_worker_task_queue()->set_name(options_.sticky_task_queue);
      sticky->mutable_worker_task_queue()->set_kind(enums::TASK_QUEUE_KIND_STICKY);
      sticky->mutable_worker_task_queue()->set_normal_name(options_.task_queue);
      *sticky->mutable_schedule_to_start_timeout() =
          ToProtoDuration(options_.sticky_schedule_to_start_timeout);
    }
    completion->reserved = ReserveEagerActivities(reply);
    auto encoded = connection_->EncodeOutbound(reply);
    if (encoded.IsFailure()) {
      for (int i = 0; i < completion->reserved; ++i) options_.eager_activities->release();
      Evict(task.workflow_execution().run_id());
      Fail(task, encoded.Error());
      completion->entry->busy.release();
      completion->done();
      return;
    }
    InvokeAsync(
        connection_, timers_,
        [this, completion](grpc::ClientContext& context,
                           std::function<void(grpc::Status)> answered) {
          completion->response.Clear();
          connection_->stub().async()->RespondWorkflowTaskCompleted(
              &context, &completion->reply, &completion->response, std::move(answered));
        },
        [this, completion](const grpc::Status& status) { Completed(completion, status); });
  }

  // The reply's answer: the eager activities it carries started, the run continued with the
  // task it returns, or the task over.
  void Completed(const std::shared_ptr<Completion>& completion, const grpc::Status& status) {
    const ws::PollWorkflowTaskQueueResponse& task = completion->task;
    const std::string& run_id = task.workflow_execution().run_id();
    RunEagerActivities(status.ok() ? &completion->response : nullptr, completion->reserved, task);
    std::optional<ws::PollWorkflowTaskQueueResponse> next;
    const bool closed = completion->entry->run->closed();
    if (!status.ok()) {
      // The server did not take the reply (e.g. new events arrived): drop the cached state.
      LogWarning(StatusToError(status, "completing a workflow task").Message(), run_id);
      Evict(run_id);
    } else if (!closed && !completion->response.workflow_task().task_token().empty()) {
      // The eager activity tasks are decoded where they run (Worker::Impl::RunActivityTask).
      ws::PollWorkflowTaskQueueResponse& returned = *completion->response.mutable_workflow_task();
      auto decoded = connection_->DecodeInbound(returned);
      if (decoded.IsFailure()) {
        Fail(returned, decoded.Error());
      } else {
        next = std::move(returned);
      }
    }
    if (completion->heartbeat && !next.has_value()) {
      Evict(run_id);  // the run's local activities go on without a task
    } else if (closed || options_.sticky_task_queue.empty()) {
      Evict(run_id);
    }
    if (!next.has_value()) {
      completion->entry->busy.release();
      completion->done();
      return;
    }
    // The returned task runs workflow code: on the thread that read the answer only as far as
    // it does not block (tasks_on_grpc_threads).
    if (options_.tasks_on_grpc_threads) {
      Continue(completion->entry, std::move(*next), true, std::move(completion->done),
               Thread::kGrpc);
      return;
    }
    OnPool([this, entry = completion->entry, task = std::move(*next),
            done = std::move(completion->done)]() mutable {
      Continue(std::move(entry), std::move(task), true, std::move(done), Thread::kMayBlock);
    });
  }

  std::shared_ptr<Entry> Acquire(const std::string& run_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(run_id);
    if (it != cache_.end()) {
      lru_.erase(it->second->lru);
      lru_.push_front(run_id);
      it->second->lru = lru_.begin();
      return it->second;
    }
    while (cache_.size() >= options_.cache_size_max && !lru_.empty()) {
      cache_.erase(lru_.back());  // the run's tasks hold their own reference while running
      lru_.pop_back();
    }
    auto entry = std::make_shared<Entry>();
    lru_.push_front(run_id);
    entry->lru = lru_.begin();
    cache_[run_id] = entry;
    return entry;
  }

  void Evict(const std::string& run_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(run_id);
    if (it == cache_.end()) return;
    lru_.erase(it->second->lru);
    cache_.erase(it);
  }

  std::unique_ptr<WorkflowRun> NewRun() {
    return std::make_unique<WorkflowRun>(
        workflows_.get(), local_activities_,
        WorkflowRunOptions{options_.namespace_name, options_.task_queue, options_.identity,
                           connection_->context_propagators(), options_.interceptors,
                           options_.submit_local_activity, options_.worker_stop});
  }

  // The run, holding every event of the task: the cached one continued, or a new one from the
  // task's history (fetched in full when the task carries only the sticky tail). A task returned
  // in the reply of this run's completion (`returned`) continues the run even when it carries
  // the whole history (not sticky): the run holds the events up to it, and its local
  // activities may still be running.
  // The run takes the task's events (nothing reads them from the task afterwards).
  hugo::Result<hugo::Unit> Prepare(Entry& entry, ws::PollWorkflowTaskQueueResponse& task,
                                   bool returned) {
    const auto& events = task.history().events();
    if (Continues(entry, task, returned)) {
      auto appended = entry.run->AppendEvents(std::move(*task.mutable_history()->mutable_events()));
      if (appended.IsFailure()) return appended;
      return FetchRemaining(*entry.run, task.workflow_execution(), task.next_page_token());
    }
    entry.run = NewRun();
    if (!events.empty() && events.begin()->event_id() == 1) {
      auto appended = entry.run->AppendEvents(std::move(*task.mutable_history()->mutable_events()));
      if (appended.IsFailure()) return appended;
      auto rest = FetchRemaining(*entry.run, task.workflow_execution(), task.next_page_token());
      if (rest.IsFailure()) return rest;
    } else {
      auto full = FetchRemaining(*entry.run, task.workflow_execution(), "", true);
      if (full.IsFailure()) return full;
      // A sticky task's tail may hold events the server did not persist (the speculative
      // workflow task of an update, after the previous one was rejected and discarded): the
      // fetched history lacks them, so they are appended from the task.
      google::protobuf::RepeatedPtrField<HistoryEvent> unpersisted;
      for (const auto& event : events) {
        if (event.event_id() >= entry.run->next_event_id()) *unpersisted.Add() = event;
      }
      if (!unpersisted.empty()) {
        auto appended = entry.run->AppendEvents(unpersisted);
        if (appended.IsFailure()) return appended;
      }
    }
    entry.run->SetWorkflowId(task.workflow_execution().workflow_id());
    entry.run->execution_context().IncrementReplayCount();
    return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  }

  // Whether the task continues the cached run (AppendEvents skips the events the run holds).
  static bool Continues(const Entry& entry, const ws::PollWorkflowTaskQueueResponse& task,
                        bool returned) {
    const auto& events = task.history().events();
    const int64_t next = entry.run ? entry.run->next_event_id() : 0;
    return entry.run && !events.empty() &&
           (events.begin()->event_id() == next ||
            (returned && events.begin()->event_id() < next &&
             (events.rbegin()->event_id() >= next || !task.next_page_token().empty())));
  }

  hugo::Result<hugo::Unit> FetchRemaining(WorkflowRun& run,
                                          const temporal::api::common::v1::WorkflowExecution& wf,
                                          std::string token, bool from_start = false) {
    for (int page = 0; page < kHistoryPagesMax && (from_start || !token.empty()); ++page) {
      from_start = false;
      ws::GetWorkflowExecutionHistoryRequest request;
      request.set_namespace_(options_.namespace_name);
      *request.mutable_execution() = wf;
      request.set_next_page_token(token);
      ws::GetWorkflowExecutionHistoryResponse response;
      grpc::Status status = connection_->Invoke([&](grpc::ClientContext& context) {
        response.Clear();
        return connection_->stub().GetWorkflowExecutionHistory(&context, request, &response);
      });
      if (!status.ok()) return StatusToError(status, "fetching the history of " + wf.run_id());
      auto decoded = connection_->DecodeInbound(response);
      if (decoded.IsFailure()) return decoded;
      auto appended = run.AppendEvents(std::move(*response.mutable_history()->mutable_events()));
      if (appended.IsFailure()) return appended;
      token = response.next_page_token();
    }
    return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  }

  void AnswerQueries(const ws::PollWorkflowTaskQueueResponse& task, WorkflowRun& run,
                     ws::RespondWorkflowTaskCompletedRequest& reply) {
    for (const auto& [id, query] : task.queries()) {
      temporal::api::query::v1::WorkflowQueryResult result;
      hugo::Result<Payloads> answer =
          run.Query(query.query_type(), query.query_args(), query.header());
      if (answer.IsSuccess()) {
        result.set_result_type(enums::QUERY_RESULT_TYPE_ANSWERED);
        *result.mutable_answer() = answer.Value();
      } else {
        result.set_result_type(enums::QUERY_RESULT_TYPE_FAILED);
        result.set_error_message(answer.Error().Message());
        *result.mutable_failure() = ErrorToFailure(answer.Error());
      }
      (*reply.mutable_query_results())[id] = std::move(result);
    }
  }

  // Keeps request_eager_execution on the ScheduleActivityTask commands this worker can take now
  // (its queue, a free activity slot, the per-task limit) and clears it on the others, so the
  // server never hands back more than was reserved. Returns the slots reserved.
  int ReserveEagerActivities(ws::RespondWorkflowTaskCompletedRequest& reply) {
    int reserved = 0;
    for (auto& command : *reply.mutable_commands()) {
      if (!command.has_schedule_activity_task_command_attributes()) continue;
      auto* attributes = command.mutable_schedule_activity_task_command_attributes();
      if (!attributes->request_eager_execution()) continue;
      const auto& eager = options_.eager_activities;
      const bool take = eager.has_value() && attributes->task_queue().name() == eager->task_queue &&
                        reserved < kEagerActivitiesPerTaskMax && eager->try_reserve();
      attributes->set_request_eager_execution(take);
      if (take) ++reserved;
    }
    return reserved;
  }

  // Runs the activity tasks the completion's reply carries on the reserved slots and gives the
  // unused slots back (`response` null: the completion failed, nothing came back).
  void RunEagerActivities(ws::RespondWorkflowTaskCompletedResponse* response, int reserved,
                          const ws::PollWorkflowTaskQueueResponse& task) {
    if (reserved == 0) return;
    const auto& eager = *options_.eager_activities;
    if (response != nullptr) {
      auto* tasks = response->mutable_activity_tasks();
      if (tasks->size() > reserved) {
        LogWarning("the server returned " + std::to_string(tasks->size()) +
                       " eager activity tasks for " + std::to_string(reserved) +
                       " requested; the extra ones are left to time out and retry",
                   task.workflow_execution().run_id());
      }
      for (auto& activity : *tasks) {
        if (reserved == 0) break;
        --reserved;
        eager.run(std::move(activity));
      }
    }
    for (; reserved > 0; --reserved) eager.release();
  }

  // Reports the failure on the task's first attempt only: later attempts time out instead, so a
  // deterministic bug does not spin the workflow task (the Go SDK does the same).
  void Fail(const ws::PollWorkflowTaskQueueResponse& task, const hugo::Error& error) {
    LogWarning("workflow task failed: " + error.ToString(), task.workflow_execution().run_id());
    if (task.attempt() > 1) return;
    ws::RespondWorkflowTaskFailedRequest reply;
    reply.set_task_token(task.task_token());
    reply.set_identity(options_.identity);
    reply.set_namespace_(options_.namespace_name);
    reply.set_cause(error.HasCode(WorkflowErrorCodes::kNonDeterminism)
                        ? enums::WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
                        : enums::WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE);
    *reply.mutable_failure() = ErrorToFailure(error);
    reply.mutable_messages()->Clear();
    // A failure the codec cannot encode is sent as it is: the task must fail either way.
    (void)connection_->EncodeOutbound(reply);
    ws::RespondWorkflowTaskFailedResponse response;
    (void)connection_->Invoke([&](grpc::ClientContext& context) {
      return connection_->stub().RespondWorkflowTaskFailed(&context, reply, &response);
    });
  }

  void HandleLegacyQuery(const ws::PollWorkflowTaskQueueResponse& task) {
    const std::string run_id = task.workflow_execution().run_id();
    hugo::Result<Payloads> answer = hugo::Error::Unspecified();
    {
      std::shared_ptr<Entry> entry = Acquire(run_id);
      entry->busy.acquire();
      std::shared_ptr<void> release(nullptr, [&entry](void*) { entry->busy.release(); });
      const auto& events = task.history().events();
      int64_t last = events.empty() ? 0 : events.rbegin()->event_id();
      bool current = entry->run && (events.empty() || entry->run->next_event_id() == last + 1);
      std::unique_ptr<WorkflowRun> scratch;
      WorkflowRun* run = entry->run.get();
      if (!current) {
        scratch = NewRun();
        auto full = FetchRemaining(*scratch, task.workflow_execution(), "", true);
        if (full.IsSuccess()) {
          scratch->SetWorkflowId(task.workflow_execution().workflow_id());
          full = scratch->Advance(false);
        }
        if (full.IsFailure()) answer = full.Error();
        run = full.IsSuccess() ? scratch.get() : nullptr;
      }
      if (run != nullptr) {
        answer =
            run->Query(task.query().query_type(), task.query().query_args(), task.query().header());
      }
    }
    ws::RespondQueryTaskCompletedRequest reply;
    reply.set_task_token(task.task_token());
    reply.set_namespace_(options_.namespace_name);
    if (answer.IsSuccess()) {
      reply.set_completed_type(enums::QUERY_RESULT_TYPE_ANSWERED);
      *reply.mutable_query_result() = answer.Value();
    } else {
      reply.set_completed_type(enums::QUERY_RESULT_TYPE_FAILED);
      reply.set_error_message(answer.Error().Message());
      *reply.mutable_failure() = ErrorToFailure(answer.Error());
    }
    auto encoded = connection_->EncodeOutbound(reply);
    if (encoded.IsFailure()) {
      reply.set_completed_type(enums::QUERY_RESULT_TYPE_FAILED);
      reply.clear_query_result();
      reply.set_error_message(encoded.Error().Message());
      *reply.mutable_failure() = ErrorToFailure(encoded.Error());
    }
    ws::RespondQueryTaskCompletedResponse response;
    (void)connection_->Invoke([&](grpc::ClientContext& context) {
      return connection_->stub().RespondQueryTaskCompleted(&context, reply, &response);
    });
  }

  std::shared_ptr<Connection> connection_;
  std::shared_ptr<const WorkflowRegistry> workflows_;
  LocalActivityRunner local_activities_;
  WorkflowTaskProcessorOptions options_;
  std::shared_ptr<TimerThread> timers_;  // the waits between a reply's attempts
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> cache_;
  std::list<std::string> lru_;
};

WorkflowTaskProcessor::WorkflowTaskProcessor(std::shared_ptr<Connection> connection,
                                             std::shared_ptr<const WorkflowRegistry> workflows,
                                             LocalActivityRunner local_activities,
                                             WorkflowTaskProcessorOptions options)
    : impl_(std::make_unique<Impl>(std::move(connection), std::move(workflows),
                                   std::move(local_activities), std::move(options))) {}
WorkflowTaskProcessor::~WorkflowTaskProcessor() = default;

void WorkflowTaskProcessor::Handle(ws::PollWorkflowTaskQueueResponse task,
                                   std::function<void()> done) {
  impl_->Handle(std::move(task), std::move(done), Impl::Thread::kMayBlock);
}
void WorkflowTaskProcessor::HandleOnGrpcThread(ws::PollWorkflowTaskQueueResponse task,
                                               std::function<void()> done) {
  impl_->Handle(std::move(task), std::move(done), Impl::Thread::kGrpc);
}
void WorkflowTaskProcessor::Handle(ws::PollWorkflowTaskQueueResponse task) {
  std::latch answered(1);
  Handle(std::move(task), [&answered] { answered.count_down(); });
  answered.wait();
}
void WorkflowTaskProcessor::HandleReceived(ws::PollWorkflowTaskQueueResponse task,
                                           std::function<void()> done, bool on_grpc_thread) {
  impl_->HandleReceived(std::move(task), std::move(done),
                        on_grpc_thread ? Impl::Thread::kGrpc : Impl::Thread::kMayBlock);
}
void WorkflowTaskProcessor::EvictAll() { impl_->EvictAll(); }
size_t WorkflowTaskProcessor::cached_runs() const { return impl_->cached_runs(); }

}  // namespace hdo::internal
