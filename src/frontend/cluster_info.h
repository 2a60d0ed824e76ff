// What GetClusterInfo (WorkflowService) and ListClusters (OperatorService) tell about the one
// cluster an hdo server is: its id (created with the store, kept in cluster_metadata), name,
// history shards, stores and addresses, in the reference's shape (a single-cluster deployment
// with failover versions 1 / 10 and the reference's supported-clients map).
#pragma once

#include <cstdint>
#include <string>

#include "temporal/api/operatorservice/v1/request_response.pb.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::frontend {

struct ClusterInfo {
  std::string cluster_id;
  std::string cluster_name = "active";
  int32_t history_shard_count = 1;
  // The reference's persistence plugin names: "sqlite", "postgres12", "mysql8".
  std::string persistence_store = "sqlite";
  std::string visibility_store = "sqlite";
  std::string address;       // the gRPC frontend, "ip:port"
  std::string http_address;  // the HTTP API, "ip:port"; empty when off
};

void FillClusterInfo(const ClusterInfo& cluster,
                     temporal::api::workflowservice::v1::GetClusterInfoResponse& response);
void FillClusterMetadata(const ClusterInfo& cluster,
                         temporal::api::operatorservice::v1::ClusterMetadata& metadata);

}  // namespace hdo::frontend
