// Goal: the Nexus endpoint registry keeps the reference's contract (ids, versions, url_prefix,
// timestamps, AlreadyExists/NotFound/FailedPrecondition in its words, List order, paging and the
// name filter), changes nothing when it refuses, finds endpoints by name and id, and reads back
// from the store what it wrote. Method: the registry and a NamespaceHandler on a real, migrated
// SQLite file, a fixed clock.
#include "frontend/nexus_endpoints.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <vector>

#include "common/error_codes.h"
#include "common/uuid.h"
#include "frontend/errors.h"
#include "frontend/namespace_handler.h"
#include "persistence/sqlite/keyed_rows.h"
#include "persistence/sqlite/namespace_store.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::frontend {
namespace {

namespace nexus = temporal::api::nexus::v1;
namespace op = temporal::api::operatorservice::v1;

using std::chrono::milliseconds;
using std::chrono::system_clock;

class NexusEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open();
    ASSERT_TRUE(namespaces_->EnsureNamespace("default", std::chrono::hours(24)).IsSuccess());
  }

  // (Re)builds the stores and the registry on the file, as a restart does.
  void Open() {
    endpoints_.reset();
    namespace_store_ = std::make_unique<persistence::sqlite::SqliteNamespaceStore>(&file_.db());
    namespaces_ =
        std::make_unique<NamespaceHandler>(namespace_store_.get(), NamespaceHandler::Options{});
    endpoint_store_ =
        std::make_unique<persistence::KeyedNexusEndpointStore<persistence::sqlite::KeyedRows>>(
            &file_.db());
    NexusEndpoints::Options options;
    options.now = [this] { return now_; };
    endpoints_ = std::make_unique<NexusEndpoints>(endpoint_store_.get(), namespaces_.get(),
                                                  std::move(options));
    auto loaded = endpoints_->Load();
    ASSERT_TRUE(loaded.IsSuccess()) << loaded.Error().ToString();
  }

  static nexus::EndpointSpec WorkerSpec(const std::string& name,
                                        const std::string& task_queue = "queue") {
    nexus::EndpointSpec spec;
    spec.set_name(name);
    spec.mutable_description()->set_data("\"what it does\"");
    spec.mutable_target()->mutable_worker()->set_namespace_("default");
    spec.mutable_target()->mutable_worker()->set_task_queue(task_queue);
    return spec;
  }

  nexus::Endpoint Create(const std::string& name) {
    op::CreateNexusEndpointRequest request;
    *request.mutable_spec() = WorkerSpec(name);
    auto created = endpoints_->Create(request);
    EXPECT_TRUE(created.IsSuccess()) << created.Error().ToString();
    return created.IsSuccess() ? created.Value().endpoint() : nexus::Endpoint();
  }

  hugo::Result<op::UpdateNexusEndpointResponse> Update(const std::string& id, int64_t version,
                                                       const nexus::EndpointSpec& spec) {
    op::UpdateNexusEndpointRequest request;
    request.set_id(id);
    request.set_version(version);
    *request.mutable_spec() = spec;
    return endpoints_->Update(request);
  }

  hugo::Result<op::DeleteNexusEndpointResponse> Delete(const std::string& id, int64_t version) {
    op::DeleteNexusEndpointRequest request;
    request.set_id(id);
    request.set_version(version);
    return endpoints_->Delete(request);
  }

  std::vector<std::string> ListedNames(int page_size) {
    std::vector<std::string> names;
    op::ListNexusEndpointsRequest request;
    request.set_page_size(page_size);
    do {
      auto page = endpoints_->List(request);
      EXPECT_TRUE(page.IsSuccess()) << page.Error().ToString();
      if (page.IsFailure()) break;
      EXPECT_LE(page.Value().endpoints_size(), page_size);
      for (const auto& endpoint : page.Value().endpoints()) names.push_back(endpoint.spec().name());
      request.set_next_page_token(page.Value().next_page_token());
    } while (!request.next_page_token().empty());
    return names;
  }

  persistence::sqlite::TestDatabase file_{"hdo-nexus-endpoints"};
  system_clock::time_point now_ =
      system_clock::time_point(milliseconds(1767225600123)) + std::chrono::microseconds(456);
  std::unique_ptr<persistence::sqlite::SqliteNamespaceStore> namespace_store_;
  std::unique_ptr<NamespaceHandler> namespaces_;
  std::unique_ptr<persistence::NexusEndpointStore> endpoint_store_;
  std::unique_ptr<NexusEndpoints> endpoints_;
};

