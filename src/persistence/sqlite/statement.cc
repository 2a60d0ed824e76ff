#include "persistence/sqlite/statement.h"

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "persistence/namespace_store.h"

namespace hdo::persistence::sqlite {
namespace {

// Looks SQL texts up by string_view: a Statement's text is not copied to find its cache entry.
struct SqlHash {
  using is_transparent = void;
  size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
};

struct ConnectionCache {
  uint64_t epoch = 0;  // which registration: a Statement gives back only to the one it came from
  size_t per_sql_max = 4;
  size_t sql_max = 256;
  // Entries are never erased while the connection is registered, so a Statement may keep a
  // pointer to its text's vector (unordered_map nodes do not move on rehash).
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>, SqlHash, std::equal_to<>> idle;
};

// Connections with a cache. Entries are few (one per open Database); the mutex is held only to
// move a pointer in or out.
struct CacheRegistry {
  std::mutex mutex;
  uint64_t epochs = 0;
  std::unordered_map<sqlite3*, ConnectionCache> connections;
};

// A value bound with more bytes than this is released when its statement goes back to the
// cache: an idle statement would otherwise hold SQLite's copy of it until its next use.
constexpr size_t kLargeValueBytes = 4096;

CacheRegistry& Registry() {
  static auto* registry = new CacheRegistry();  // never destroyed: used until process exit
  return *registry;
}

}  // namespace

void EnableStatementCache(sqlite3* db, size_t per_sql_max, size_t sql_max) {
  std::lock_guard lock(Registry().mutex);
  ConnectionCache& cache = Registry().connections[db];
  cache.epoch = ++Registry().epochs;
  cache.per_sql_max = per_sql_max;
  cache.sql_max = sql_max;
}

void DropStatementCache(sqlite3* db) {
  std::vector<sqlite3_stmt*> idle;
  {
    std::lock_guard lock(Registry().mutex);
    auto found = Registry().connections.find(db);
    if (found == Registry().connections.end()) return;
    for (auto& [sql, statements] : found->second.idle) {
      idle.insert(idle.end(), statements.begin(), statements.end());
    }
    Registry().connections.erase(found);
  }
  for (sqlite3_stmt* stmt : idle) sqlite3_finalize(stmt);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  {
    std::lock_guard lock(Registry().mutex);
    auto connection = Registry().connections.find(db);
    if (connection != Registry().connections.end()) {
      ConnectionCache& cache = connection->second;
      auto idle = cache.idle.find(sql);
      if (idle == cache.idle.end() && cache.idle.size() < cache.sql_max) {
        idle = cache.idle.emplace(std::string(sql), std::vector<sqlite3_stmt*>()).first;
      }
      if (idle != cache.idle.end()) {
        idle_ = &idle->second;
        epoch_ = cache.epoch;
        if (!idle_->empty()) {
          stmt_ = idle_->back();
          idle_->pop_back();
          reused_ = true;
          return;
        }
      }
    }
  }
  prepare_error_ =
      sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                         idle_ != nullptr ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, nullptr);
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (idle_ != nullptr && prepare_error_ == SQLITE_OK) {
    sqlite3_reset(stmt_);
    // Kept bindings are overwritten or set to NULL by the next user (NullUnbound); those this
    // statement cannot track, and large values, are released now.
    if (large_value_ || sqlite3_bind_parameter_count(stmt_) > kTrackedParameters) {
      sqlite3_clear_bindings(stmt_);
    }
    std::lock_guard lock(Registry().mutex);
    auto connection = Registry().connections.find(db_);
    if (connection != Registry().connections.end() && connection->second.epoch == epoch_ &&
        idle_->size() < connection->second.per_sql_max) {
      idle_->push_back(stmt_);
      return;
    }
  }
  sqlite3_finalize(stmt_);
}

void Statement::Bound(int index, size_t bytes) {
  if (index >= 1 && index <= kTrackedParameters) bound_ |= uint64_t{1} << (index - 1);
  if (bytes > kLargeValueBytes) large_value_ = true;
}

void Statement::NullUnbound() {
  const int count = sqlite3_bind_parameter_count(stmt_);
  for (int index = 1; index <= count && index <= kTrackedParameters; ++index) {
    if ((bound_ & (uint64_t{1} << (index - 1))) == 0) sqlite3_bind_null(stmt_, index);
  }
}

Statement& Statement::BindText(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  Bound(index, value.size());
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view value) {
  sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  Bound(index, value.size());
  return *this;
}

Statement& Statement::BindInt64(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  Bound(index, 0);
  return *this;
}

Statement& Statement::BindDouble(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  Bound(index, 0);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  Bound(index, 0);
  return *this;
}

hugo::Result<bool> Statement::Step() {
  if (prepare_error_ != SQLITE_OK) {
    last_error_ = prepare_error_;
    // A statement that does not prepare is a bug in our SQL or a schema mismatch: nothing ran.
    return hugo::Error::From(std::string("SQLite prepare failed: ") + sqlite3_errmsg(db_),
                             kErrorStore)
        .WithMetadata("commit_state", "not_committed");
  }
  if (reused_) {
    reused_ = false;
    NullUnbound();
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return hugo::Ok(true);
  if (rc == SQLITE_DONE) return hugo::Ok(false);
  last_error_ = sqlite3_extended_errcode(db_);
  return hugo::Error::From(sqlite3_errmsg(db_), kErrorStore)
      .WithMetadata("sqlite_code", int64_t{last_error_})
      .WithMetadata("commit_state", "not_committed");
}

hugo::Result<hugo::Unit> Statement::Run() {
  while (true) {
    auto step = Step();
    if (step.IsFailure()) return step.Error();
    if (!step.Value()) return hugo::Ok();
  }
}

std::string Statement::ColumnText(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  return blob == nullptr ? std::string()
                         : std::string(static_cast<const char*>(blob),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

}  // namespace hdo::persistence::sqlite
