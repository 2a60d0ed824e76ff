// Seeds an hdo SQLite file with closed workflow runs for the visibility benchmark
// (bench/visibility/run): listing rows as the engine writes them, in transactions of 1,000.
//
//   hdo_visibility_seed --db FILE --namespace default --count 100000
//
// The namespace must exist (start hdo once on the file); its custom attributes CustomerId
// (Keyword) and Amount (Int) are added if missing. Rows: 10 workflow types, statuses 80 %
// Completed / 15 % Failed / 5 % Terminated, start times spread over the last 7 days, 1,000
// customers, amounts 0..9,999, a memo and the search attribute payloads.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "persistence/sqlite/database.h"
#include "persistence/sqlite/execution_store.h"
#include "persistence/sqlite/migrations.h"
#include "persistence/sqlite/namespace_store.h"
#include "persistence/sqlite/visibility_store.h"
#include "temporal/api/common/v1/message.pb.h"
#include "temporal/api/enums/v1/workflow.pb.h"
#include "visibility/search_attributes.h"

namespace {

namespace enums = temporal::api::enums::v1;
using hdo::persistence::VisibilityRecord;

int Fail(const std::string& message) {
  std::cerr << "hdo_visibility_seed: " << message << "\n";
  return 2;
}

temporal::api::common::v1::Payload Json(const std::string& json, const char* type) {
  temporal::api::common::v1::Payload payload;
  (*payload.mutable_metadata())["encoding"] = "json/plain";
  (*payload.mutable_metadata())["type"] = type;
  payload.set_data(json);
  return payload;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path;
  std::string namespace_name = "default";
  long count = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--db") {
      db_path = argv[i + 1];
    } else if (flag == "--namespace") {
      namespace_name = argv[i + 1];
    } else if (flag == "--count") {
      count = std::atol(argv[i + 1]);
    } else {
      return Fail("unknown flag " + flag + " (use --db FILE --namespace NAME --count N)");
    }
  }
  if (db_path.empty() || count <= 0) return Fail("give --db FILE and --count N > 0");
  auto db = hdo::persistence::sqlite::Database::Open({.path = db_path});
  if (db.IsFailure()) return Fail(db.Error().Message());
  auto migrated = hdo::persistence::sqlite::ApplyMigrations(
      *db.Value(), hdo::persistence::sqlite::SchemaMigrations());
  if (migrated.IsFailure()) return Fail(migrated.Error().Message());
  hdo::persistence::sqlite::SqliteNamespaceStore namespaces(db.Value().get());
  auto ns = namespaces.GetNamespaceByName(namespace_name);
  if (ns.IsFailure()) {
    return Fail("namespace '" + namespace_name + "' not found: start hdo once on " + db_path);
  }
  const std::string namespace_id = ns.Value().id;
  hdo::persistence::sqlite::SqliteVisibilityStore visibility(db.Value().get());
  auto custom = visibility.ListSearchAttributes(namespace_id);
  if (custom.IsFailure()) return Fail(custom.Error().Message());
  if (custom.Value().count("CustomerId") == 0) {
    (void)visibility.AddSearchAttributes(namespace_id,
                                         {{"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD}});
  }
  if (custom.Value().count("Amount") == 0) {
    (void)visibility.AddSearchAttributes(namespace_id, {{"Amount", enums::INDEXED_VALUE_TYPE_INT}});
  }

  hdo::persistence::sqlite::SqliteExecutionStore store(db.Value().get());
  std::mt19937_64 random(42);
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t week_ns = int64_t{7} * 24 * 3600 * 1'000'000'000;
  hdo::persistence::Transaction batch;
  for (long i = 0; i < count; ++i) {
    VisibilityRecord record;
    record.namespace_id = namespace_id;
    record.workflow_id = "seed-" + std::to_string(i);
    record.run_id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + i);
    record.workflow_type = "SeedWorkflow" + std::to_string(random() % 10);
    record.task_queue = "seed-queue-" + std::to_string(random() % 4);
    int roll = static_cast<int>(random() % 100);
    record.status = roll < 80   ? enums::WORKFLOW_EXECUTION_STATUS_COMPLETED
                    : roll < 95 ? enums::WORKFLOW_EXECUTION_STATUS_FAILED
                                : enums::WORKFLOW_EXECUTION_STATUS_TERMINATED;
    record.start_time = now_ns - static_cast<int64_t>(random() % static_cast<uint64_t>(week_ns));
    record.execution_time = record.start_time;
    record.close_time = record.start_time + static_cast<int64_t>(random() % 60'000'000'000);
    record.history_length = 11;
    record.history_size_bytes = 1800;
    record.state_transition_count = 6;
    record.root_workflow_id = record.workflow_id;
    record.root_run_id = record.run_id;
    std::string customer = "c-" + std::to_string(random() % 1000);
    int64_t amount = static_cast<int64_t>(random() % 10000);
    record.search_attributes =
        R"({"CustomerId":")" + customer + R"(","Amount":)" + std::to_string(amount) + "}";
    temporal::api::common::v1::SearchAttributes payloads;
    (*payloads.mutable_indexed_fields())["CustomerId"] = Json("\"" + customer + "\"", "Keyword");
    (*payloads.mutable_indexed_fields())["Amount"] = Json(std::to_string(amount), "Int");
    record.search_attributes_payloads = payloads.SerializeAsString();
    temporal::api::common::v1::Memo memo;
    (*memo.mutable_fields())["note"] = Json("\"seeded\"", "string");
    record.memo = memo.SerializeAsString();
    record.attributes = R"({"workflow.CustomerId":")" + customer + R"(","workflow.Amount":")" +
                        std::to_string(amount) + "\"}";
    batch.visibility.push_back(std::move(record));
    if (batch.visibility.size() == 1000 || i + 1 == count) {
      auto written = store.Write(batch);
      if (written.IsFailure()) return Fail(written.Error().Message());
      batch.visibility.clear();
    }
  }
  std::cout << "seeded " << count << " closed runs into namespace '" << namespace_name << "' of "
            << db_path << "\n";
  return 0;
}
