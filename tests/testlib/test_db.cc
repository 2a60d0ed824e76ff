#include "testlib/test_db.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

namespace hdo::testlib {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, TestDb> servers;
};

Registry& Servers() {
  static auto* registry = new Registry();  // never destroyed: the environment stops the servers
  return *registry;
}

// Runs a shell command; its stdout and stderr, and the exit status.
std::pair<std::string, int> Run(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {"popen failed", -1};
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, read);
  int status = pclose(pipe);
  return {output, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// The rest of the line that starts with `prefix`, or "".
std::string LineValue(const std::string& output, const std::string& prefix) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  }
  return "";
}

TestDb Start(const std::string& engine) {
  TestDb db{.engine = engine};
  std::string variable = engine == "postgres" ? "HDO_TEST_POSTGRES_DSN" : "HDO_TEST_MARIADB_DSN";
  if (const char* given = std::getenv(variable.c_str()); given != nullptr && *given != '\0') {
    db.dsn = given;
    return db;
  }
  if (const char* fixtures = std::getenv("HDO_TEST_DB_FIXTURES"); fixtures != nullptr) {
    // ctest started one server per engine for the whole run (scripts/test-db fixture-start).
    std::string path = std::string(fixtures) + "/" + engine + "/dsn";
    std::ifstream file(path);
    std::getline(file, db.dsn);
    if (db.dsn.empty()) db.error = "no DSN in " + path + ": did the ctest fixture test_db start?";
    std::ifstream ca(std::string(fixtures) + "/" + engine + "/ca");
    std::getline(ca, db.ca_file);
    return db;
  }
  auto [output, status] = Run(std::string(HDO_TEST_DB_SCRIPT) + " start " + engine +
                              " --owner-pid " + std::to_string(getpid()));
  db.dsn = LineValue(output, "DSN=");
  db.dir = LineValue(output, "DIR=");
  db.ca_file = LineValue(output, "CA=");
  if (status != 0 || db.dsn.empty()) {
    db.error = "scripts/test-db start " + engine + " failed (exit " + std::to_string(status) +
               "):\n" + output;
  }
  return db;
}

// Stops every server this process started, after the last test.
class StopServers : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard lock(Servers().mutex);
    for (auto& [engine, db] : Servers().servers) {
      if (db.dir.empty()) continue;
      auto [output, status] = Run(std::string(HDO_TEST_DB_SCRIPT) + " stop " + db.dir);
      EXPECT_EQ(status, 0) << "scripts/test-db stop " << db.dir << ":\n" << output;
      db.dir.clear();
    }
  }
};

// Registered before main, as GoogleTest wants; gtest owns it.
[[maybe_unused]] ::testing::Environment* const stop_servers =
    ::testing::AddGlobalTestEnvironment(new StopServers());

}  // namespace

const TestDb& SharedTestDb(const std::string& engine) {
  std::lock_guard lock(Servers().mutex);
  auto found = Servers().servers.find(engine);
  if (found == Servers().servers.end()) {
    found = Servers().servers.emplace(engine, Start(engine)).first;
  }
  return found->second;
}

std::string DsnWithDatabase(const std::string& dsn, const std::string& database) {
  size_t query = dsn.find('?');
  std::string base = dsn.substr(0, query);
  std::string rest = query == std::string::npos ? "" : dsn.substr(query);
  size_t slash = base.find('/', base.find("://") + 3);
  return base.substr(0, slash) + "/" + database + rest;
}

}  // namespace hdo::testlib
