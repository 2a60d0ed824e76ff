// A private PostgreSQL or MariaDB server for tests, started by scripts/test-db once per test
// process and engine, on first use, and stopped at exit (a GoogleTest environment; the script's
// watcher also stops it when the process dies without exiting normally).
//
// HDO_TEST_POSTGRES_DSN / HDO_TEST_MARIADB_DSN in the environment name an existing server
// instead; under ctest, HDO_TEST_DB_FIXTURES names the folder where the ctest fixture `test_db`
// started one server per engine for the whole run (src/persistence/CMakeLists.txt), so that each
// test process does not start its own. A server that does not start is a test failure, never a
// skip: fixtures do
//   const auto& db = testlib::SharedTestDb("postgres");
//   ASSERT_TRUE(db.error.empty()) << db.error;
//
// Thread-safe (a mutex guards the start); the servers live until the process exits.
#pragma once

#include <string>

namespace hdo::testlib {

struct TestDb {
  std::string engine;  // "postgres" or "mariadb"
  std::string dsn;     // e.g. postgres://hdo:hdo@127.0.0.1:PORT/hdo
  std::string dir;     // the server's folder; empty when given by the environment
  // The CA of the server's TLS certificate (for 127.0.0.1 and localhost); empty when given by
  // the environment. The server takes TLS and plain connections; `other-ca.pem` beside it is a CA
  // that signed nothing.
  std::string ca_file;
  std::string error;  // why it did not start, with the script's output; empty on success
};

// The server of `engine` ("postgres" or "mariadb"), started on the first call.
const TestDb& SharedTestDb(const std::string& engine);

// `dsn` naming `database` instead of its own (tests that run in parallel each create a database
// of their own on the shared server).
std::string DsnWithDatabase(const std::string& dsn, const std::string& database);

}  // namespace hdo::testlib