TEST_F(NexusEndpointsTest, ACreatedEndpointHasANewIdVersionOneItsUrlPrefixAndCreatedTime) {
  nexus::Endpoint endpoint = Create("payments");
  EXPECT_TRUE(IsUuid(endpoint.id())) << endpoint.id();
  EXPECT_EQ(endpoint.version(), 1);
  EXPECT_EQ(endpoint.url_prefix(), "/nexus/endpoints/" + endpoint.id() + "/services");
  EXPECT_EQ(endpoint.spec().SerializeAsString(), WorkerSpec("payments").SerializeAsString());
  EXPECT_EQ(endpoint.created_time().seconds(), 1767225600);
  EXPECT_EQ(endpoint.created_time().nanos(), 123456000);
  EXPECT_FALSE(endpoint.has_last_modified_time()) << "set only once modified, as the reference";

  ASSERT_NE(endpoints_->ById(endpoint.id()), nullptr);
  EXPECT_EQ(endpoints_->ById(endpoint.id())->SerializeAsString(), endpoint.SerializeAsString());
  ASSERT_EQ(endpoints_->ByName("payments"), endpoints_->ById(endpoint.id()));
  EXPECT_EQ(endpoints_->ByName("orders"), nullptr);
  EXPECT_EQ(endpoints_->ById("00000000-0000-0000-0000-000000000000"), nullptr);

  op::GetNexusEndpointRequest get;
  get.set_id(endpoint.id());
  auto got = endpoints_->Get(get);
  ASSERT_TRUE(got.IsSuccess()) << got.Error().ToString();
  EXPECT_EQ(got.Value().endpoint().SerializeAsString(), endpoint.SerializeAsString());
}

