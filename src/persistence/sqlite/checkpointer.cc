#include "persistence/sqlite/checkpointer.h"

#include <pthread.h>
#include <sqlite3.h>

#include <chrono>
#include <utility>

#include "common/metrics.h"
#include "persistence/sqlite/database.h"

namespace hdo::persistence::sqlite {
namespace {

// Prometheus (docs/architecture/metrics.md): checkpoints by who made them.
metrics::Counter* Checkpoints(const char* by) {
  return metrics::DefaultRegistry().GetCounter(
      "hdo_persistence_wal_checkpoints_total",
      "WAL checkpoints of the SQLite store, by who made them: the background thread (background), "
      "the writer copying the tail a background pass left (writer_tail), or the writer copying "
      "everything because the background thread was behind (writer_all).",
      {{"by", by}});
}

metrics::Histogram* CheckpointSeconds(const char* by) {
  return metrics::DefaultRegistry().GetHistogram(
      "hdo_persistence_wal_checkpoint_seconds",
      "Time one checkpoint of the SQLite store's WAL took, by who made it.",
      metrics::LatencyBucketsSeconds(), {{"by", by}});
}

}  // namespace

hugo::Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(sqlite3* writer,
                                                                const std::string& path,
                                                                Options options) {
  sqlite3* own = nullptr;
  // The default VFS: this connection writes only the database file (and the shared WAL index),
  // never the WAL.
  int rc =
      sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc == SQLITE_OK) {
    // A checkpoint syncs the WAL before it copies and the database file after: FULL, as the
    // writer.
    rc = sqlite3_exec(own, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) {
    std::string why = own != nullptr ? sqlite3_errmsg(own) : sqlite3_errstr(rc);
    sqlite3_close(own);
    return hugo::Error::From("cannot open the checkpoint connection on '" + path + "': " + why,
                             kErrorOpen)
        .WithMetadata("path", path);
  }
  std::unique_ptr<Checkpointer> checkpointer(new Checkpointer(writer, own, options));
  // Replaces the writer's automatic checkpoint (itself a WAL hook).
  sqlite3_wal_hook(writer, &Checkpointer::Hook, checkpointer.get());
  return hugo::Ok(std::move(checkpointer));
}

Checkpointer::Checkpointer(sqlite3* writer, sqlite3* own, Options options)
    : writer_(writer), own_(own), options_(options), thread_([this] { Loop(); }) {}

Checkpointer::~Checkpointer() {
  sqlite3_wal_autocheckpoint(writer_, options_.writer_pages);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close_v2(own_);
}

Checkpointer::Stats Checkpointer::stats() const {
  return {background_passes_.load(), background_frames_.load(), writer_tails_.load(),
          writer_fallbacks_.load(), failures_.load()};
}

int Checkpointer::Hook(void* self, sqlite3* db, const char* /*schema*/, int pages) {
  static_cast<Checkpointer*>(self)->OnCommit(db, pages);
  return SQLITE_OK;
}

void Checkpointer::OnCommit(sqlite3* db, int pages) {
  // A WAL that shrank was restarted: what a pass left backfilled was in the one before.
  if (pages < last_pages_) ++generation_;
  last_pages_ = pages;
  // While a pass runs it holds the checkpoint lock: a checkpoint of the writer's would only
  // find it busy.
  if (busy_.load(std::memory_order_acquire)) return;
  if (pages >= options_.writer_pages) {
    static metrics::Counter* all = Checkpoints("writer_all");
    all->Add();
    if (WriterCheckpoint(db)) writer_fallbacks_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (pages < options_.start_pages) return;
  const uint64_t left = backfilled_.exchange(0, std::memory_order_acq_rel);
  const int frames = static_cast<int>(left & 0xffffffffu);
  if (left >> 32 == generation_ && frames > 0 && pages - frames <= options_.tail_pages) {
    static metrics::Counter* tails = Checkpoints("writer_tail");
    tails->Add();
    if (WriterCheckpoint(db)) writer_tails_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  busy_.store(true, std::memory_order_release);
  {
    std::lock_guard lock(mutex_);
    wanted_ = true;
    wanted_generation_ = generation_;
  }
  wake_.notify_one();
}

bool Checkpointer::WriterCheckpoint(sqlite3* db) {
  static metrics::Histogram* seconds = CheckpointSeconds("writer");
  auto began = std::chrono::steady_clock::now();
  int log = 0;
  int copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  seconds->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) failures_.fetch_add(1, std::memory_order_relaxed);
  return rc == SQLITE_OK;
}

void Checkpointer::Loop() {
  pthread_setname_np(pthread_self(), "hdo-checkpoint");
  metrics::Counter* passes = Checkpoints("background");
  metrics::Histogram* seconds = CheckpointSeconds("background");
  while (true) {
    uint32_t generation = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return wanted_ || stopping_; });
      if (stopping_) return;
      wanted_ = false;
      generation = wanted_generation_;
    }
    auto began = std::chrono::steady_clock::now();
    int log = 0;
    int copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    seconds->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    if (rc == SQLITE_OK) {
      passes->Add();
      background_passes_.fetch_add(1, std::memory_order_relaxed);
      background_frames_.fetch_add(copied, std::memory_order_relaxed);
      backfilled_.store(uint64_t{generation} << 32 | static_cast<uint32_t>(copied),
                        std::memory_order_release);
    } else if (rc != SQLITE_BUSY) {
      failures_.fetch_add(1, std::memory_order_relaxed);
    }
    busy_.store(false, std::memory_order_release);
  }
}

}  // namespace hdo::persistence::sqlite
