// The list filter language (query.h) evaluated in memory against one item's attributes, for lists
// that are not visibility rows: ListSchedules (the reference answers it from its scheduler
// workflows' visibility rows with `... AND (<query>)`, and refuses filters on anything but
// custom attributes, TemporalSchedulePaused and ScheduleId).
//
// Accepted: AND, OR, NOT, parentheses; = != <> < <= > >=, [NOT] IN, [NOT] BETWEEN,
// [NOT] STARTS_WITH, IS [NOT] NULL, with query.h's per-type rules (KeywordList `=` is membership,
// Text `=` is TextMatches, Datetime values as RFC 3339 strings or integer nanoseconds). A
// comparison with an attribute the item does not have is not true (as in the SQL stores).
//
// Owner: src/visibility. Pure; a compiled filter is immutable and thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "hugo/result.h"
#include "visibility/search_attributes.h"

namespace hdo::visibility {

namespace internal {
struct Node;
}

class MemoryFilter {
 public:
  // The item a filter reads: its normalized attributes (search_attributes.h) by name, and its id
  // (what `ScheduleId = '...'` compares).
  struct Item {
    const nlohmann::json* attributes = nullptr;  // an object
    std::string_view id;
  };

  // errors::kInvalidArgument: the query's syntax ("invalid query: ..."), an attribute the set
  // does not define ("invalid query: invalid search attribute: <name>"), or one the schedules
  // list may not filter on ("invalid query filter for schedules: cannot filter on \"<name>\"").
  // An empty query matches everything.
  static hugo::Result<MemoryFilter> Compile(std::string_view query, const SearchAttributeSet& set);

  bool Matches(const Item& item) const;

  MemoryFilter(MemoryFilter&&) noexcept;
  MemoryFilter& operator=(MemoryFilter&&) noexcept;
  ~MemoryFilter();

 private:
  MemoryFilter();
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace hdo::visibility
