#include "persistence/sql/dsn.h"

#include <gtest/gtest.h>

namespace hdo::persistence::sql {
namespace {

Dsn Parsed(std::string_view text) {
  auto dsn = ParseDsn(text);
  EXPECT_TRUE(dsn.IsSuccess()) << (dsn.IsFailure() ? dsn.Error().ToString() : "");
  return dsn.IsSuccess() ? dsn.Value() : Dsn{};
}

// The message of a DSN that must fail with kErrorInvalidDsn.
std::string Refusal(std::string_view text) {
  auto dsn = ParseDsn(text);
  EXPECT_TRUE(dsn.IsFailure()) << text;
  if (dsn.IsSuccess()) return "";
  EXPECT_EQ(dsn.Error().Code(), kErrorInvalidDsn);
  EXPECT_NE(dsn.Error().Message().find("expected "), std::string::npos) << dsn.Error().Message();
  return dsn.Error().Message();
}

TEST(DsnTest, AFullPostgresDsnGivesEveryPart) {
  Dsn dsn = Parsed(
      "postgres://hdo:secret@db.example.com:6543/history?sslmode=verify-full&sslrootcert=/ca.pem"
      "&connect_timeout=5&application_name=hdo");
  EXPECT_EQ(dsn.engine, Engine::kPostgres);
  EXPECT_EQ(dsn.user, "hdo");
  EXPECT_EQ(dsn.password, "secret");
  EXPECT_EQ(dsn.host, "db.example.com");
  EXPECT_EQ(dsn.port, 6543);
  EXPECT_EQ(dsn.database, "history");
  ASSERT_EQ(dsn.params.size(), 4u);
  EXPECT_EQ(*dsn.Param("sslmode"), "verify-full");
  EXPECT_EQ(*dsn.Param("sslrootcert"), "/ca.pem");
  EXPECT_EQ(*dsn.Param("connect_timeout"), "5");
  EXPECT_EQ(dsn.Param("sslkey"), nullptr);
}

TEST(DsnTest, EachSchemeAliasNamesItsEngineAndDefaultPort) {
  EXPECT_EQ(Parsed("postgresql://u@h/d").engine, Engine::kPostgres);
  EXPECT_EQ(Parsed("postgresql://u@h/d").port, 5432);
  EXPECT_EQ(Parsed("mysql://u@h/d").engine, Engine::kMysql);
  EXPECT_EQ(Parsed("mysql://u@h/d").port, 3306);
  EXPECT_EQ(Parsed("mariadb://u@h/d").engine, Engine::kMysql);
  EXPECT_EQ(Parsed("mariadb://u@h/d").password, "");
}

TEST(DsnTest, UserAndPasswordArePercentDecoded) {
  Dsn dsn = Parsed("mysql://us%40er:p%40ss%3Aw%2Frd%25@127.0.0.1:3307/hdo?tls=skip-verify");
  EXPECT_EQ(dsn.user, "us@er");
  EXPECT_EQ(dsn.password, "p@ss:w/rd%");
  EXPECT_EQ(dsn.port, 3307);
  EXPECT_EQ(*dsn.Param("tls"), "skip-verify");
}

TEST(DsnTest, AnUnescapedAtOrSlashInThePasswordStillParses) {
  Dsn dsn = Parsed("postgres://hdo:a@b/c@localhost/hdo");
  EXPECT_EQ(dsn.password, "a@b/c");
  EXPECT_EQ(dsn.host, "localhost");
  EXPECT_EQ(dsn.database, "hdo");
}

TEST(DsnTest, AnIpv6HostIsWrittenInBrackets) {
  Dsn with_port = Parsed("postgres://hdo:x@[::1]:5433/hdo");
  EXPECT_EQ(with_port.host, "::1");
  EXPECT_EQ(with_port.port, 5433);
  EXPECT_EQ(with_port.Address(), "[::1]:5433");
  Dsn without_port = Parsed("mysql://hdo:x@[fe80::1]/hdo");
  EXPECT_EQ(without_port.host, "fe80::1");
  EXPECT_EQ(without_port.port, 3306);
}

TEST(DsnTest, DescribeLeavesOutThePassword) {
  EXPECT_EQ(Parsed("postgres://hdo:topsecret@127.0.0.1:5432/hdo?sslmode=disable").Describe(),
            "postgres://hdo@127.0.0.1:5432/hdo");
  EXPECT_EQ(Parsed("mariadb://hdo:topsecret@[::1]/hdo").Describe(), "mysql://hdo@[::1]:3306/hdo");
}

TEST(DsnTest, MalformedDsnsAreRefusedWithWhatIsWrong) {
  EXPECT_NE(Refusal("hdo:x@localhost/hdo").find("scheme"), std::string::npos);
  EXPECT_NE(Refusal("oracle://u:p@h/d").find("unknown scheme 'oracle'"), std::string::npos);
  EXPECT_NE(Refusal("postgres://localhost/hdo").find("user name is missing"), std::string::npos);
  EXPECT_NE(Refusal("postgres://:p@localhost/hdo").find("user name is missing"), std::string::npos);
  EXPECT_NE(Refusal("postgres://u:p@localhost").find("database name is missing"),
            std::string::npos);
  EXPECT_NE(Refusal("postgres://u:p@localhost/").find("database name is missing"),
            std::string::npos);
  EXPECT_NE(Refusal("postgres://u:p@/hdo").find("host is missing"), std::string::npos);
  EXPECT_NE(Refusal("postgres://u:p@h:http/hdo").find("port 'http'"), std::string::npos);
  EXPECT_NE(Refusal("postgres://u:p@h:70000/hdo").find("port '70000'"), std::string::npos);
  EXPECT_NE(Refusal("postgres://u:p@h:/hdo").find("port"), std::string::npos);
  EXPECT_NE(Refusal("postgres://u:p@[::1/hdo").find("']'"), std::string::npos);
  EXPECT_NE(Refusal("mysql://u:p@h").find("mysql://user:password@host:port/dbname"),
            std::string::npos);
}

TEST(DsnTest, UnknownOrBadParametersAreRefused) {
  std::string postgres = Refusal("postgres://u:p@h/d?tls=true");
  EXPECT_NE(postgres.find("unknown parameter 'tls'"), std::string::npos) << postgres;
  EXPECT_NE(postgres.find("sslmode"), std::string::npos) << postgres;  // lists the known ones
  std::string mysql = Refusal("mysql://u:p@h/d?sslmode=require");
  EXPECT_NE(mysql.find("unknown parameter 'sslmode'"), std::string::npos) << mysql;
  EXPECT_NE(Refusal("postgres://u:p@h/d?sslmode=maybe").find("sslmode 'maybe'"), std::string::npos);
  EXPECT_NE(Refusal("mysql://u:p@h/d?tls=yes").find("tls 'yes'"), std::string::npos);
  EXPECT_NE(Refusal("mysql://u:p@h/d?connect_timeout=soon").find("connect_timeout"),
            std::string::npos);
  EXPECT_NE(Refusal("mysql://u:p@h/d?tls").find("has no value"), std::string::npos);
  EXPECT_NE(Refusal("mysql://u:p@h/d?tls=true&tls=false").find("given twice"), std::string::npos);
}

TEST(DsnTest, NoRefusalShowsThePassword) {
  for (const char* text : {"postgres://hdo:Sup3rS3cret%zz@h/d", "postgres://hdo:Sup3rS3cret@h:x/d",
                           "mysql://hdo:Sup3rS3cret@h/d?bogus=1", "postgres://hdo:Sup3rS3cret@/d",
                           "mysql://hdo:Sup3rS3cret@h"}) {
    std::string message = Refusal(text);
    EXPECT_EQ(message.find("Sup3rS3cret"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace hdo::persistence::sql
