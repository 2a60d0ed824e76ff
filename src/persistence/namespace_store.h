// The namespace part of the store interface: one record per namespace, keyed by id and by unique
// name, guarded by a notification version that grows with every change.
//
// Implementations are not thread-safe; the server calls one from its store IO thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hugo/result.h"

namespace hdo::persistence {

// Error codes of the store interfaces (Error::Code()).
inline constexpr char kErrorNotFound[] = "hdo.persistence.not_found";
inline constexpr char kErrorAlreadyExists[] = "hdo.persistence.already_exists";
// A compare-and-set lost: the row changed since it was read. Retry the read-modify-write.
inline constexpr char kErrorConditionFailed[] = "hdo.persistence.condition_failed";
// Any other failure of the engine; metadata "commit_state" says "not_committed" or "unknown".
inline constexpr char kErrorStore[] = "hdo.persistence.store";

struct NamespaceRecord {
  std::string id;    // a UUID, never reused
  std::string name;  // unique
  int64_t notification_version = 0;
  // A serialized temporal.api.workflowservice.v1.DescribeNamespaceResponse: the store does not
  // interpret it.
  std::string data;
};

struct NamespacePage {
  std::vector<NamespaceRecord> namespaces;
  // Empty on the last page; otherwise opaque, passed back to get the next page.
  std::string next_page_token;
};

class NamespaceStore {
 public:
  virtual ~NamespaceStore() = default;

  // kErrorAlreadyExists when the name (or id) is taken.
  virtual hugo::Result<hugo::Unit> CreateNamespace(const NamespaceRecord& record) = 0;
  // kErrorNotFound when absent.
  virtual hugo::Result<NamespaceRecord> GetNamespaceByName(std::string_view name) = 0;
  virtual hugo::Result<NamespaceRecord> GetNamespaceById(std::string_view id) = 0;
  // Namespaces ordered by name; page_size >= 1.
  virtual hugo::Result<NamespacePage> ListNamespaces(int page_size,
                                                     std::string_view page_token) = 0;
  // Replaces the record with the same id, its name included (a rename: kErrorAlreadyExists when
  // another namespace has the new name), if its stored notification version is still
  // `expected_notification_version` (kErrorConditionFailed otherwise, kErrorNotFound if gone).
  virtual hugo::Result<hugo::Unit> UpdateNamespace(const NamespaceRecord& record,
                                                   int64_t expected_notification_version) = 0;
  // Removes the record (the last step of a namespace's deletion). kErrorNotFound when absent.
  virtual hugo::Result<hugo::Unit> DeleteNamespace(std::string_view id) = 0;
};

}  // namespace hdo::persistence
