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
// Thread safety: as SQLite's own VFS (a file object is used by one connection at a time).
#pragma once

#include <cstdint>

namespace hdo::persistence::sqlite {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on the first call.
const char* WalWriteVfsName();

// Totals since the process started, over every WAL file opened through the VFS.
struct WalWriteCounts {
  int64_t writes_received = 0;  // xWrite calls SQLite made
  int64_t writes_issued = 0;    // writes handed to the real file (124 KiB at most each)
};
WalWriteCounts WalWriteVfsCounts();

}  // namespace hdo::persistence::sqlite
