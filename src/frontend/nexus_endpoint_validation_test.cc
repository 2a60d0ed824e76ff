// Goal: a bad Nexus endpoint request is refused with the reference server's exact message (every
// issue at once), including the parts that quote Go's url.Parse and uuid.Parse. Method: the pure
// checks on requests whose messages were recorded from the reference (temporal CLI 1.5.1,
// server 1.29.1).
#include "frontend/nexus_endpoint_validation.h"

#include <gtest/gtest.h>

#include "common/error_codes.h"
#include "frontend/errors.h"

namespace hdo::frontend {
namespace {

namespace nexus = temporal::api::nexus::v1;

const char kNameRegexIssue[] =
    R"(endpoint name must match the regex: "^[a-zA-Z][a-zA-Z0-9\\-]*[a-zA-Z0-9]$")";

hugo::Result<std::string> KnownNamespaces(const std::string& name) {
  if (name == "default") return hugo::Ok(std::string("id-of-default"));
  return NamespaceNotFound(name);
}

nexus::EndpointSpec WorkerSpec(const std::string& name, const std::string& namespace_name,
                               const std::string& task_queue) {
  nexus::EndpointSpec spec;
  spec.set_name(name);
  spec.mutable_target()->mutable_worker()->set_namespace_(namespace_name);
  spec.mutable_target()->mutable_worker()->set_task_queue(task_queue);
  return spec;
}

nexus::EndpointSpec ExternalSpec(const std::string& name, const std::string& url) {
  nexus::EndpointSpec spec;
  spec.set_name(name);
  spec.mutable_target()->mutable_external()->set_url(url);
  return spec;
}

// The message of a refused spec ("" when accepted); `code` gets its error code.
std::string Refusal(const nexus::EndpointSpec& spec, std::string* code = nullptr) {
  auto result = ValidateNexusEndpointSpec(spec, NexusEndpointLimits{}, KnownNamespaces);
  if (result.IsSuccess()) return "";
  if (code != nullptr) *code = result.Error().Code();
  return result.Error().Message();
}

TEST(NexusEndpointValidationTest, AGoodWorkerOrExternalSpecIsAccepted) {
  EXPECT_EQ(Refusal(WorkerSpec("my-endpoint-1", "default", "queue")), "");
  EXPECT_EQ(Refusal(ExternalSpec("ext", "http://localhost:1234/")), "");
  EXPECT_EQ(Refusal(ExternalSpec("ext", "HTTPS://Example.com:8443/x?y=1#top")), "");
  // Go's url.Parse takes an http URL without a host; so does the reference.
  EXPECT_EQ(Refusal(ExternalSpec("ext", "http://")), "");
}

TEST(NexusEndpointValidationTest, NamesFollowTheReferencesPatternAndLimit) {
  std::string code;
  EXPECT_EQ(Refusal(WorkerSpec("", "default", "q"), &code), "endpoint name not set");
  EXPECT_EQ(code, kErrorInvalidArgument);
  for (const char* name : {"1x", "a", "a_b", "ab-", "-ab", "a b", "ab\xc3\xa9"}) {
    EXPECT_EQ(Refusal(WorkerSpec(name, "default", "q")), kNameRegexIssue) << name;
  }
  EXPECT_EQ(Refusal(WorkerSpec("a" + std::string(200, 'b'), "default", "q")),
            "endpoint name exceeds length limit of 200");
  EXPECT_EQ(Refusal(WorkerSpec("-" + std::string(201, 'a'), "default", "q")),
            "endpoint name exceeds length limit of 200, " + std::string(kNameRegexIssue));
  EXPECT_EQ(Refusal(WorkerSpec("a" + std::string(199, 'b'), "default", "q")), "");
}

TEST(NexusEndpointValidationTest, EveryIssueIsReportedAtOnce) {
  nexus::EndpointSpec empty;
  EXPECT_EQ(Refusal(empty), "endpoint name not set, empty target variant");
  EXPECT_EQ(Refusal(WorkerSpec("_x", "", "")),
            std::string(kNameRegexIssue) +
                R"(, target namespace not set, invalid target task queue: "taskQueue is not set")");
}

TEST(NexusEndpointValidationTest, TheTargetTaskQueueIsCheckedLikeTheReferences) {
  EXPECT_EQ(
      Refusal(WorkerSpec("ep", "default", "/_sys/x")),
      R"(invalid target task queue: "task queue name cannot start with reserved prefix /_sys/")");
  EXPECT_EQ(Refusal(WorkerSpec("ep", "default", std::string(1001, 'q'))),
            R"(invalid target task queue: "taskQueue length exceeds limit")");
  EXPECT_EQ(Refusal(WorkerSpec("ep", "default", std::string(1000, 'q'))), "");
}

TEST(NexusEndpointValidationTest, AnUnknownTargetNamespaceIsFailedPreconditionAndEndsTheChecks) {
  std::string code;
  // The reference reports only this, even with a bad name and no task queue.
  EXPECT_EQ(Refusal(WorkerSpec("_x", "nope", ""), &code),
            "could not verify namespace referenced by target exists: Namespace nope is not "
            "found.");
  EXPECT_EQ(code, errors::kFailedPrecondition);
}

TEST(NexusEndpointValidationTest, ExternalUrlsAreParsedByGosRulesAndMustBeHttp) {
  EXPECT_EQ(Refusal(ExternalSpec("ep", "")), "empty target URL");
  EXPECT_EQ(Refusal(ExternalSpec("ep", "http://x/" + std::string(4096, 'a'))),
            "target URL length exceeds limit of 4096");
  EXPECT_EQ(Refusal(ExternalSpec("ep", "ftp://x")),
            R"(invalid target URL scheme: "ftp", expected http or https)");
  EXPECT_EQ(Refusal(ExternalSpec("ep", "localhost:8080")),
            R"(invalid target URL scheme: "localhost", expected http or https)");
  EXPECT_EQ(Refusal(ExternalSpec("ep", "/just/path")),
            R"(invalid target URL scheme: "", expected http or https)");
  EXPECT_EQ(Refusal(ExternalSpec("ep", "http://a b")),
            R"(invalid target URL: parse "http://a b": invalid character " " in host name)");
  EXPECT_EQ(Refusal(ExternalSpec("ep", "://a")),
            R"(invalid target URL: parse "://a": missing protocol scheme)");
  EXPECT_EQ(
      Refusal(ExternalSpec("ep", "http://a\x01")),
      R"(invalid target URL: parse "http://a\x01": net/url: invalid control character in URL)");
  EXPECT_EQ(Refusal(ExternalSpec("ep", "http://a/%zz")),
            R"(invalid target URL: parse "http://a/%zz": invalid URL escape "%zz")");
  EXPECT_EQ(Refusal(ExternalSpec("ep", "http://a:xy/")),
            R"(invalid target URL: parse "http://a:xy/": invalid port ":xy" after host)");
}

TEST(NexusEndpointValidationTest, UrlParseErrorFollowsGosNetUrl) {
  std::string scheme;
  EXPECT_EQ(UrlParseError("HTTP://user:pw@host:80/p?q#f", &scheme), std::nullopt);
  EXPECT_EQ(scheme, "http");
  EXPECT_EQ(UrlParseError("http://[::1]:8080/", &scheme), std::nullopt);
  EXPECT_EQ(UrlParseError("http://[::1/", &scheme), R"(parse "http://[::1/": missing ']' in host)");
  EXPECT_EQ(UrlParseError("http://[127.0.0.1]/", &scheme),
            R"(parse "http://[127.0.0.1]/": invalid IP-literal)");
  EXPECT_EQ(UrlParseError("http://a[b]/", &scheme), R"(parse "http://a[b]/": invalid IP-literal)");
  EXPECT_EQ(UrlParseError("http://u{@a/", &scheme),
            R"(parse "http://u{@a/": net/url: invalid userinfo)");
  EXPECT_EQ(UrlParseError("1a:b", &scheme),
            R"(parse "1a:b": first path segment in URL cannot contain colon)");
  EXPECT_EQ(UrlParseError("http://a/#%zz", &scheme),
            R"(parse "http://a/#%zz": invalid URL escape "%zz")");
  EXPECT_EQ(UrlParseError("http://a%41/", &scheme),
            R"(parse "http://a%41/": invalid URL escape "%41")");
  EXPECT_EQ(UrlParseError("mailto:someone", &scheme), std::nullopt);
  EXPECT_EQ(scheme, "mailto");
}

TEST(NexusEndpointValidationTest, TheDescriptionIsBoundedBySerializedSize) {
  nexus::EndpointSpec spec = WorkerSpec("ep", "default", "q");
  spec.mutable_description()->set_data(std::string(20000, 'x'));
  EXPECT_EQ(Refusal(spec), "description size exceeds limit of 20000");
  spec.mutable_description()->set_data(std::string(19990, 'x'));
  EXPECT_EQ(Refusal(spec), "");
}

TEST(NexusEndpointValidationTest, IdsAreUuidsAsGoParsesThem) {
  EXPECT_EQ(ValidateNexusEndpointId("").Error().Message(), "endpoint ID not set");
  EXPECT_EQ(ValidateNexusEndpointId("abc").Error().Message(),
            R"(malformed endpoint ID: "invalid UUID length: 3")");
  EXPECT_EQ(ValidateNexusEndpointId("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz").Error().Message(),
            R"(malformed endpoint ID: "invalid UUID format")");
  EXPECT_EQ(
      ValidateNexusEndpointId("abcdefghi79acaca8-87ae-47d6-908f-9a65f8dced8a").Error().Message(),
      R"(malformed endpoint ID: "invalid urn prefix: \"abcdefghi\"")");
  for (const char* id :
       {"79acaca8-87ae-47d6-908f-9a65f8dced8a", "79ACACA8-87AE-47D6-908F-9A65F8DCED8A",
        "79acaca887ae47d6908f9a65f8dced8a", "{79acaca8-87ae-47d6-908f-9a65f8dced8a}",
        "urn:uuid:79acaca8-87ae-47d6-908f-9a65f8dced8a"}) {
    EXPECT_TRUE(ValidateNexusEndpointId(id).IsSuccess()) << id;
    EXPECT_EQ(CanonicalUuid(id), "79acaca8-87ae-47d6-908f-9a65f8dced8a") << id;
  }
  EXPECT_EQ(ValidateNexusEndpointDelete("", 0).Error().Message(),
            "endpoint ID not set, endpoint version is non-positive");
  EXPECT_TRUE(ValidateNexusEndpointDelete("79acaca8-87ae-47d6-908f-9a65f8dced8a", 1).IsSuccess());
}

TEST(NexusEndpointValidationTest, QuotesLikeGosStrconvQuote) {
  EXPECT_EQ(QuoteLikeGo("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(QuoteLikeGo("\n\t\x01\x7f"), R"("\n\t\x01\x7f")");
  EXPECT_EQ(QuoteLikeGo("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(QuoteLikeGo("\xff"), R"("\xff")");
  EXPECT_EQ(QuoteLikeGo("\xc2\x85"), R"("\u0085")");
}

}  // namespace
}  // namespace hdo::frontend
