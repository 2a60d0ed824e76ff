// Goal: the namespace RPCs validate like the reference server, persist what they accept, change
// nothing when they refuse, and return typed errors. Method: the handler on a real, migrated
// SQLite file.
#include "frontend/namespace_handler.h"

#include <gtest/gtest.h>

#include "common/error_codes.h"
#include "frontend/errors.h"
#include "persistence/sqlite/namespace_store.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::frontend {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;

class NamespaceHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<persistence::sqlite::SqliteNamespaceStore>(&file_.db());
    handler_ = std::make_unique<NamespaceHandler>(store_.get(), NamespaceHandler::Options{});
  }

  static wf::RegisterNamespaceRequest RegisterRequest(const std::string& name,
                                                      int64_t retention_seconds = 86400) {
    wf::RegisterNamespaceRequest request;
    request.set_namespace_(name);
    request.set_description("orders of the shop");
    request.set_owner_email("ops@example.com");
    (*request.mutable_data())["team"] = "payments";
    request.mutable_workflow_execution_retention_period()->set_seconds(retention_seconds);
    return request;
  }
  wf::DescribeNamespaceResponse Describe(const std::string& name) {
    wf::DescribeNamespaceRequest request;
    request.set_namespace_(name);
    auto result = handler_->Describe(request);
    EXPECT_TRUE(result.IsSuccess()) << result.Error().ToString();
    return result.IsSuccess() ? result.Value() : wf::DescribeNamespaceResponse();
  }
  int NamespaceCount() {
    auto listed = handler_->List({});
    return listed.IsSuccess() ? listed.Value().namespaces_size() : -1;
  }

  persistence::sqlite::TestDatabase file_{"hdo-ns-handler"};
  std::unique_ptr<persistence::sqlite::SqliteNamespaceStore> store_;
  std::unique_ptr<NamespaceHandler> handler_;
};

TEST_F(NamespaceHandlerTest, ARegisteredNamespaceDescribesWithEverythingItWasGiven) {
  ASSERT_TRUE(handler_->Register(RegisterRequest("orders")).IsSuccess());
  wf::DescribeNamespaceResponse description = Describe("orders");
  EXPECT_EQ(description.namespace_info().name(), "orders");
  EXPECT_EQ(description.namespace_info().state(), enums::NAMESPACE_STATE_REGISTERED);
  EXPECT_EQ(description.namespace_info().description(), "orders of the shop");
  EXPECT_EQ(description.namespace_info().owner_email(), "ops@example.com");
  EXPECT_EQ(description.namespace_info().data().at("team"), "payments");
  EXPECT_EQ(description.namespace_info().id().size(), 36u);
  EXPECT_EQ(description.config().workflow_execution_retention_ttl().seconds(), 86400);
  EXPECT_EQ(description.replication_config().active_cluster_name(), "active");
  EXPECT_FALSE(description.is_global_namespace());

  wf::DescribeNamespaceRequest by_id;
  by_id.set_id(description.namespace_info().id());
  auto described_by_id = handler_->Describe(by_id);
  ASSERT_TRUE(described_by_id.IsSuccess());
  EXPECT_EQ(described_by_id.Value().namespace_info().name(), "orders");
}

TEST_F(NamespaceHandlerTest, RegisteringATakenNameIsAlreadyExistsWithTheTypedDetail) {
  ASSERT_TRUE(handler_->Register(RegisterRequest("orders")).IsSuccess());
  auto again = handler_->Register(RegisterRequest("orders"));
  ASSERT_TRUE(again.IsFailure());
  grpc::Status status = ToGrpcStatus(again.Error());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(status.error_message(), "Namespace orders already exists");
  EXPECT_NE(status.error_details().find("NamespaceAlreadyExistsFailure"), std::string::npos);
}

