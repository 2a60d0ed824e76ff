// SQLite's default page cache, with a commit that no longer walks the whole cache.
//
// At the end of every transaction SQLite truncates its page cache to the database's size
// (sqlite3PcacheTruncate), and the default cache (pcache1) drops the pages above it. pcache1
// decides how much to scan from the highest page number it has ever held since its last
// truncation: when that number is more than a hash table's worth above the limit, it visits every
// bucket and every cached page. A B-tree balance that reorders its new pages (3.40:
// balance_nonroot, whenever pages come from the freelist out of order) swaps two of them through
// a temporary page number just past the lock byte, 1 GiB / page size + 1 (262,145 with 4 KiB
// pages), so from then on every commit scans the whole cache: 16,384 buckets and about 13,000
// pages for hdo's 64 MiB cache, a cache miss each. Measured under bench scenario (a): 7 % of the
// server's CPU, all of it on the engine thread (docs/performance.md, session 35).
//
// This cache forwards everything to pcache1 and keeps, per cache, a bound on the page numbers it
// can hold: the highest number fetched with a create flag since the last truncation that
// reached pcache1, and the numbers pages were moved to (xRekey) that are above it, until the
// page moves again. A truncation whose limit is above that bound has no page to drop and is not
// forwarded; every other one is, unchanged.
//
// Installed process-wide (sqlite3_config) before SQLite initializes, so first thing in
// Database::Open and the WAL write VFS; when some other code initialized SQLite first, SQLite
// refuses the configuration and pcache1 is used as it is (correct, only slower).
//
// Thread safety: as pcache1's (a cache is used by one connection at a time).
#pragma once

#include <cstdint>

namespace hdo::persistence::sqlite {

// Installs the cache on the first call; true if it is SQLite's page cache.
bool InstallPageCache();

// Totals since the process started, over every cache.
struct PageCacheCounts {
  int64_t truncations_forwarded = 0;  // handed to pcache1
  int64_t truncations_skipped = 0;    // limit above every page the cache can hold
  int64_t moves_past_end = 0;         // pages moved above every page number fetched
};
PageCacheCounts PageCacheTotals();

}  // namespace hdo::persistence::sqlite
