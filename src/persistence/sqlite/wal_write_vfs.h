// A SQLite VFS over the default one that gathers a connection's WAL writes into one write(2)
// per commit (per 124 KiB of it).
//
// SQLite appends a commit's frames to the WAL with two pwrite(2)s each (the 24-byte frame header,
// then the page): a group commit of 40 pages makes 80 system calls before its fsync. This VFS
// keeps a WAL file's writes in a buffer while they are contiguous and hands them to the real file
// in one write (per 124 KiB: the unix VFS takes less than 128 KiB a call) before anything that
// needs them there: a sync (every commit, with
// synchronous=FULL or EXTRA), a read, a size query or truncation, a file control, a write
// elsewhere in the file, 1 MiB buffered, or the close. The database file and every other file
// pass straight through.
//
// Only for connections that sync the WAL at each commit: SQLite publishes a commit's frames to
// other connections (the wal-index) after that sync, so no reader, in this process or another,
// can see a frame that is still buffered, and a commit acknowledged after its sync lost nothing
// if the process dies. With synchronous=NORMAL a commit ends without a sync, so its frames could
// stay buffered past it: Database::Open uses the plain VFS then.
//
// Deferred syncs (for group commit's sync thread, persistence/group_commit.h): while a WAL file
// of this VFS has its syncs deferred, a sync SQLite asks for writes what is buffered and returns
// without syncing, so a COMMIT returns once its frames are written (in the file, visible to
// other connections, kept if the process dies, not yet safe from a power loss), and
// SyncDeferredWal, from any thread, makes every frame written before it durable. The file's
// first sync is never deferred (SQLite's unix VFS then also syncs the folder of the new file).
//
// Thread safety: as SQLite's own VFS (a file object is used by one connection at a time), except
// SyncDeferredWal, which may run on any thread while the connection goes on.
#pragma once

#include <cstdint>

struct sqlite3_file;

namespace hdo::persistence::sqlite {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on the first call.
const char* WalWriteVfsName();

// Defers (or stops deferring) the syncs of `wal`, the WAL file of a connection opened through
// this VFS (SQLITE_FCNTL_JOURNAL_POINTER). False, and nothing changed, when `wal` is not such a
// file.
bool SetWalSyncDeferred(sqlite3_file* wal, bool deferred);
// Makes everything written to `wal` so far durable (fdatasync): SQLITE_OK or
// SQLITE_IOERR_FSYNC. Any thread; only for a file SetWalSyncDeferred accepted, while it is open.
int SyncDeferredWal(sqlite3_file* wal);

// Totals since the process started, over every WAL file opened through the VFS.
struct WalWriteCounts {
  int64_t writes_received = 0;  // xWrite calls SQLite made
  int64_t writes_issued = 0;    // writes handed to the real file (124 KiB at most each)
  int64_t syncs = 0;            // syncs of WAL files made on SQLite's request
  int64_t syncs_deferred = 0;   // syncs SQLite asked for while they were deferred
};
WalWriteCounts WalWriteVfsCounts();

}  // namespace hdo::persistence::sqlite
