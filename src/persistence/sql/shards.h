// History shard ownership on a production engine: the shard count fixed at cluster creation, and
// range_id fencing. A server takes every shard by raising its range_id (AcquireShards); every
// transaction it makes afterwards first reads the shard rows under a share lock and checks that
// their range_ids are still the ones it took (ShardFence). A second server taking the shards waits
// for the first one's open transaction, then raises the range_ids, so from then on the first one
// can never commit again: its next transaction fails with kErrorShardOwnershipLost.
//
// One history engine serves all shards of a process today (ADR 0010); the count is stored and
// checked so that a cluster keeps its shard layout when shards become separate engines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hugo/result.h"
#include "persistence/sql/session.h"

namespace hdo::persistence::sql {

// Another server took the shards: this one must stop writing (restart to take them back).
inline constexpr char kErrorShardOwnershipLost[] = "hdo.persistence.shard_ownership_lost";
// The configured shard count differs from the one the cluster was created with.
inline constexpr char kErrorShardCount[] = "hdo.persistence.shard_count";

struct ShardOwnership {
  std::string owner;
  // range_ids[shard_id] as taken.
  std::vector<int64_t> range_ids;
  // Task ids of this ownership start above this (range_id << 32 of the highest shard).
  int64_t task_id_floor = 0;
};

// Creates the shards on first use (recording `shard_count` in cluster_metadata) or checks the
// count against the stored one, then takes every shard for `owner`.
hugo::Result<ShardOwnership> AcquireShards(Session& session, int shard_count,
                                           const std::string& owner);

// The fence to install with Session::SetFence.
Session::Fence ShardFence(ShardOwnership ownership);

// The stored shard count (0 when the cluster was never created).
hugo::Result<int> StoredShardCount(Connection& connection);

// cluster_metadata's value of `key`, recorded as `value_if_absent` first when there is none (the
// cluster id: made by the first server of a cluster, kept by every later one).
hugo::Result<std::string> ClusterMetadataValue(Session& session, const std::string& key,
                                               const std::string& value_if_absent);

}  // namespace hdo::persistence::sql
