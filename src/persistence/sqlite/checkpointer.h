// WAL checkpoints made by a thread of their own, so that the writer's commits do not stop for
// them.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses its page limit: it copies
// every page the WAL holds into the database file and fsyncs that file, on the thread that
// committed. On hdo's store that is the engine thread, and at 10 workflows in flight each such
// commit took 10-25 ms instead of about 0.4 (three or four a second, one in every ~300 commits):
// every workflow in flight waited for it, and those waits were the p99 of scenario (a)
// (docs/performance.md, session 36).
//
// The Checkpointer replaces the writer connection's automatic checkpoint (its WAL hook) with:
//   - a background pass: once the WAL holds `start_pages` pages after a commit, a thread of its
//     own runs a PASSIVE checkpoint on a connection of its own (sqlite3_wal_checkpoint_v2). A
//     passive checkpoint never waits for the writer and the writer never waits for it: it
//     copies the frames committed before it began, while the writer goes on appending.
//   - the writer finishing it: the WAL is rewritten from its start (SQLite's restart, which keeps
//     the file from growing and its fsyncs cheap) only when a transaction begins with every frame
//     copied, which under steady load the pass never sees, since commits follow each other
//     back to back. So when the last pass left at most `tail_pages` frames behind, the writer
//     copies those itself at its next commit (a passive checkpoint of the tail: a few dozen pages
//     and the database file's fsync, well under a millisecond), and its next transaction
//     restarts the WAL.
//   - a fallback: if the WAL still reaches `writer_pages` (the background thread far behind or
//     failing), the writer checkpoints it all itself, as SQLite's automatic checkpoint would.
//
// Checkpoints change where the committed pages live, never what is committed: a process killed
// during one leaves the WAL to be checkpointed again at the next open (SQLite's recovery).
//
// Owner: the Database whose connection it hooks, which destroys it before closing that
// connection. Thread safety: OnCommit runs on the writer's thread (inside its COMMIT); Stats()
// from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "hugo/result.h"

struct sqlite3;

namespace hdo::persistence::sqlite {

class Checkpointer {
 public:
  struct Options {
    // WAL pages after a commit from which the background pass runs.
    int start_pages = 4000;
    // Frames a finished pass may leave behind for the writer to copy itself.
    int tail_pages = 100;
    // WAL pages from which the writer checkpoints everything itself.
    int writer_pages = 32000;
  };
  struct Stats {
    int64_t background_passes = 0;  // passive checkpoints the thread made
    int64_t background_frames = 0;  // frames those left backfilled, summed
    int64_t writer_tails = 0;       // tails the writer copied after a pass
    int64_t writer_fallbacks = 0;   // whole checkpoints the writer made (the thread behind)
    int64_t failures = 0;           // checkpoints that returned an error other than busy
  };

  // Opens a connection of its own on the database file `path` and hooks `writer` (an open
  // connection on the same file, in WAL mode): from then on `writer` makes no automatic
  // checkpoint of its own.
  static hugo::Result<std::unique_ptr<Checkpointer>> Start(sqlite3* writer, const std::string& path,
                                                           Options options);
  // Unhooks the writer (its automatic checkpoint at `writer_pages` back), stops the thread and
  // closes its connection.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  Stats stats() const;

 private:
  Checkpointer(sqlite3* writer, sqlite3* own, Options options);
  static int Hook(void* self, sqlite3* db, const char* schema, int pages);
  // The writer's thread, after each commit: the WAL holds `pages` pages.
  void OnCommit(sqlite3* db, int pages);
  // The writer's thread: a passive checkpoint on the writer's own connection.
  bool WriterCheckpoint(sqlite3* db);
  void Loop();

  sqlite3* writer_;
  sqlite3* own_;
  const Options options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;  // a pass was asked for and has not started
  uint32_t wanted_generation_ = 0;
  bool stopping_ = false;
  // The writer's thread only: the WAL's pages after the last commit, and how many times the WAL
  // was restarted (seen shrinking) since the start.
  int last_pages_ = 0;
  uint32_t generation_ = 0;
  // A pass asked for and not finished (set by the writer, cleared by the thread).
  std::atomic<bool> busy_{false};
  // The last finished pass: the WAL generation it was asked in (high 32 bits) and the frames it
  // left backfilled; 0 once the writer took it.
  std::atomic<uint64_t> backfilled_{0};
  std::atomic<int64_t> background_passes_{0};
  std::atomic<int64_t> background_frames_{0};
  std::atomic<int64_t> writer_tails_{0};
  std::atomic<int64_t> writer_fallbacks_{0};
  std::atomic<int64_t> failures_{0};
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace hdo::persistence::sqlite
