// The frontend's visibility logic: listing and counting runs with list filter queries, the
// deprecated open/closed listings, and the search attribute catalogue of each namespace (custom
// attributes added and removed through OperatorService). Turns requests into filters
// (src/visibility) and store reads, and store rows into WorkflowExecutionInfo.
//
// Not thread-safe: every method runs on the store IO thread (the engine thread), which owns the
// store. The per-namespace catalogue is cached and replaced on every change.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "hugo/result.h"
#include "persistence/namespace_store.h"
#include "persistence/visibility_store.h"
#include "temporal/api/operatorservice/v1/request_response.pb.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"
#include "visibility/search_attributes.h"

namespace hdo::frontend {

class Visibility {
 public:
  struct Options {
    // Page size when a request asks for none, and the most a page holds (reference: 1000).
    int default_page_size = 1000;
    int max_page_size = 1000;
  };
  // `namespaces` names namespaces in messages.
  Visibility(persistence::VisibilityStore* store, persistence::NamespaceStore* namespaces,
             Options options)
      : store_(store), namespaces_(namespaces), options_(options) {}

  // Called before every read of runs' rows (lists and counts), on the same thread: the history
  // engine writes the visibility rows it deferred (history::Engine::FlushVisibility), so a read
  // sees every acknowledged change. Its failure fails the read.
  void SetBeforeRead(std::function<hugo::Result<hugo::Unit>()> before_read) {
    before_read_ = std::move(before_read);
  }

  // System, predefined and the namespace's custom attributes (cached).
  hugo::Result<std::shared_ptr<const visibility::SearchAttributeSet>> SearchAttributes(
      const std::string& namespace_id);
  // The namespace's name (cached); its id when it has none.
  std::string NamespaceName(const std::string& namespace_id);
  // Drops what is cached of a namespace renamed or removed (its name, its attribute set).
  void ForgetNamespace(const std::string& namespace_id);

  hugo::Result<temporal::api::workflowservice::v1::ListWorkflowExecutionsResponse> List(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ListWorkflowExecutionsRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ScanWorkflowExecutionsResponse> Scan(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ScanWorkflowExecutionsRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::CountWorkflowExecutionsResponse> Count(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::CountWorkflowExecutionsRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ListOpenWorkflowExecutionsResponse> ListOpen(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ListOpenWorkflowExecutionsRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ListClosedWorkflowExecutionsResponse> ListClosed(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ListClosedWorkflowExecutionsRequest& request);
  // Standalone activities (their rows' division, ActivityId and ActivityType in queries).
  hugo::Result<temporal::api::workflowservice::v1::ListActivityExecutionsResponse> ListActivities(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ListActivityExecutionsRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::CountActivityExecutionsResponse> CountActivities(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::CountActivityExecutionsRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ListNexusOperationExecutionsResponse>
  ListNexusOperations(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ListNexusOperationExecutionsRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::CountNexusOperationExecutionsResponse>
  CountNexusOperations(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::CountNexusOperationExecutionsRequest& request);
  // The system and predefined attributes, and the custom attributes' storage slots.
  hugo::Result<temporal::api::workflowservice::v1::GetSearchAttributesResponse>
  GetSearchAttributes();

  hugo::Result<temporal::api::operatorservice::v1::AddSearchAttributesResponse> AddSearchAttributes(
      const std::string& namespace_id,
      const temporal::api::operatorservice::v1::AddSearchAttributesRequest& request);
  hugo::Result<temporal::api::operatorservice::v1::RemoveSearchAttributesResponse>
  RemoveSearchAttributes(
      const std::string& namespace_id,
      const temporal::api::operatorservice::v1::RemoveSearchAttributesRequest& request);
  hugo::Result<temporal::api::operatorservice::v1::ListSearchAttributesResponse>
  ListSearchAttributes(const std::string& namespace_id);

  // One page of a listing, whichever RPC asked.
  struct Page {
    std::vector<temporal::api::workflow::v1::WorkflowExecutionInfo> executions;
    std::string next_page_token;
  };

 private:
  hugo::Result<Page> Query(const std::string& namespace_id, const std::string& query, int page_size,
                           const std::string& page_token);
  // The rows a query matches (a page) and the attribute set it was read with.
  struct Rows {
    std::vector<persistence::VisibilityRecord> records;
    std::string next_page_token;
    std::shared_ptr<const visibility::SearchAttributeSet> set;
  };
  hugo::Result<Rows> QueryRows(const std::string& namespace_id, const std::string& query,
                               int page_size, const std::string& page_token,
                               visibility::QueryTarget target);
  hugo::Result<temporal::api::workflowservice::v1::CountWorkflowExecutionsResponse> CountQuery(
      const std::string& namespace_id, const std::string& query, visibility::QueryTarget target);
  temporal::api::workflow::v1::WorkflowExecutionInfo ToInfo(
      const persistence::VisibilityRecord& record, const visibility::SearchAttributeSet& set);

  persistence::VisibilityStore* store_;
  persistence::NamespaceStore* namespaces_;
  Options options_;
  std::function<hugo::Result<hugo::Unit>()> before_read_;
  std::map<std::string, std::string> names_;
  std::map<std::string, std::shared_ptr<const visibility::SearchAttributeSet>> cache_;
};

}  // namespace hdo::frontend
