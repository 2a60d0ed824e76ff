#include "persistence/sql/session.h"

#include "persistence/namespace_store.h"

namespace hdo::persistence::sql {
namespace {

constexpr char kSavepoint[] = "hdo_transaction";

}  // namespace

Session::~Session() {
  if (batch_open_) (void)CommitBatch();
}

bool Session::Retryable(const hugo::Error& error) {
  // Definitely not committed, and nothing else was lost with it: running it again is safe.
  return error.HasCode(kErrorRetryable) ||
         (error.HasCode(kErrorConnectionLost) &&
          error.TryGetMetadata<std::string>("commit_state").value_or("") == "not_committed");
}

hugo::Result<hugo::Unit> Session::Begin() {
  auto begun = connection_->Begin();
  // A connection that broke between transactions (the server restarted, an idle timeout): the
  // driver reconnects on the next call.
  for (int attempt = 1; begun.IsFailure() && attempt < kAttempts && Retryable(begun.Error());
       ++attempt) {
    begun = connection_->Begin();
  }
  if (begun.IsFailure()) return begun;
  if (fence_) {
    auto fenced = fence_(*connection_);
    if (fenced.IsFailure()) {
      (void)connection_->Rollback();
      return fenced;
    }
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> Session::InSavepoint(
    const std::function<hugo::Result<hugo::Unit>()>& body) {
  auto saved = connection_->Execute(std::string("SAVEPOINT ") + kSavepoint, {});
  if (saved.IsFailure()) return saved.Error();
  auto done = body();
  if (done.IsSuccess()) {
    auto released = connection_->Execute(std::string("RELEASE SAVEPOINT ") + kSavepoint, {});
    if (released.IsSuccess()) return hugo::Ok();
    done = released.Error();
  }
  if (!connection_->InTransaction()) return done;  // the connection broke: nothing to roll back
  auto rolled_back = connection_->Execute(std::string("ROLLBACK TO SAVEPOINT ") + kSavepoint, {});
  if (rolled_back.IsSuccess()) {
    rolled_back = connection_->Execute(std::string("RELEASE SAVEPOINT ") + kSavepoint, {});
  }
  // The savepoint could not contain the failure: the whole transaction is unusable.
  if (rolled_back.IsFailure()) (void)connection_->Rollback();
  return done;
}

hugo::Result<hugo::Unit> Session::InTransaction(
    const std::function<hugo::Result<hugo::Unit>()>& body) {
  if (batch_listener_ != nullptr) return InBatch(body);
  if (connection_->InTransaction()) return InSavepoint(body);
  // A transaction of its own is retried when it certainly did not commit (a deadlock, a
  // serialization failure, a connection lost before COMMIT); a COMMIT whose outcome is unknown
  // is not: its error says so, and the caller reloads what the store holds.
  hugo::Result<hugo::Unit> done = hugo::Ok();
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    auto begun = Begin();
    if (begun.IsFailure()) return begun;
    done = body();
    if (done.IsSuccess()) done = connection_->Commit();
    if (done.IsSuccess()) return done;
    if (connection_->InTransaction()) (void)connection_->Rollback();
    if (!Retryable(done.Error())) return done;
  }
  return done;
}

void Session::SetBatchListener(BatchListener* listener, int batch_max) {
  batch_listener_ = listener;
  batch_max_ = batch_max;
}

hugo::Result<hugo::Unit> Session::InBatch(const std::function<hugo::Result<hugo::Unit>()>& body) {
  auto refused = batch_listener_->Refusal();
  if (refused.IsFailure()) return refused;
  if (batch_open_ && batch_transactions_ >= batch_max_) {
    auto committed = batch_listener_->BatchFull();
    if (committed.IsFailure()) return committed;
  }
  if (!batch_open_) {
    auto begun = Begin();
    if (begun.IsFailure()) return begun;
    batch_open_ = true;
    batch_transactions_ = 0;
    batch_listener_->BatchOpened();
  }
  auto done = InSavepoint(body);
  if (done.IsSuccess()) {
    ++batch_transactions_;
    return hugo::Ok();
  }
  if (!connection_->InTransaction()) LoseBatch(done.Error());
  return done;
}

void Session::LoseBatch(const hugo::Error& error) {
  batch_open_ = false;
  batch_transactions_ = 0;
  if (batch_listener_ != nullptr) batch_listener_->BatchLost(error);
}

hugo::Result<hugo::Unit> Session::CommitBatch() {
  if (!batch_open_) return hugo::Ok();
  batch_open_ = false;
  batch_transactions_ = 0;
  auto committed = connection_->Commit();
  if (committed.IsFailure()) {
    if (connection_->InTransaction()) (void)connection_->Rollback();
    return committed;
  }
  return hugo::Ok();
}

}  // namespace hdo::persistence::sql
