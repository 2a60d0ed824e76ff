// Unary WorkflowService calls served on gRPC's completion-queue API instead of its callback API:
// the calls of the hot path (docs/architecture/frontend.md). gRPC 1.51 runs a callback method's
// code on an executor thread that the polling thread hands each event to; a completion queue
// whose own threads poll and run the code saves that hand-off, twice per call (the request's
// arrival and the call's end): hdo-bench-rpc measured 34 against 20 µs of server CPU per call
// at 200 calls in flight (docs/performance.md, session 33).
//
// A call's life: armed (one call per method always waits for the next request), arrived (the
// next one is armed and the method's Serve runs, on a completion-queue thread), finished by
// Finish from any thread (the engine thread, after the commit), and deleted once gRPC has
// returned every tag it holds (the finish, and for a waiting call the notice that the call is
// done, which says whether the client went away).
//
// Thread-safety: Finish may be called from any thread, once. Everything else runs on the
// completion queue's threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace hdo::frontend {

// What a completion queue's thread does with a tag it took: every tag hdo puts on the queue is one.
class CompletionTag {
 public:
  virtual void Proceed(bool ok) = 0;

 protected:
  ~CompletionTag() = default;
};

// The wait of a long poll or of a result wait (shared by the callback API's WaitReactor and
// AsyncUnary): the engine's id for it, and whether the client went away.
class WaitState {
 public:
  // On the engine thread, once the call waits.
  void SetWaitId(uint64_t id) { state_->id = id; }
  // Set the moment the client goes away: matching skips such a poll at once, even while the
  // cancel still queues for the engine thread behind other requests.
  std::shared_ptr<const std::atomic<bool>> Gone() const {
    return std::shared_ptr<const std::atomic<bool>>(state_, &state_->gone);
  }
  // The client went away: marks the wait gone and posts `cancel(id)` to the engine thread. The
  // request's job was posted before this, so the cancel's job (posted after it) reads the id.
  void Cancel(const std::function<void(uint64_t)>& cancel, asio::thread_pool* engine_thread) {
    state_->gone.store(true);
    asio::post(*engine_thread, [cancel, state = state_] {
      if (state->id != 0) cancel(state->id);
    });
  }

 private:
  struct State {
    uint64_t id = 0;  // engine thread only
    std::atomic<bool> gone{false};
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

template <class Request, class Response>
class AsyncUnary final {
 public:
  // One method of the service: how to ask gRPC for its next call, and what to do with one.
  struct Method {
    std::function<void(grpc::ServerContext*, Request*, grpc::ServerAsyncResponseWriter<Response>*,
                       grpc::ServerCompletionQueue*, void*)>
        request;
    std::function<void(AsyncUnary*)> serve;
    // For a call that waits (a long poll): ends the engine's wait when the client goes away.
    std::function<void(uint64_t)> cancel;
    asio::thread_pool* engine_thread = nullptr;
  };

  // Arms one call of `method` on `queue` (the method and the queue outlive every call).
  static void Arm(const Method* method, grpc::ServerCompletionQueue* queue) {
    new AsyncUnary(method, queue);
  }

  grpc::ServerContext* context() { return &context_; }
  const Request* request() const { return &request_; }
  Response* response() { return &response_; }
  std::chrono::system_clock::time_point deadline() const { return context_.deadline(); }

  // Any thread, once: the response (when `status` is OK) or the error.
  void Finish(const grpc::Status& status) {
    if (status.ok()) {
      writer_.Finish(response_, status, &finished_);
    } else {
      writer_.FinishWithError(status, &finished_);
    }
  }

  // A waiting call's (Method::cancel set) wait.
  void SetWaitId(uint64_t id) { wait_->SetWaitId(id); }
  std::shared_ptr<const std::atomic<bool>> Gone() const { return wait_->Gone(); }

 private:
  class Tag final : public CompletionTag {
   public:
    Tag(AsyncUnary* call, void (AsyncUnary::*step)(bool)) : call_(call), step_(step) {}
    void Proceed(bool ok) override { (call_->*step_)(ok); }

   private:
    AsyncUnary* call_;
    void (AsyncUnary::*step_)(bool);
  };

  AsyncUnary(const Method* method, grpc::ServerCompletionQueue* queue)
      : method_(method), queue_(queue), writer_(&context_), refs_(method->cancel ? 2 : 1) {
    // Before the call starts (gRPC's rule); gRPC returns this tag only for a call that started.
    if (method_->cancel) {
      wait_.emplace();
      context_.AsyncNotifyWhenDone(&done_);
    }
    method_->request(&context_, &request_, &writer_, queue_, &arrived_);
  }

  void Arrived(bool ok) {
    // Not ok: the server is shutting down and this call never started.
    if (!ok) {
      delete this;
      return;
    }
    Arm(method_, queue_);
    method_->serve(this);
  }
  void Finished(bool /*ok*/) { Release(); }
  void Done(bool /*ok*/) {
    if (context_.IsCancelled()) wait_->Cancel(method_->cancel, method_->engine_thread);
    Release();
  }
  void Release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  const Method* method_;
  grpc::ServerCompletionQueue* queue_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> writer_;
  std::optional<WaitState> wait_;  // a waiting call's
  std::atomic<int> refs_;          // tags gRPC still holds once the call started
  Tag arrived_{this, &AsyncUnary::Arrived};
  Tag finished_{this, &AsyncUnary::Finished};
  Tag done_{this, &AsyncUnary::Done};
};

}  // namespace hdo::frontend