TEST_F(NamespaceHandlerTest, InvalidRegistrationsAreInvalidArgumentAndWriteNothing) {
  struct Case {
    wf::RegisterNamespaceRequest request;
    std::string words;
  };
  std::vector<Case> cases = {
      {RegisterRequest(""), "Namespace not set on request."},
      {RegisterRequest(std::string(1001, 'n')), "Namespace length exceeds limit"},
      {RegisterRequest("short", 60), "must be at least 1h0m0s"},
      {RegisterRequest("negative", -5), "A valid retention period is not set"},
      {RegisterRequest("unset", 0), "A valid retention period is not set"},
  };
  auto global = RegisterRequest("global");
  global.set_is_global_namespace(true);
  cases.push_back({global, "Cannot register global namespace"});
  auto elsewhere = RegisterRequest("elsewhere");
  elsewhere.set_active_cluster_name("mars");
  cases.push_back({elsewhere, "Active cluster 'mars'"});
  for (const auto& c : cases) {
    auto result = handler_->Register(c.request);
    ASSERT_TRUE(result.IsFailure()) << c.words;
    EXPECT_EQ(ToGrpcStatus(result.Error()).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(result.Error().Message().find(c.words), std::string::npos)
        << result.Error().Message();
  }
  EXPECT_EQ(NamespaceCount(), 0);
}

TEST_F(NamespaceHandlerTest, DescribingAnUnknownNamespaceIsNotFoundWithTheTypedDetail) {
  wf::DescribeNamespaceRequest request;
  request.set_namespace_("ghost");
  auto result = handler_->Describe(request);
  ASSERT_TRUE(result.IsFailure());
  grpc::Status status = ToGrpcStatus(result.Error());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "Namespace ghost is not found.");
  EXPECT_NE(status.error_details().find("NamespaceNotFoundFailure"), std::string::npos);
}

TEST_F(NamespaceHandlerTest, DescribeNeedsExactlyOneOfNameAndId) {
  wf::DescribeNamespaceRequest neither;
  EXPECT_EQ(handler_->Describe(neither).Error().Code(), kErrorInvalidArgument);
  wf::DescribeNamespaceRequest both;
  both.set_namespace_("a");
  both.set_id("b");
  EXPECT_NE(handler_->Describe(both).Error().Message().find("Both ID and Name"), std::string::npos);
}

TEST_F(NamespaceHandlerTest, ListPagesThroughAllNamespaces) {
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(handler_->Register(RegisterRequest(name)).IsSuccess());
  }
  wf::ListNamespacesRequest request;
  request.set_page_size(2);
  auto first = handler_->List(request);
  ASSERT_TRUE(first.IsSuccess());
  ASSERT_EQ(first.Value().namespaces_size(), 2);
  ASSERT_FALSE(first.Value().next_page_token().empty());
  request.set_next_page_token(first.Value().next_page_token());
  auto second = handler_->List(request);
  ASSERT_TRUE(second.IsSuccess());
  ASSERT_EQ(second.Value().namespaces_size(), 1);
  EXPECT_EQ(second.Value().namespaces(0).namespace_info().name(), "c");
  EXPECT_TRUE(second.Value().next_page_token().empty());
  request.set_page_size(-1);
  EXPECT_EQ(handler_->List(request).Error().Code(), kErrorInvalidArgument);
}

TEST_F(NamespaceHandlerTest, UpdateChangesWhatItSetsAndKeepsTheRest) {
  ASSERT_TRUE(handler_->Register(RegisterRequest("orders")).IsSuccess());
  wf::UpdateNamespaceRequest update;
  update.set_namespace_("orders");
  update.mutable_update_info()->set_description("all orders");
  (*update.mutable_update_info()->mutable_data())["tier"] = "gold";
  update.mutable_config()->mutable_workflow_execution_retention_ttl()->set_seconds(7200);
  auto result = handler_->Update(update);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value().namespace_info().description(), "all orders");
  wf::DescribeNamespaceResponse description = Describe("orders");
  EXPECT_EQ(description.namespace_info().description(), "all orders");
  EXPECT_EQ(description.namespace_info().owner_email(), "ops@example.com");
  EXPECT_EQ(description.namespace_info().data().at("team"), "payments");
  EXPECT_EQ(description.namespace_info().data().at("tier"), "gold");
  EXPECT_EQ(description.config().workflow_execution_retention_ttl().seconds(), 7200);
}

