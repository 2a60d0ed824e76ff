// The page token of visibility listings, the same on every engine: it names the last row of the
// previous page by its sort key, "v1:<close>:<start>:<run>" (close is kOpenSortKey while the run is
// open), so the next page starts right after it whatever was written meanwhile. Pure functions.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "hugo/result.h"
#include "persistence/visibility_store.h"

namespace hdo::persistence {

// The close time an open run sorts with (open runs come first in descending order).
inline constexpr int64_t kOpenSortKey = std::numeric_limits<int64_t>::max();

struct VisibilityPageKey {
  int64_t sort_close = 0;
  int64_t start_time = 0;
  std::string run_id;
};

std::string EncodeVisibilityPageToken(const VisibilityRecord& last);
// kErrorInvalidPageToken for a token no store handed out.
hugo::Result<VisibilityPageKey> DecodeVisibilityPageToken(std::string_view token);

}  // namespace hdo::persistence
