// Rows keyed by (namespace id, id) holding one opaque blob and a version that guards updates
// (compare-and-set): the shape of the schedule store and the batch operation store. Each engine
// implements the statements once (sqlite/keyed_rows.h, sql/keyed_rows.h) for any such table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hdo::persistence {

struct KeyedRow {
  std::string namespace_id;
  std::string id;
  // Grows by one with every write; updates compare it.
  int64_t version = 0;
  // Serialized state the store does not interpret.
  std::string data;
};

struct KeyedRowsPage {
  std::vector<KeyedRow> rows;
  // Empty on the last page; otherwise opaque, passed back to get the next page.
  std::string next_page_token;
};

// Which table, its id column, and what a row is called in messages ("schedule 'x' not found").
struct KeyedTable {
  const char* table;
  const char* id_column;
  const char* noun;
};

// Page tokens of keyed listings: "<namespace id>\n<id>" of the previous page's last row.
inline std::string KeyedPageToken(std::string_view namespace_id, std::string_view id) {
  return std::string(namespace_id) + "\n" + std::string(id);
}

// The (namespace id, id) a page token names: the next page starts after it. An empty token names
// ("", ""), before every row.
inline std::pair<std::string, std::string> KeyedAfterToken(std::string_view token) {
  size_t split = token.find('\n');
  if (split == std::string_view::npos) return {std::string(token), std::string()};
  return {std::string(token.substr(0, split)), std::string(token.substr(split + 1))};
}

}  // namespace hdo::persistence