TEST_F(NamespaceHandlerTest, RefusedUpdatesChangeNothing) {
  ASSERT_TRUE(handler_->Register(RegisterRequest("orders")).IsSuccess());
  std::vector<wf::UpdateNamespaceRequest> refused(4);
  for (auto& update : refused) update.set_namespace_("orders");
  refused[0].mutable_update_info()->set_description("changed");
  refused[0].mutable_config()->mutable_workflow_execution_retention_ttl()->set_seconds(1);
  refused[1].mutable_update_info()->set_state(enums::NAMESPACE_STATE_DELETED);
  refused[2].set_promote_namespace(true);
  refused[3].set_delete_bad_binary("no-such-checksum");
  for (const auto& update : refused) {
    auto result = handler_->Update(update);
    ASSERT_TRUE(result.IsFailure());
    EXPECT_EQ(result.Error().Code(), kErrorInvalidArgument) << result.Error().Message();
  }
  EXPECT_EQ(Describe("orders").namespace_info().description(), "orders of the shop");
  wf::UpdateNamespaceRequest ghost;
  ghost.set_namespace_("ghost");
  EXPECT_EQ(handler_->Update(ghost).Error().Code(), kErrorNamespaceNotFound);
}

TEST_F(NamespaceHandlerTest, EnsureNamespaceCreatesOnceAndLeavesAnExistingOneAlone) {
  ASSERT_TRUE(handler_->EnsureNamespace("default", std::chrono::hours(24)).IsSuccess());
  std::string id = Describe("default").namespace_info().id();
  ASSERT_TRUE(handler_->EnsureNamespace("default", std::chrono::hours(48)).IsSuccess());
  EXPECT_EQ(Describe("default").namespace_info().id(), id);
  EXPECT_EQ(Describe("default").config().workflow_execution_retention_ttl().seconds(), 86400);
  EXPECT_TRUE(handler_->EnsureNamespace("", std::chrono::hours(24)).IsFailure());
}

TEST_F(NamespaceHandlerTest, ResolvedIdsAreRememberedAndAnUnknownNameIsAskedForAgain) {
  auto unknown = handler_->ResolveId("late");
  ASSERT_TRUE(unknown.IsFailure());
  EXPECT_EQ(unknown.Error().Code(), kErrorNamespaceNotFound);
  // Registered meanwhile by another process on the same database: found on the next call.
  NamespaceHandler other(store_.get(), NamespaceHandler::Options{});
  ASSERT_TRUE(other.Register(RegisterRequest("late")).IsSuccess());
  auto found = handler_->ResolveId("late");
  ASSERT_TRUE(found.IsSuccess()) << found.Error().ToString();
  EXPECT_EQ(found.Value(), Describe("late").namespace_info().id());
  // A namespace keeps its id for life: the next resolutions do not read the store.
  ASSERT_TRUE(file_.db().Exec("DELETE FROM namespaces").IsSuccess());
  auto again = handler_->ResolveId("late");
  ASSERT_TRUE(again.IsSuccess());
  EXPECT_EQ(again.Value(), found.Value());
  EXPECT_TRUE(handler_->ResolveId("").IsFailure());
}

// DeleteNamespace's first step: marked DELETED and renamed in one write, its name free at once,
// refused by ResolveId (requests) and left out of List unless asked for; the record goes last.
TEST_F(NamespaceHandlerTest, ADeletedNamespaceIsRenamedRefusedAndRemovedLast) {
  ASSERT_TRUE(handler_->Register(RegisterRequest("orders")).IsSuccess());
  ASSERT_TRUE(handler_->Register(RegisterRequest("billing")).IsSuccess());
  auto id = handler_->ResolveId("orders");  // remembered before the delete
  ASSERT_TRUE(id.IsSuccess());
  auto deleted = handler_->MarkDeleted("orders", "");
  ASSERT_TRUE(deleted.IsSuccess()) << deleted.Error().ToString();
  EXPECT_EQ(deleted.Value().id, id.Value());
  EXPECT_EQ(deleted.Value().name, "orders-deleted-" + id.Value().substr(0, 5));
  // The old name is unknown at once, the new one refused for requests.
  EXPECT_EQ(handler_->ResolveId("orders").Error().Code(), kErrorNamespaceNotFound);
  auto refused = handler_->ResolveId(deleted.Value().name);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Message(),
            "Namespace has invalid state: Deleted. Must be Registered or Deprecated.");
  wf::DescribeNamespaceResponse described = Describe(deleted.Value().name);
  EXPECT_EQ(described.namespace_info().state(), enums::NAMESPACE_STATE_DELETED);
  EXPECT_EQ(described.namespace_info().id(), id.Value());
  // Deleting again (by id) answers the same name.
  auto again = handler_->MarkDeleted("", id.Value());
  ASSERT_TRUE(again.IsSuccess());
  EXPECT_EQ(again.Value().name, deleted.Value().name);
  // Listed only when asked for.
  EXPECT_EQ(NamespaceCount(), 1);
  wf::ListNamespacesRequest with_deleted;
  with_deleted.mutable_namespace_filter()->set_include_deleted(true);
  EXPECT_EQ(handler_->List(with_deleted).Value().namespaces_size(), 2);
  // The name can be registered anew.
  ASSERT_TRUE(handler_->Register(RegisterRequest("orders")).IsSuccess());
  EXPECT_NE(handler_->ResolveId("orders").Value(), id.Value());
  // The record goes last.
  ASSERT_TRUE(handler_->Remove(id.Value()).IsSuccess());
  wf::DescribeNamespaceRequest by_id;
  by_id.set_id(id.Value());
  EXPECT_EQ(handler_->Describe(by_id).Error().Code(), kErrorNamespaceNotFound);
  EXPECT_EQ(handler_->Remove(id.Value()).Error().Code(), errors::kNotFound);
}

