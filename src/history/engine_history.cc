// History reads: paging with opaque tokens, the CLOSE_EVENT filter, and the wait_new_event long
// poll the SDKs use to wait for a result.
#include <algorithm>

#include "common/error_codes.h"
#include "history/engine.h"
#include "history/engine_errors.h"

namespace hdo::history {
namespace {

using internal::InvalidArgument;
using internal::IsRunning;

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using persistence::v1::MutableState;

// A page token names the next event and the run it belongs to (the reference's continuation
// token carries the run id too): the pages of one read stay on one run even when the request
// names none and the workflow continues as new meanwhile.
struct PagePosition {
  int64_t next_event_id = 1;
  std::string run_id;  // empty: the first page (the request's run, or the current one)
};

// Forward pages' tokens start "v1:", reverse pages' (which name the next page's newest event)
// "r1:": one kind is never taken for the other.
constexpr char kForward[] = "v1:";
constexpr char kReverse[] = "r1:";

std::string PageToken(int64_t next_event_id, const std::string& run_id,
                      const char* kind = kForward) {
  return kind + std::to_string(next_event_id) + ":" + run_id;
}

hugo::Result<PagePosition> ParsePageToken(const std::string& token, const char* kind = kForward) {
  if (token.empty()) return hugo::Ok(PagePosition{});
  if (token.rfind(kind, 0) == 0) {
    const size_t colon = token.find(':', 3);
    try {
      size_t used = 0;
      const std::string number = token.substr(3, colon == std::string::npos ? colon : colon - 3);
      int64_t value = std::stoll(number, &used);
      if (used == number.size() && value >= 1) {
        return hugo::Ok(PagePosition{
            value, colon == std::string::npos ? std::string() : token.substr(colon + 1)});
      }
    } catch (const std::exception&) {
      // Falls through to the error below: a token is only ever one we issued.
    }
  }
  return InvalidArgument("Invalid NextPageToken.");
}

// A close event read for a result (the CLOSE_EVENT filter) that names the chain's next run (a
// retry, a cron run) reads as a ContinuedAsNew naming it, as the reference's FixFollowEvents
// answers every client that does not announce "follows-next-run-id" (no official SDK does): the
// Java SDK's result wait follows only ContinuedAsNew, and took a retried run's first failure for
// the result.
// (ContinuedAsNew's failure is deprecated in the API; the reference still fills it here.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void FollowableCloseEvent(temporal::api::history::v1::HistoryEvent& event) {
  temporal::api::history::v1::WorkflowExecutionContinuedAsNewEventAttributes continued;
  switch (event.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
      const auto& completed = event.workflow_execution_completed_event_attributes();
      if (completed.new_execution_run_id().empty()) return;
      continued.set_new_execution_run_id(completed.new_execution_run_id());
      if (completed.has_result()) *continued.mutable_last_completion_result() = completed.result();
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
      const auto& failed = event.workflow_execution_failed_event_attributes();
      if (failed.new_execution_run_id().empty()) return;
      continued.set_new_execution_run_id(failed.new_execution_run_id());
      if (failed.has_failure()) *continued.mutable_failure() = failed.failure();
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: {
      const auto& timed_out = event.workflow_execution_timed_out_event_attributes();
      if (timed_out.new_execution_run_id().empty()) return;
      continued.set_new_execution_run_id(timed_out.new_execution_run_id());
      auto* failure = continued.mutable_failure();
      failure->set_message("workflow timeout");
      failure->mutable_timeout_failure_info()->set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
      break;
    }
    default:
      return;
  }
  event.set_event_type(enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  *event.mutable_workflow_execution_continued_as_new_event_attributes() = std::move(continued);
}
#pragma GCC diagnostic pop

}  // namespace

uint64_t Engine::GetHistory(const std::string& namespace_id,
                            const wf::GetWorkflowExecutionHistoryRequest& request,
                            HistoryDone done) {
  if (TryAnswerHistory(namespace_id, request, false, done)) return 0;
  auto waiter = std::make_shared<HistoryWaiter>();
  waiter->request = request;
  waiter->namespace_id = namespace_id;
  waiter->done = std::move(done);
  waiter->timer = std::make_unique<asio::steady_timer>(executor_);
  waiter->timer->expires_after(options_.history_long_poll);
  auto position = ParsePageToken(request.next_page_token());  // valid: TryAnswerHistory read it
  auto run_id = position.IsSuccess() && !position.Value().run_id.empty()
                    ? hugo::Result<std::string>::Ok(position.Value().run_id)
                    : ResolveRunId(namespace_id, request.execution().workflow_id(),
                                   request.execution().run_id());
  waiter->run_id = run_id.IsSuccess() ? run_id.Value() : std::string();
  // A poll naming no run waits on the run current now, as the reference binds it when the poll
  // starts: that run's close (a continue-as-new or retry included, whose close event names the
  // next run) answers it, although the workflow's current run is then the next one.
  if (waiter->request.execution().run_id().empty() && !waiter->run_id.empty()) {
    waiter->request.mutable_execution()->set_run_id(waiter->run_id);
  }
  waiter->id = next_history_wait_id_++;
  waiters_.emplace(waiter->run_id, waiter);
  history_waits_.emplace(waiter->id, waiter);
  ResultPollsWaiting().Add(1);
  waiter->timer->async_wait([this, waiter](const std::error_code& error) {
    if (error) return;  // answered earlier: the timer was cancelled
    if (!ForgetHistoryWait(*waiter)) return;
    TryAnswerHistory(waiter->namespace_id, waiter->request, true, waiter->done);
  });
  return waiter->id;
}

bool Engine::ForgetHistoryWait(const HistoryWaiter& waiter) {
  if (history_waits_.erase(waiter.id) == 0) return false;
  ResultPollsWaiting().Add(-1);
  auto [begin, end] = waiters_.equal_range(waiter.run_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second.get() == &waiter) {
      waiters_.erase(it);
      break;
    }
  }
  return true;
}

