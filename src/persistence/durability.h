// When a reply may be sent: only after every change it depends on is durable.
//
// A store that commits every transaction on its own (fsync before returning) is durable at once;
// one that batches transactions into a group commit (sqlite/group_commit.h) holds the replies
// until the commit of their batch. The frontend sends every reply of the store thread through
// AfterDurable, so no client ever sees a change (its own or another's) that a crash could take
// back.
//
// Thread-safety: an implementation says; the server's is used on the store thread only.
#pragma once

#include <functional>

#include "hugo/result.h"

namespace hdo::persistence {

class Durability {
 public:
  using Done = std::function<void(hugo::Result<hugo::Unit>)>;
  virtual ~Durability() = default;

  // Calls `done` once every change written before this call is durable: at once when nothing
  // waits for a commit, else after the commit of the batch that holds them, with that commit's
  // error when it failed (then nothing of the batch is stored).
  virtual void AfterDurable(Done done) = 0;
};

// For stores that commit each transaction before returning.
class ImmediateDurability final : public Durability {
 public:
  void AfterDurable(Done done) override { done(hugo::Ok()); }
};

}  // namespace hdo::persistence