// DeprecateNamespace: DEPRECATED for good; requests resolve, starts do not, also for a handler that
// learns the state from the record (a restart), and a deleted namespace cannot be deprecated.
TEST_F(NamespaceHandlerTest, ADeprecatedNamespaceRefusesStartsOnlyAndStaysDeprecated) {
  ASSERT_TRUE(handler_->Register(RegisterRequest("orders")).IsSuccess());
  auto id = handler_->ResolveIdToStart("orders");  // remembered before
  ASSERT_TRUE(id.IsSuccess());
  wf::DeprecateNamespaceRequest deprecate;
  deprecate.set_namespace_("orders");
  ASSERT_TRUE(handler_->Deprecate(deprecate).IsSuccess());
  EXPECT_EQ(Describe("orders").namespace_info().state(), enums::NAMESPACE_STATE_DEPRECATED);
  EXPECT_EQ(handler_->ResolveId("orders").Value(), id.Value());
  auto refused = handler_->ResolveIdToStart("orders");
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kFailedPrecondition);
  EXPECT_EQ(refused.Error().Message(),
            "Namespace has invalid state: Deprecated. Must be Registered.");

  NamespaceHandler restarted(store_.get(), NamespaceHandler::Options{});
  EXPECT_TRUE(restarted.ResolveId("orders").IsSuccess());
  EXPECT_TRUE(restarted.ResolveIdToStart("orders").IsFailure());

  // Never back, and the refused update changed nothing.
  wf::UpdateNamespaceRequest back;
  back.set_namespace_("orders");
  back.mutable_update_info()->set_state(enums::NAMESPACE_STATE_REGISTERED);
  back.mutable_update_info()->set_description("changed");
  auto back_refused = handler_->Update(back);
  ASSERT_TRUE(back_refused.IsFailure());
  EXPECT_EQ(back_refused.Error().Message(), "Invalid namespace state update.");
  EXPECT_EQ(Describe("orders").namespace_info().description(), "orders of the shop");
  // Deprecating again is answered; an unknown or deleted namespace is not.
  EXPECT_TRUE(handler_->Deprecate(deprecate).IsSuccess());
  deprecate.set_namespace_("nosuch");
  EXPECT_EQ(handler_->Deprecate(deprecate).Error().Code(), kErrorNamespaceNotFound);
  auto deleted = handler_->MarkDeleted("orders", "");
  ASSERT_TRUE(deleted.IsSuccess());
  deprecate.set_namespace_(deleted.Value().name);
  EXPECT_EQ(handler_->Deprecate(deprecate).Error().Code(), errors::kFailedPrecondition);
  EXPECT_EQ(Describe(deleted.Value().name).namespace_info().state(),
            enums::NAMESPACE_STATE_DELETED);
}

TEST_F(NamespaceHandlerTest, DeletingAnUnknownNamespaceIsNotFound) {
  EXPECT_EQ(handler_->MarkDeleted("nosuch", "").Error().Code(), kErrorNamespaceNotFound);
}

}  // namespace
}  // namespace hdo::frontend
