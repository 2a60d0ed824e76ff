#include "persistence/sql/session.h"

#include "persistence/namespace_store.h"
#include "persistence/sql/shards.h"

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

Connection& Session::connection() {
  OpenPendingSavepoint();
  return *connection_;
}

void Session::OpenPendingSavepoint() {
  if (!savepoint_pending_) return;
  savepoint_pending_ = false;
  auto saved = connection_->Execute(std::string("SAVEPOINT ") + kSavepoint, {});
  if (saved.IsFailure()) savepoint_error_ = saved.Error();
}

hugo::Result<std::vector<int64_t>> Session::ExecuteBatch(std::vector<Statement>& statements) {
  if (!savepoint_pending_) return connection_->ExecuteBatch(statements);
  // The transaction's savepoint goes in the same round trip as its first statements (moved in
  // front of them for the call, and out again).
  savepoint_pending_ = false;
  statements.insert(statements.begin(), Statement{std::string("SAVEPOINT ") + kSavepoint, {}});
  auto executed = connection_->ExecuteBatch(statements);
  statements.erase(statements.begin());
  if (executed.IsFailure()) {
    int64_t index = executed.Error().TryGetMetadata<int64_t>("statement_index").value_or(0);
    return executed.Error().WithMetadata("statement_index", index - 1);
  }
  std::vector<int64_t> affected = std::move(executed).Value();
  affected.erase(affected.begin());
  return hugo::Ok(std::move(affected));
}

hugo::Result<hugo::Unit> Session::InSavepoint(
    const std::function<hugo::Result<hugo::Unit>()>& body) {
  // The SAVEPOINT is sent with the body's first statements (ExecuteBatch, or the first use of
  // connection()). It is never released: RELEASE would cost a round trip, and the next
  // transaction's savepoint of the same name hides it until the batch ends.
  savepoint_pending_ = true;
  savepoint_error_.reset();
  auto done = body();
  if (savepoint_pending_) {
    savepoint_pending_ = false;  // the body sent nothing: nothing to keep or take back
    return done;
  }
  if (savepoint_error_.has_value() && done.IsSuccess()) done = *savepoint_error_;
  if (done.IsSuccess()) return hugo::Ok();
  if (!connection_->InTransaction()) return done;  // the connection broke: nothing to roll back
  auto rolled_back = connection_->Execute(std::string("ROLLBACK TO SAVEPOINT ") + kSavepoint, {});
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
    if (begun.IsFailure()) {
      // Another server took the shards: nothing this one holds may be written again, and its
      // owner must hear of it (group commit's lost-batch path), not only this transaction.
      if (begun.Error().HasCode(kErrorShardOwnershipLost))
        batch_listener_->BatchLost(begun.Error());
      return begun;
    }
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
