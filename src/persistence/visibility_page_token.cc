#include "persistence/visibility_page_token.h"

#include <charconv>

namespace hdo::persistence {

std::string EncodeVisibilityPageToken(const VisibilityRecord& last) {
  return "v1:" + std::to_string(last.close_time.value_or(kOpenSortKey)) + ":" +
         std::to_string(last.start_time) + ":" + last.run_id;
}

hugo::Result<VisibilityPageKey> DecodeVisibilityPageToken(std::string_view token) {
  auto invalid = [] {
    return hugo::Error::From("invalid next page token", kErrorInvalidPageToken);
  };
  if (token.substr(0, 3) != "v1:") return invalid();
  token.remove_prefix(3);
  VisibilityPageKey key;
  for (int64_t* field : {&key.sort_close, &key.start_time}) {
    size_t colon = token.find(':');
    if (colon == std::string_view::npos) return invalid();
    auto parsed = std::from_chars(token.data(), token.data() + colon, *field);
    if (parsed.ec != std::errc() || parsed.ptr != token.data() + colon) return invalid();
    token.remove_prefix(colon + 1);
  }
  if (token.empty()) return invalid();
  key.run_id = std::string(token);
  return hugo::Ok(std::move(key));
}

}  // namespace hdo::persistence
