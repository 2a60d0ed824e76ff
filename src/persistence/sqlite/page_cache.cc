#include "persistence/sqlite/page_cache.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <new>
#include <vector>

namespace hdo::persistence::sqlite {
namespace {

// pcache1's methods, as SQLite reported them before this cache replaced them.
sqlite3_pcache_methods2 base{};
bool installed = false;

std::atomic<int64_t> forwarded{0};
std::atomic<int64_t> skipped{0};
std::atomic<int64_t> moved_past_end{0};

// What this cache hands SQLite as a sqlite3_pcache: pcache1's cache and the bound.
struct Cache {
  sqlite3_pcache* inner = nullptr;
  // The highest page number fetched with a create flag since the last forwarded truncation.
  unsigned fetched_max = 0;
  // Page numbers pages were moved to that were above fetched_max then, while they hold a page
  // (the balance's temporary number holds one only in the middle of its swap).
  std::vector<unsigned> moved;

  unsigned Bound() const {
    unsigned bound = fetched_max;
    for (unsigned key : moved) bound = std::max(bound, key);
    return bound;
  }
};

Cache* Of(sqlite3_pcache* cache) { return reinterpret_cast<Cache*>(cache); }

int Init(void* arg) { return base.xInit != nullptr ? base.xInit(arg) : SQLITE_OK; }

void Shutdown(void* arg) {
  if (base.xShutdown != nullptr) base.xShutdown(arg);
}

sqlite3_pcache* Create(int page_size, int extra_size, int purgeable) {
  sqlite3_pcache* inner = base.xCreate(page_size, extra_size, purgeable);
  if (inner == nullptr) return nullptr;
  auto* cache = new (std::nothrow) Cache;
  if (cache == nullptr) {
    base.xDestroy(inner);
    return nullptr;
  }
  cache->inner = inner;
  return reinterpret_cast<sqlite3_pcache*>(cache);
}

void Cachesize(sqlite3_pcache* cache, int pages) { base.xCachesize(Of(cache)->inner, pages); }

int Pagecount(sqlite3_pcache* cache) { return base.xPagecount(Of(cache)->inner); }

sqlite3_pcache_page* Fetch(sqlite3_pcache* cache, unsigned key, int create) {
  Cache* c = Of(cache);
  if (create != 0 && key > c->fetched_max) c->fetched_max = key;
  return base.xFetch(c->inner, key, create);
}

void Unpin(sqlite3_pcache* cache, sqlite3_pcache_page* page, int discard) {
  base.xUnpin(Of(cache)->inner, page, discard);
}

void Rekey(sqlite3_pcache* cache, sqlite3_pcache_page* page, unsigned old_key, unsigned new_key) {
  Cache* c = Of(cache);
  std::erase(c->moved, old_key);
  if (new_key > c->fetched_max) {
    c->moved.push_back(new_key);
    moved_past_end.fetch_add(1, std::memory_order_relaxed);
  }
  base.xRekey(c->inner, page, old_key, new_key);
}

void Truncate(sqlite3_pcache* cache, unsigned limit) {
  Cache* c = Of(cache);
  if (limit > c->Bound()) {
    skipped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  forwarded.fetch_add(1, std::memory_order_relaxed);
  base.xTruncate(c->inner, limit);
  c->fetched_max = limit == 0 ? 0 : std::min(c->fetched_max, limit - 1);
  std::erase_if(c->moved, [limit](unsigned key) { return key >= limit; });
}

void Destroy(sqlite3_pcache* cache) {
  base.xDestroy(Of(cache)->inner);
  delete Of(cache);
}

void Shrink(sqlite3_pcache* cache) {
  if (base.xShrink != nullptr) base.xShrink(Of(cache)->inner);
}

}  // namespace

bool InstallPageCache() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_pcache_methods2 current{};
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &current) != SQLITE_OK) return;
    if (current.xCreate == nullptr || current.xTruncate == nullptr) return;
    base = current;
    sqlite3_pcache_methods2 methods{};
    methods.iVersion = 1;
    methods.pArg = base.pArg;
    methods.xInit = Init;
    methods.xShutdown = Shutdown;
    methods.xCreate = Create;
    methods.xCachesize = Cachesize;
    methods.xPagecount = Pagecount;
    methods.xFetch = Fetch;
    methods.xUnpin = Unpin;
    methods.xRekey = Rekey;
    methods.xTruncate = Truncate;
    methods.xDestroy = Destroy;
    methods.xShrink = Shrink;
    installed = sqlite3_config(SQLITE_CONFIG_PCACHE2, &methods) == SQLITE_OK;
  });
  return installed;
}

PageCacheCounts PageCacheTotals() {
  return {forwarded.load(std::memory_order_relaxed), skipped.load(std::memory_order_relaxed),
          moved_past_end.load(std::memory_order_relaxed)};
}

}  // namespace hdo::persistence::sqlite
