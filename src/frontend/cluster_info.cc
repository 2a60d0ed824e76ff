#include "frontend/cluster_info.h"

#include "common/version.h"

namespace hdo::frontend {
namespace {

// The reference's failover versions of a single-cluster deployment.
constexpr int64_t kInitialFailoverVersion = 1;
constexpr int64_t kFailoverVersionIncrement = 10;

}  // namespace

void FillClusterInfo(const ClusterInfo& cluster,
                     temporal::api::workflowservice::v1::GetClusterInfoResponse& response) {
  // The client versions the reference accepts (common/headers/version_checker.go); hdo checks
  // none of them, and answers any client.
  auto& clients = *response.mutable_supported_clients();
  for (const char* sdk : {"temporal-go", "temporal-java", "temporal-php", "temporal-typescript",
                          "temporal-cli", "temporal-server", "Nexus-go-sdk"}) {
    clients[sdk] = "<2.0.0";
  }
  clients["temporal-ui"] = "<3.0.0";
  response.set_server_version(std::string(Version()));
  response.set_cluster_id(cluster.cluster_id);
  response.set_cluster_name(cluster.cluster_name);
  response.set_history_shard_count(cluster.history_shard_count);
  response.set_persistence_store(cluster.persistence_store);
  response.set_visibility_store(cluster.visibility_store);
  response.set_initial_failover_version(kInitialFailoverVersion);
  response.set_failover_version_increment(kFailoverVersionIncrement);
}

void FillClusterMetadata(const ClusterInfo& cluster,
                         temporal::api::operatorservice::v1::ClusterMetadata& metadata) {
  metadata.set_cluster_name(cluster.cluster_name);
  metadata.set_cluster_id(cluster.cluster_id);
  metadata.set_address(cluster.address);
  metadata.set_http_address(cluster.http_address);
  metadata.set_initial_failover_version(kInitialFailoverVersion);
  metadata.set_history_shard_count(cluster.history_shard_count);
  metadata.set_is_connection_enabled(true);
}

}  // namespace hdo::frontend