TEST_F(NexusEndpointsTest, ATakenNameIsAlreadyExistsAndChangesNothing) {
  nexus::Endpoint first = Create("payments");
  op::CreateNexusEndpointRequest request;
  *request.mutable_spec() = WorkerSpec("payments", "other-queue");
  auto again = endpoints_->Create(request);
  ASSERT_TRUE(again.IsFailure());
  EXPECT_EQ(again.Error().Code(), errors::kAlreadyExists);
  EXPECT_EQ(again.Error().Message(),
            "error creating Nexus endpoint. Endpoint with name payments already registered");
  EXPECT_EQ(endpoints_->size(), 1u);
  EXPECT_EQ(endpoints_->ByName("payments")->spec().target().worker().task_queue(), "queue");
  EXPECT_EQ(ToGrpcStatus(again.Error()).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(NexusEndpointsTest, ABadSpecIsRefusedAndNothingIsStored) {
  op::CreateNexusEndpointRequest request;
  *request.mutable_spec() = WorkerSpec("1-bad");
  request.mutable_spec()->mutable_target()->mutable_worker()->set_namespace_("nope");
  auto refused = endpoints_->Create(request);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(ToGrpcStatus(refused.Error()).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(refused.Error().Message(),
            "could not verify namespace referenced by target exists: Namespace nope is not "
            "found.");
  *request.mutable_spec() = WorkerSpec("1-bad");
  refused = endpoints_->Create(request);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(ToGrpcStatus(refused.Error()).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(endpoints_->size(), 0u);
  Open();
  EXPECT_EQ(endpoints_->size(), 0u);
}

TEST_F(NexusEndpointsTest, AnUpdateComparesTheVersionAndKeepsIdAndCreatedTime) {
  nexus::Endpoint created = Create("payments");
  auto stale = Update(created.id(), 5, WorkerSpec("payments", "q2"));
  ASSERT_TRUE(stale.IsFailure());
  EXPECT_EQ(stale.Error().Code(), errors::kFailedPrecondition);
  EXPECT_EQ(stale.Error().Message(), "nexus endpoint version mismatch. received: 5 expected 1");
  auto unknown = Update("00000000-0000-0000-0000-000000000000", 1, WorkerSpec("payments"));
  ASSERT_TRUE(unknown.IsFailure());
  EXPECT_EQ(unknown.Error().Code(), kErrorNotFound);
  EXPECT_EQ(unknown.Error().Message(),
            "error updating Nexus endpoint. endpoint ID 00000000-0000-0000-0000-000000000000 not "
            "found");
  EXPECT_EQ(endpoints_->ById(created.id())->version(), 1);

  now_ += std::chrono::seconds(10);
  auto updated = Update(created.id(), 1, WorkerSpec("billing", "q2"));
  ASSERT_TRUE(updated.IsSuccess()) << updated.Error().ToString();
  const nexus::Endpoint& endpoint = updated.Value().endpoint();
  EXPECT_EQ(endpoint.id(), created.id());
  EXPECT_EQ(endpoint.version(), 2);
  EXPECT_EQ(endpoint.spec().name(), "billing");
  EXPECT_EQ(endpoint.url_prefix(), created.url_prefix());
  EXPECT_EQ(endpoint.created_time().SerializeAsString(),
            created.created_time().SerializeAsString());
  EXPECT_EQ(endpoint.last_modified_time().seconds(), 1767225610);
  EXPECT_EQ(endpoint.last_modified_time().nanos(), 123000000) << "milliseconds, as the reference";
  // The old name is free at once; the new one finds the endpoint.
  EXPECT_EQ(endpoints_->ByName("payments"), nullptr);
  EXPECT_EQ(endpoints_->ByName("billing")->version(), 2);
  EXPECT_EQ(Create("payments").version(), 1);
}

TEST_F(NexusEndpointsTest, RenamingToAnotherEndpointsNameIsAlreadyExists) {
  nexus::Endpoint payments = Create("payments");
  Create("billing");
  auto taken = Update(payments.id(), 1, WorkerSpec("billing"));
  ASSERT_TRUE(taken.IsFailure());
  EXPECT_EQ(taken.Error().Code(), errors::kAlreadyExists);
  EXPECT_EQ(taken.Error().Message(),
            "error updating Nexus endpoint. Endpoint with name billing already registered");
  EXPECT_EQ(endpoints_->ById(payments.id())->spec().name(), "payments");
  // Its own name is no conflict.
  EXPECT_TRUE(Update(payments.id(), 1, WorkerSpec("payments", "q2")).IsSuccess());
}

TEST_F(NexusEndpointsTest, ADeleteNeedsTheCurrentVersionAndFreesTheName) {
  nexus::Endpoint endpoint = Create("payments");
  auto invalid = Delete("", 0);
  ASSERT_TRUE(invalid.IsFailure());
  EXPECT_EQ(invalid.Error().Message(), "endpoint ID not set, endpoint version is non-positive");
  auto unknown = Delete("00000000-0000-0000-0000-000000000000", 1);
  ASSERT_TRUE(unknown.IsFailure());
  EXPECT_EQ(unknown.Error().Code(), kErrorNotFound);
  EXPECT_EQ(unknown.Error().Message(),
            "error deleting nexus endpoint with ID: 00000000-0000-0000-0000-000000000000");
  auto stale = Delete(endpoint.id(), 2);
  ASSERT_TRUE(stale.IsFailure());
  EXPECT_EQ(stale.Error().Code(), errors::kFailedPrecondition);
  EXPECT_EQ(stale.Error().Message(), "nexus endpoint version mismatch. received: 2 expected 1");
  EXPECT_EQ(endpoints_->size(), 1u);

  ASSERT_TRUE(Delete(endpoint.id(), 1).IsSuccess());
  EXPECT_EQ(endpoints_->ById(endpoint.id()), nullptr);
  EXPECT_EQ(endpoints_->ByName("payments"), nullptr);
  op::GetNexusEndpointRequest get;
  get.set_id(endpoint.id());
  auto gone = endpoints_->Get(get);
  ASSERT_TRUE(gone.IsFailure());
  EXPECT_EQ(gone.Error().Code(), kErrorNotFound);
  EXPECT_EQ(gone.Error().Message(), "Nexus endpoint with ID `" + endpoint.id() + "` not found");
  Open();
  EXPECT_EQ(endpoints_->size(), 0u);
  EXPECT_EQ(Create("payments").version(), 1);
}

TEST_F(NexusEndpointsTest, GetTakesEveryFormOfTheIdThatGoParses) {
  nexus::Endpoint endpoint = Create("payments");
  std::string upper = endpoint.id();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  op::GetNexusEndpointRequest get;
  get.set_id(upper);
  auto got = endpoints_->Get(get);
  ASSERT_TRUE(got.IsSuccess()) << got.Error().ToString();
  EXPECT_EQ(got.Value().endpoint().id(), endpoint.id());
  get.set_id("abc");
  EXPECT_EQ(endpoints_->Get(get).Error().Message(),
            R"(malformed endpoint ID: "invalid UUID length: 3")");
}

TEST_F(NexusEndpointsTest, ListPagesInIdOrderAndFiltersByExactName) {
  std::vector<nexus::Endpoint> created;
  for (const char* name : {"e1", "e2", "e3", "e4", "e5"}) created.push_back(Create(name));
  std::sort(created.begin(), created.end(),
            [](const auto& a, const auto& b) { return a.id() < b.id(); });
  std::vector<std::string> by_id;
  for (const auto& endpoint : created) by_id.push_back(endpoint.spec().name());
  EXPECT_EQ(ListedNames(2), by_id);
  EXPECT_EQ(ListedNames(5), by_id);
  EXPECT_EQ(ListedNames(100), by_id);
  op::ListNexusEndpointsRequest request;
  auto all = endpoints_->List(request);
  ASSERT_TRUE(all.IsSuccess());
  EXPECT_EQ(all.Value().endpoints_size(), 5);
  EXPECT_TRUE(all.Value().next_page_token().empty());

  // The name filter ignores the page size and token, as the reference.
  request.set_name("e3");
  request.set_page_size(-1);
  request.set_next_page_token("garbage");
  auto named = endpoints_->List(request);
  ASSERT_TRUE(named.IsSuccess()) << named.Error().ToString();
  ASSERT_EQ(named.Value().endpoints_size(), 1);
  EXPECT_EQ(named.Value().endpoints(0).spec().name(), "e3");
  request.set_name("e");
  EXPECT_EQ(endpoints_->List(request).Value().endpoints_size(), 0);
}

TEST_F(NexusEndpointsTest, BadListRequestsAreInvalidArgument) {
  op::ListNexusEndpointsRequest request;
  request.set_page_size(-1);
  EXPECT_EQ(endpoints_->List(request).Error().Message(), "page_size is negative");
  request.set_page_size(1001);
  EXPECT_EQ(endpoints_->List(request).Error().Message(), "page_size exceeds limit of 1000");
  request.set_page_size(10);
  request.set_next_page_token("garbage");
  auto bad_token = endpoints_->List(request);
  ASSERT_TRUE(bad_token.IsFailure());
  EXPECT_EQ(bad_token.Error().Code(), kErrorInvalidArgument);
  EXPECT_EQ(bad_token.Error().Message(), "invalid next_page_token");
}

TEST_F(NexusEndpointsTest, EndpointsAreReadBackFromTheStoreAfterARestart) {
  nexus::Endpoint payments = Create("payments");
  nexus::Endpoint billing = Create("billing");
  auto updated = Update(billing.id(), 1, WorkerSpec("invoices", "q2"));
  ASSERT_TRUE(updated.IsSuccess()) << updated.Error().ToString();
  file_.Reopen();
  Open();
  ASSERT_EQ(endpoints_->size(), 2u);
  ASSERT_NE(endpoints_->ByName("payments"), nullptr);
  EXPECT_EQ(endpoints_->ByName("payments")->SerializeAsString(), payments.SerializeAsString());
  ASSERT_NE(endpoints_->ByName("invoices"), nullptr);
  EXPECT_EQ(endpoints_->ByName("invoices")->SerializeAsString(),
            updated.Value().endpoint().SerializeAsString());
  EXPECT_EQ(endpoints_->ByName("billing"), nullptr);
  // The stored version guards the next update.
  EXPECT_TRUE(Update(billing.id(), 2, WorkerSpec("invoices", "q3")).IsSuccess());
  auto row = endpoint_store_->GetEndpoint(billing.id());
  ASSERT_TRUE(row.IsSuccess()) << row.Error().ToString();
  EXPECT_EQ(row.Value().version, 3);
}

}  // namespace
}  // namespace hdo::frontend
