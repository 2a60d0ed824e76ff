#include "persistence/sqlite/wal_write_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

#include "persistence/sqlite/process_config.h"

namespace hdo::persistence::sqlite {
namespace {

constexpr const char* kVfsName = "hdo-wal-write";
// A group commit's frames fit many times over; a larger batch is written in 1 MiB pieces.
constexpr size_t kBufferMax = size_t{1} << 20;
// The unix VFS writes at most 128 KiB - 1 bytes per call (it masks the length): the buffer goes
// to it in pieces of 31 pages.
constexpr size_t kWriteMax = 31 * 4096;

std::atomic<int64_t> writes_received{0};
std::atomic<int64_t> writes_issued{0};

// What SQLite allocates for a file of this VFS (szOsFile bytes): this header, then the real
// VFS's file object. `pending` is only set for a WAL file.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  struct Pending {
    std::string bytes;
    sqlite3_int64 offset = 0;
  } * pending;
};

sqlite3_vfs* RealVfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
File* Of(sqlite3_file* file) { return reinterpret_cast<File*>(file); }
const sqlite3_io_methods& Real(File* f) { return *f->real->pMethods; }

// Hands the buffered bytes to the real file. On failure they are dropped: SQLite treats the
// error of the operation that needed them as an I/O error of its transaction.
int Flush(File* f) {
  if (f->pending == nullptr || f->pending->bytes.empty()) return SQLITE_OK;
  const std::string& bytes = f->pending->bytes;
  int rc = SQLITE_OK;
  for (size_t done = 0; done < bytes.size() && rc == SQLITE_OK; done += kWriteMax) {
    writes_issued.fetch_add(1, std::memory_order_relaxed);
    const size_t amount = std::min(kWriteMax, bytes.size() - done);
    rc = Real(f).xWrite(f->real, bytes.data() + done, static_cast<int>(amount),
                        f->pending->offset + static_cast<sqlite3_int64>(done));
  }
  f->pending->bytes.clear();
  return rc;
}

int Close(sqlite3_file* file) {
  File* f = Of(file);
  int flushed = Flush(f);
  int rc = Real(f).xClose(f->real);
  delete f->pending;
  f->pending = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f).xRead(f->real, out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = Of(file);
  if (f->pending == nullptr) return Real(f).xWrite(f->real, data, amount, offset);
  writes_received.fetch_add(1, std::memory_order_relaxed);
  std::string& bytes = f->pending->bytes;
  const sqlite3_int64 start = f->pending->offset;
  const auto end = start + static_cast<sqlite3_int64>(bytes.size());
  // A write that starts inside the buffered range or right after it joins the buffer (SQLite
  // appends frames, and rewrites one in place when a transaction changes its page again).
  if (bytes.empty() || offset < start || offset > end) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
    f->pending->offset = offset;
  }
  // Over what is buffered from `at` on, then appended (no zero fill of the buffer first).
  const auto at = static_cast<size_t>(offset - f->pending->offset);
  const size_t over = std::min(bytes.size() - at, static_cast<size_t>(amount));
  std::memcpy(bytes.data() + at, data, over);
  bytes.append(static_cast<const char*>(data) + over, static_cast<size_t>(amount) - over);
  if (bytes.size() >= kBufferMax) return Flush(f);
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f).xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f).xSync(f->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f).xFileSize(f->real, size);
}

int Lock(sqlite3_file* file, int level) { return Real(Of(file)).xLock(Of(file)->real, level); }
int Unlock(sqlite3_file* file, int level) { return Real(Of(file)).xUnlock(Of(file)->real, level); }
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(Of(file)).xCheckReservedLock(Of(file)->real, out);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f).xFileControl(f->real, op, arg);
}

int SectorSize(sqlite3_file* file) { return Real(Of(file)).xSectorSize(Of(file)->real); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Real(Of(file)).xDeviceCharacteristics(Of(file)->real);
}

int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return Real(Of(file)).xShmMap(Of(file)->real, region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Real(Of(file)).xShmLock(Of(file)->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Real(Of(file)).xShmBarrier(Of(file)->real); }
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return Real(Of(file)).xShmUnmap(Of(file)->real, delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f).xFetch(f->real, offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Real(Of(file)).xUnfetch(Of(file)->real, offset, page);
}

// Version 3 (shared memory, memory-mapped reads): Open checks that the real file's methods are
// at least that.
const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = Of(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->pending = nullptr;
  sqlite3_vfs* real = RealVfs(vfs);
  int rc = real->xOpen(real, name, f->real, flags, out_flags);
  if (f->real->pMethods == nullptr) return rc;  // nothing to close
  if (f->real->pMethods->iVersion < 3) {
    // Not a VFS this shim can stand in front of: close it and say so.
    f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) != 0)
    f->pending = new (std::nothrow) File::Pending;
  f->base.pMethods = &kMethods;
  return rc;
}

}  // namespace

const char* WalWriteVfsName() {
  static std::once_flag registered;
  static sqlite3_vfs vfs;
  std::call_once(registered, [] {
    // Before the VFS lookup below initializes SQLite, which then takes no configuration.
    ConfigureSqlite();
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    vfs = *real;  // the rest of the VFS (names, access, time, randomness) is the real one's
    vfs.pNext = nullptr;
    vfs.zName = kVfsName;
    vfs.szOsFile = static_cast<int>(sizeof(File)) + real->szOsFile;
    vfs.pAppData = real;
    vfs.xOpen = Open;
    sqlite3_vfs_register(&vfs, 0);
  });
  return kVfsName;
}

WalWriteCounts WalWriteVfsCounts() {
  return {writes_received.load(std::memory_order_relaxed),
          writes_issued.load(std::memory_order_relaxed)};
}

}  // namespace hdo::persistence::sqlite