void Engine::CancelHistoryWait(uint64_t wait_id) {
  auto found = history_waits_.find(wait_id);
  if (found == history_waits_.end()) return;
  std::shared_ptr<HistoryWaiter> waiter = found->second;
  ForgetHistoryWait(*waiter);
  waiter->timer->cancel();
  waiter->done(
      hugo::Error::From("the client stopped waiting for the history", errors::kDeadlineExceeded));
}

bool Engine::TryAnswerHistory(const std::string& namespace_id,
                              const wf::GetWorkflowExecutionHistoryRequest& request,
                              bool deadline_passed, const HistoryDone& done) {
  auto position = ParsePageToken(request.next_page_token());
  if (position.IsFailure()) {
    done(position.Error());
    return true;
  }
  const std::string& token_run_id = position.Value().run_id;
  if (!token_run_id.empty() && !request.execution().run_id().empty() &&
      request.execution().run_id() != token_run_id) {
    done(InvalidArgument("RunId in the request does not match the NextPageToken."));
    return true;
  }
  auto run_id = token_run_id.empty() ? ResolveRunId(namespace_id, request.execution().workflow_id(),
                                                    request.execution().run_id())
                                     : hugo::Result<std::string>::Ok(token_run_id);
  if (run_id.IsFailure()) {
    done(run_id.Error());
    return true;
  }
  const int64_t first_event_id = position.Value().next_event_id;
  const persistence::RunKey key{namespace_id, request.execution().workflow_id(), run_id.Value()};
  auto peeked = PeekRun(key);
  if (peeked.IsFailure()) {
    done(peeked.Error());
    return true;
  }
  // Read from the cache's entry (no copy of the run): what the answer needs, before anything else.
  const bool running = IsRunning(peeked.Value()->state);
  const int64_t last_event_id = peeked.Value()->state.next_event_id() - 1;
  const bool close_only =
      request.history_event_filter_type() == enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
  const bool nothing_new = close_only ? running : first_event_id > last_event_id;
  if (nothing_new && running) {
    if (request.wait_new_event() && !deadline_passed) return false;
    // "Nothing yet, ask again": empty events with a token, which the SDKs loop on.
    wf::GetWorkflowExecutionHistoryResponse response;
    response.mutable_history();
    response.set_next_page_token(
        PageToken(close_only ? first_event_id : last_event_id + 1, run_id.Value()));
    done(hugo::Ok(std::move(response)));
    return true;
  }
  int64_t page_size = request.maximum_page_size() > 0 ? request.maximum_page_size()
                                                      : options_.history_page_size_default;
  int64_t from = close_only ? last_event_id : first_event_id;
  int64_t to = close_only ? last_event_id : std::min(last_event_id, from + page_size - 1);
  auto history = EventsOf(key, from, to);
  if (history.IsFailure()) {
    done(history.Error());
    return true;
  }
  wf::GetWorkflowExecutionHistoryResponse response;
  *response.mutable_history() = std::move(history).Value();
  if (close_only && response.history().events_size() == 1) {
    FollowableCloseEvent(*response.mutable_history()->mutable_events(0));
  }
  TypeSearchAttributes(namespace_id, *response.mutable_history());
  // A long poll of a running run always gets a token: its next call waits for what comes after
  // (the reference keeps the continuation while the run is open).
  if (!close_only && (to < last_event_id || (request.wait_new_event() && running))) {
    response.set_next_page_token(PageToken(to + 1, run_id.Value()));
  }
  done(hugo::Ok(std::move(response)));
  return true;
}

