// SQLite's process-wide configuration. SQLite takes it only before it initializes (the first
// connection opened, or the first VFS looked up or registered), so Database::Open and the WAL
// write VFS call ConfigureSqlite() first thing; when other code initialized SQLite before, SQLite
// refuses it and runs with its defaults (correct, only slower).
//   - The page cache of page_cache.h (commits that do not walk the whole cache).
//   - No memory statistics (SQLITE_CONFIG_MEMSTATUS off). With them, every allocation and free
//     SQLite makes takes one process-wide mutex to count the bytes: 2.9 % of the server's
//     instructions under bench scenario (a) (docs/performance.md, session 50). hdo reads none of
//     them (sqlite3_memory_used, sqlite3_status) and sets no heap limit, which needs them.
//
// Thread safety: any thread; the configuration is made once.
#pragma once

namespace hdo::persistence::sqlite {

void ConfigureSqlite();

}  // namespace hdo::persistence::sqlite
