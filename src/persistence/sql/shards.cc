#include "persistence/sql/shards.h"

#include <string>

#include "persistence/namespace_store.h"

namespace hdo::persistence::sql {
namespace {

constexpr char kShardCountKey[] = "history_shards";

// cluster_metadata's columns are `key` and `value`: reserved words in MySQL.
std::string MetadataSelect(Engine engine) {
  return engine == Engine::kMysql ? "SELECT `value` FROM cluster_metadata WHERE `key` = ?"
                                  : "SELECT value FROM cluster_metadata WHERE key = ?";
}

std::string MetadataInsert(Engine engine) {
  return engine == Engine::kMysql ? "INSERT INTO cluster_metadata(`key`, `value`) VALUES(?, ?)"
                                  : "INSERT INTO cluster_metadata(key, value) VALUES(?, ?)";
}

std::string ShareLocked(Engine engine) {
  return engine == Engine::kMysql
             ? "SELECT shard_id, range_id FROM shards ORDER BY shard_id LOCK IN SHARE MODE"
             : "SELECT shard_id, range_id FROM shards ORDER BY shard_id FOR SHARE";
}

}  // namespace

hugo::Result<int> StoredShardCount(Connection& connection) {
  auto rows = connection.Query(MetadataSelect(connection.engine()), {std::string(kShardCountKey)});
  if (rows.IsFailure()) return rows.Error();
  if (rows.Value().empty()) return hugo::Ok(0);
  return hugo::Ok(std::stoi(rows.Value().Bytes(0, 0)));
}

hugo::Result<std::string> ClusterMetadataValue(Session& session, const std::string& key,
                                               const std::string& value_if_absent) {
  Connection& connection = session.connection();
  std::string value;
  auto done = session.InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto rows = connection.Query(MetadataSelect(connection.engine()), {key});
    if (rows.IsFailure()) return rows.Error();
    if (!rows.Value().empty()) {
      value = rows.Value().Bytes(0, 0);
      return hugo::Ok();
    }
    value = value_if_absent;
    auto inserted = connection.Execute(MetadataInsert(connection.engine()), {key, value_if_absent});
    if (inserted.IsFailure()) return inserted.Error();
    return hugo::Ok();
  });
  if (done.IsFailure()) return done.Error();
  return hugo::Ok(value);
}

hugo::Result<ShardOwnership> AcquireShards(Session& session, int shard_count,
                                           const std::string& owner) {
  ShardOwnership ownership;
  ownership.owner = owner;
  Connection& connection = session.connection();
  auto taken = session.InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto stored = StoredShardCount(connection);
    if (stored.IsFailure()) return stored.Error();
    if (stored.Value() == 0) {
      auto recorded =
          connection.Execute(MetadataInsert(connection.engine()),
                             {std::string(kShardCountKey), std::to_string(shard_count)});
      if (recorded.IsFailure()) return recorded.Error();
      for (int shard = 0; shard < shard_count; ++shard) {
        auto created =
            connection.Execute("INSERT INTO shards(shard_id, range_id, owner) VALUES(?, 0, ?)",
                               {int64_t{shard}, owner});
        if (created.IsFailure()) return created.Error();
      }
    } else if (stored.Value() != shard_count) {
      return hugo::Error::From(
          "the cluster was created with " + std::to_string(stored.Value()) +
              " history shards and this server is configured with " + std::to_string(shard_count) +
              "; the shard count cannot change after creation (set history.shards to " +
              std::to_string(stored.Value()) + ")",
          kErrorShardCount);
    }
    // Waits for a previous owner's open transaction (it holds the rows in share mode).
    auto raised = connection.Execute(
        "UPDATE shards SET range_id = range_id + 1, owner = ?, acquired_at = CURRENT_TIMESTAMP",
        {owner});
    if (raised.IsFailure()) return raised.Error();
    auto rows = connection.Query("SELECT shard_id, range_id FROM shards ORDER BY shard_id", {});
    if (rows.IsFailure()) return rows.Error();
    ownership.range_ids.clear();
    for (size_t row = 0; row < rows.Value().size(); ++row) {
      if (rows.Value().Int64(row, 0) != static_cast<int64_t>(row)) {
        return hugo::Error::From(
            "the shards table is damaged: shard " + std::to_string(row) + " is missing",
            kErrorStore);
      }
      ownership.range_ids.push_back(rows.Value().Int64(row, 1));
      ownership.task_id_floor = std::max(ownership.task_id_floor, rows.Value().Int64(row, 1) << 32);
    }
    if (static_cast<int>(ownership.range_ids.size()) != shard_count) {
      return hugo::Error::From("the shards table has " +
                                   std::to_string(ownership.range_ids.size()) + " rows, not " +
                                   std::to_string(shard_count),
                               kErrorStore);
    }
    return hugo::Ok();
  });
  if (taken.IsFailure()) return taken.Error();
  return hugo::Ok(std::move(ownership));
}

Session::Fence ShardFence(ShardOwnership ownership) {
  return [ownership = std::move(ownership)](Connection& connection) -> hugo::Result<hugo::Unit> {
    auto rows = connection.Query(ShareLocked(connection.engine()), {});
    if (rows.IsFailure()) return rows.Error();
    bool same = rows.Value().size() == ownership.range_ids.size();
    for (size_t row = 0; same && row < rows.Value().size(); ++row) {
      same = rows.Value().Int64(row, 1) == ownership.range_ids[row];
    }
    if (!same) {
      return hugo::Error::From(
                 "another server took the history shards (their range_id moved on); this "
                 "server no longer owns them and stops writing",
                 kErrorShardOwnershipLost)
          .WithMetadata("commit_state", "not_committed");
    }
    return hugo::Ok();
  };
}

}  // namespace hdo::persistence::sql