hugo::Result<wf::GetWorkflowExecutionHistoryReverseResponse> Engine::GetHistoryReverse(
    const std::string& namespace_id, const wf::GetWorkflowExecutionHistoryReverseRequest& request) {
  auto position = ParsePageToken(request.next_page_token(), kReverse);
  if (position.IsFailure()) return position.Error();
  const std::string& token_run_id = position.Value().run_id;
  if (!token_run_id.empty() && !request.execution().run_id().empty() &&
      request.execution().run_id() != token_run_id) {
    return InvalidArgument("RunId in the request does not match the NextPageToken.");
  }
  auto run_id = token_run_id.empty() ? ResolveRunId(namespace_id, request.execution().workflow_id(),
                                                    request.execution().run_id())
                                     : hugo::Result<std::string>::Ok(token_run_id);
  if (run_id.IsFailure()) return run_id.Error();
  const persistence::RunKey key{namespace_id, request.execution().workflow_id(), run_id.Value()};
  auto peeked = PeekRun(key);
  if (peeked.IsFailure()) return peeked.Error();
  const int64_t last_event_id = peeked.Value()->state.next_event_id() - 1;
  const int64_t newest = token_run_id.empty()
                             ? last_event_id
                             : std::min(last_event_id, position.Value().next_event_id);
  const int64_t page_size = request.maximum_page_size() > 0 ? request.maximum_page_size()
                                                            : options_.history_page_size_default;
  wf::GetWorkflowExecutionHistoryReverseResponse response;
  if (newest < 1) {
    response.mutable_history();
    return hugo::Ok(std::move(response));
  }
  const int64_t oldest = std::max<int64_t>(1, newest - page_size + 1);
  auto history = EventsOf(key, oldest, newest);
  if (history.IsFailure()) return history.Error();
  auto* events = history.Value().mutable_events();
  std::reverse(events->begin(), events->end());
  *response.mutable_history() = std::move(history).Value();
  TypeSearchAttributes(namespace_id, *response.mutable_history());
  if (oldest > 1) response.set_next_page_token(PageToken(oldest - 1, run_id.Value(), kReverse));
  return hugo::Ok(std::move(response));
}

void Engine::WakeWaiters(const std::string& run_id, bool running) {
  auto [begin, end] = waiters_.equal_range(run_id);
  std::vector<std::shared_ptr<HistoryWaiter>> waiting;
  for (auto it = begin; it != end;) {
    // A result poll (close event only) on a run still running would only be parked again: the
    // client's wait for a workflow's result sat through each of its transitions.
    if (running && it->second->request.history_event_filter_type() ==
                       enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT) {
      ++it;
      continue;
    }
    waiting.push_back(it->second);
    it = waiters_.erase(it);
  }
  for (auto& waiter : waiting) {
    if (TryAnswerHistory(waiter->namespace_id, waiter->request, false, waiter->done)) {
      waiter->timer->cancel();
      if (history_waits_.erase(waiter->id) != 0) ResultPollsWaiting().Add(-1);
    } else {
      waiters_.emplace(run_id, waiter);
    }
  }
}

}  // namespace hdo::history
