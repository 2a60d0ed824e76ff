#include "persistence/sqlite/process_config.h"

#include <sqlite3.h>

#include <mutex>

#include "persistence/sqlite/page_cache.h"

namespace hdo::persistence::sqlite {

void ConfigureSqlite() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Refused (SQLITE_MISUSE) once SQLite is initialized, like the page cache below.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    InstallPageCache();
  });
}

}  // namespace hdo::persistence::sqlite
