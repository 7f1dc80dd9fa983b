#include "neo4j/parsers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "parser_fixtures.h"

namespace nca::neo4j {
namespace {

using nlohmann::json;
using parser_fixtures::MakeResult;
using parser_fixtures::ParseTable;
using parser_fixtures::ParseTableFixture;
using parser_fixtures::ReadFixture;
using parser_fixtures::StripLineComments;
using parser_fixtures::Table;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;
using ::testing::StartsWith;

constexpr char kMemberA[] = "30edc1c4-519c-4030-8348-7cb7af44f591";
constexpr char kMemberB[] = "80a7fb7b-c966-4ee7-88a9-35db8b4d68fe";
constexpr char kMemberC[] = "f9301218-1fd4-4938-b9bb-a03453e1f779";

// A valid /db/<db>/cluster/status object to mutate in edge-case tests.
json BaseStatus() {
  return json::parse(R"({
    "lastAppliedRaftIndex": 42,
    "votingMembers": ["30edc1c4-519c-4030-8348-7cb7af44f591"],
    "memberId": "30edc1c4-519c-4030-8348-7cb7af44f591",
    "participatingInRaftGroup": true,
    "core": true,
    "healthy": true
  })");
}

// ---------------------------------------------------------------------------------------------
// Versions and discovery

TEST(ParseVersionTest, SplitsSemanticCalendarAndSuffixedVersions) {
  EXPECT_THAT(ParseVersion("4.4.0"), Optional(std::make_pair(4, 4)));
  EXPECT_THAT(ParseVersion("5.12.0"), Optional(std::make_pair(5, 12)));
  EXPECT_THAT(ParseVersion("2026.03"), Optional(std::make_pair(2026, 3)));
  EXPECT_THAT(ParseVersion("2025.10.1"), Optional(std::make_pair(2025, 10)));
  EXPECT_THAT(ParseVersion("5.0.0-SNAPSHOT"), Optional(std::make_pair(5, 0)));
  EXPECT_THAT(ParseVersion("5.0.0-drop09.0"), Optional(std::make_pair(5, 0)));
  EXPECT_THAT(ParseVersion("3.5"), Optional(std::make_pair(3, 5)));
}

TEST(ParseVersionTest, RejectsGarbage) {
  EXPECT_EQ(ParseVersion(""), std::nullopt);
  EXPECT_EQ(ParseVersion("abc"), std::nullopt);
  EXPECT_EQ(ParseVersion("v5.1"), std::nullopt);
  EXPECT_EQ(ParseVersion("5."), std::nullopt);
  EXPECT_EQ(ParseVersion(".5"), std::nullopt);
  EXPECT_EQ(ParseVersion("5x1"), std::nullopt);
  EXPECT_EQ(ParseVersion("99999999999999999999.1"), std::nullopt);
}

TEST(ParseDiscoveryTest, Neo4j44IsV4Transactional) {
  auto d = ParseDiscovery(ReadFixture("discovery-root-4.4.0-docs.json"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->version, "4.4.0");
  EXPECT_EQ(d->edition, "enterprise");
  EXPECT_EQ(d->major, 4);
  EXPECT_EQ(d->minor, 4);
  EXPECT_EQ(d->dialect, Dialect::kV4);
  EXPECT_EQ(d->transport, CypherTransport::kTransactional);
  EXPECT_THAT(d->bolt_direct, Optional(std::string("bolt://localhost:7687")));
  EXPECT_THAT(d->bolt_routing, Optional(std::string("neo4j://localhost:7687")));
  EXPECT_THAT(d->transaction, Optional(std::string("http://localhost:7474/db/{databaseName}/tx")));
  EXPECT_EQ(d->query, std::nullopt);
  EXPECT_FALSE(d->has_cluster_endpoints);
}

TEST(ParseDiscoveryTest, Neo4j512HasClusterEndpointsButNoQueryApi) {
  auto d = ParseDiscovery(ReadFixture("discovery-root-5.12.0-docs.json"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->version, "5.12.0");
  EXPECT_EQ(d->major, 5);
  EXPECT_EQ(d->minor, 12);
  EXPECT_EQ(d->dialect, Dialect::kV5);
  EXPECT_EQ(d->transport, CypherTransport::kTransactional);
  EXPECT_TRUE(d->has_cluster_endpoints);
  EXPECT_EQ(d->query, std::nullopt);
}

TEST(ParseDiscoveryTest, Neo4j519AdvertisesQueryApi) {
  auto d = ParseDiscovery(ReadFixture("discovery-root-5.19.0-docs.json"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->major, 5);
  EXPECT_EQ(d->minor, 19);
  EXPECT_EQ(d->dialect, Dialect::kV5);
  EXPECT_EQ(d->transport, CypherTransport::kQueryApi);
  EXPECT_THAT(d->query, Optional(std::string("http://localhost:7474/db/{databaseName}/query/v2")));
  EXPECT_TRUE(d->has_cluster_endpoints);
}

TEST(ParseDiscoveryTest, CalendarVersion202603) {
  auto d = ParseDiscovery(ReadFixture("discovery-root-2026.03-docs.json"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->version, "2026.03");
  EXPECT_EQ(d->major, 2026);
  EXPECT_EQ(d->minor, 3);
  EXPECT_EQ(d->dialect, Dialect::kV5);
  EXPECT_EQ(d->transport, CypherTransport::kQueryApi);
  EXPECT_TRUE(d->has_cluster_endpoints);
  EXPECT_EQ(d->edition, "enterprise");
}

TEST(ParseDiscoveryTest, LegacyClusterKeyAndSnapshotVersion) {
  auto d = ParseDiscovery(R"({"neo4j_version":"4.1.0","neo4j_edition":"enterprise",
                              "cluster":"/db/{databaseName}/cluster"})");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_TRUE(d->has_cluster_endpoints);
  EXPECT_EQ(d->dialect, Dialect::kV4);

  auto snapshot = ParseDiscovery(R"({"neo4j_version":"5.0.0-SNAPSHOT"})");
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().ToString();
  EXPECT_EQ(snapshot->major, 5);
  EXPECT_EQ(snapshot->minor, 0);
  EXPECT_EQ(snapshot->dialect, Dialect::kV5);
  EXPECT_EQ(snapshot->edition, "");
  EXPECT_FALSE(snapshot->has_cluster_endpoints);

  auto calendar = ParseDiscovery(R"({"neo4j_version":"2025.10.1","query":null})");
  ASSERT_TRUE(calendar.ok()) << calendar.error().ToString();
  EXPECT_EQ(calendar->major, 2025);
  EXPECT_EQ(calendar->minor, 10);
  EXPECT_EQ(calendar->transport, CypherTransport::kTransactional);
}

TEST(ParseDiscoveryTest, MalformedBodies) {
  auto missing = ParseDiscovery(R"({"neo4j_edition":"enterprise"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kMalformed);
  EXPECT_THAT(missing.error().message, HasSubstr("missing key \"neo4j_version\""));

  auto wrong_type = ParseDiscovery(R"({"neo4j_version":5})");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_THAT(wrong_type.error().message, HasSubstr("\"neo4j_version\" is not a string"));

  auto bad_version = ParseDiscovery(R"({"neo4j_version":"dev"})");
  ASSERT_FALSE(bad_version.ok());
  EXPECT_EQ(bad_version.error().kind, ErrorKind::kMalformed);
  EXPECT_THAT(bad_version.error().message, HasSubstr("dev"));

  for (std::string_view body :
       {"", "<html>See Other</html>", "[]", "{\"neo4j_version\":", "\xff\xfe\x00garbage"}) {
    auto r = ParseDiscovery(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::kMalformed) << body;
  }
}

// ---------------------------------------------------------------------------------------------
// /db/<db>/cluster/status and /dbms/cluster/status

void ExpectDocsStatus(const DatabaseClusterStatus& s) {
  EXPECT_EQ(s.database, "neo4j");
  EXPECT_TRUE(s.core);
  EXPECT_EQ(s.last_applied_raft_index, 0);
  EXPECT_TRUE(s.participating_in_raft_group);
  EXPECT_THAT(s.voting_members, ElementsAre(kMemberA, kMemberB, kMemberC));
  EXPECT_EQ(s.member_id, kMemberB);
  EXPECT_THAT(s.leader, Optional(std::string(kMemberA)));
  EXPECT_THAT(s.millis_since_last_leader_message, Optional(int64_t{84545}));
  EXPECT_THAT(s.healthy, Optional(true));
  EXPECT_EQ(s.discovery_healthy, std::nullopt);
  EXPECT_EQ(s.database_uuid, std::nullopt);
}

TEST(ParseDatabaseStatusTest, DocsExample44UsesIsHealthy) {
  auto s = ParseDatabaseStatus(ReadFixture("cluster-status-db-docs-4.4.json"), "neo4j");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ExpectDocsStatus(*s);
  EXPECT_THAT(s->raft_commands_per_second, Optional(124.0));
}

TEST(ParseDatabaseStatusTest, DocsExample5x) {
  auto s = ParseDatabaseStatus(ReadFixture("cluster-status-db-docs-5x-2025x.json"), "neo4j");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ExpectDocsStatus(*s);
  EXPECT_THAT(s->raft_commands_per_second, Optional(124.0));
}

TEST(ParseDatabaseStatusTest, Legacy35BodyUsesHealthyWithoutThroughput) {
  auto s = ParseDatabaseStatus(ReadFixture("cluster-status-legacy-docs-3.5.json"), "neo4j");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ExpectDocsStatus(*s);
  EXPECT_EQ(s->raft_commands_per_second, std::nullopt);
}

TEST(ParseDatabaseStatusTest, ExplicitNullsAndMissingOptionalKeys) {
  json doc = BaseStatus();
  doc["leader"] = nullptr;
  doc["millisSinceLastLeaderMessage"] = nullptr;
  doc["raftCommandsPerSecond"] = nullptr;
  doc["discoveryHealthy"] = nullptr;
  auto with_nulls = ParseDatabaseStatus(doc.dump(), "system");
  ASSERT_TRUE(with_nulls.ok()) << with_nulls.error().ToString();
  EXPECT_EQ(with_nulls->database, "system");
  EXPECT_EQ(with_nulls->leader, std::nullopt);
  EXPECT_EQ(with_nulls->millis_since_last_leader_message, std::nullopt);
  EXPECT_EQ(with_nulls->raft_commands_per_second, std::nullopt);
  EXPECT_EQ(with_nulls->discovery_healthy, std::nullopt);
  EXPECT_EQ(with_nulls->last_applied_raft_index, 42);

  json bare = BaseStatus();
  bare.erase("healthy");
  auto without = ParseDatabaseStatus(bare.dump(), "neo4j");
  ASSERT_TRUE(without.ok()) << without.error().ToString();
  EXPECT_EQ(without->healthy, std::nullopt);
  EXPECT_EQ(without->leader, std::nullopt);
  EXPECT_EQ(without->millis_since_last_leader_message, std::nullopt);
}

TEST(ParseDatabaseStatusTest, SourceShapedBodyWithDiscoveryHealthyAndDoubleThroughput) {
  json doc = BaseStatus();
  doc["healthy"] = false;
  doc["discoveryHealthy"] = true;
  doc["raftCommandsPerSecond"] = 423.5;
  doc["lastAppliedRaftIndex"] = -1;
  doc["millisSinceLastLeaderMessage"] = 0;
  doc["leader"] = kMemberA;
  doc["votingMembers"] = json::array({kMemberC, kMemberA, kMemberB});
  auto s = ParseDatabaseStatus(doc.dump(), "neo4j");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_THAT(s->healthy, Optional(false));
  EXPECT_THAT(s->discovery_healthy, Optional(true));
  EXPECT_THAT(s->raft_commands_per_second, Optional(423.5));
  EXPECT_EQ(s->last_applied_raft_index, -1);
  EXPECT_THAT(s->millis_since_last_leader_message, Optional(int64_t{0}));
  EXPECT_THAT(s->voting_members, ElementsAre(kMemberA, kMemberB, kMemberC));  // sorted
}

TEST(ParseDatabaseStatusTest, HealthyWinsOverIsHealthy) {
  json doc = BaseStatus();
  doc["healthy"] = false;
  doc["isHealthy"] = true;
  auto s = ParseDatabaseStatus(doc.dump(), "neo4j");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_THAT(s->healthy, Optional(false));
}

TEST(ParseDatabaseStatusTest, MissingRequiredKeysAreNamed) {
  for (const char* key :
       {"memberId", "votingMembers", "core", "lastAppliedRaftIndex", "participatingInRaftGroup"}) {
    json doc = BaseStatus();
    doc.erase(key);
    auto s = ParseDatabaseStatus(doc.dump(), "neo4j");
    ASSERT_FALSE(s.ok()) << key;
    EXPECT_EQ(s.error().kind, ErrorKind::kMalformed);
    EXPECT_THAT(s.error().message, HasSubstr(std::string("missing key \"") + key + "\""));
  }
}

TEST(ParseDatabaseStatusTest, WrongTypesAreNamed) {
  struct Case {
    const char* key;
    json value;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"votingMembers", "abc", "\"votingMembers\" is not an array"},
      {"votingMembers", json::array({1}), "\"votingMembers[0]\" is not a string"},
      {"memberId", 7, "\"memberId\" is not a string"},
      {"core", "true", "\"core\" is not a boolean"},
      {"lastAppliedRaftIndex", "7", "\"lastAppliedRaftIndex\" is not an integer"},
      {"lastAppliedRaftIndex", 1.5, "\"lastAppliedRaftIndex\" is not an integer"},
      {"leader", 12, "\"leader\" is not a string"},
      {"raftCommandsPerSecond", "fast", "\"raftCommandsPerSecond\" is not a number"},
      {"healthy", 1, "\"healthy\" is not a boolean"},
      {"memberId", nullptr, "\"memberId\" is null"},
  };
  for (const auto& c : cases) {
    json doc = BaseStatus();
    doc[c.key] = c.value;
    auto s = ParseDatabaseStatus(doc.dump(), "neo4j");
    ASSERT_FALSE(s.ok()) << c.key << " = " << c.value.dump();
    EXPECT_EQ(s.error().kind, ErrorKind::kMalformed);
    EXPECT_THAT(s.error().message, HasSubstr(c.expected));
  }
}

TEST(ParseDatabaseStatusTest, HugeNumbers) {
  const std::string base = BaseStatus().dump();
  const auto with_index = [&](const std::string& literal) {
    std::string body = base;
    const std::string needle = "\"lastAppliedRaftIndex\":42";
    body.replace(body.find(needle), needle.size(), "\"lastAppliedRaftIndex\":" + literal);
    return ParseDatabaseStatus(body, "neo4j");
  };
  auto max = with_index("9223372036854775807");
  ASSERT_TRUE(max.ok()) << max.error().ToString();
  EXPECT_EQ(max->last_applied_raft_index, std::numeric_limits<int64_t>::max());

  auto min = with_index("-9223372036854775808");
  ASSERT_TRUE(min.ok()) << min.error().ToString();
  EXPECT_EQ(min->last_applied_raft_index, std::numeric_limits<int64_t>::min());

  for (const char* literal : {"9223372036854775808", "18446744073709551615",
                              "99999999999999999999999", "1e300", "-1e300"}) {
    auto r = with_index(literal);
    ASSERT_FALSE(r.ok()) << literal;
    EXPECT_EQ(r.error().kind, ErrorKind::kMalformed);
    EXPECT_THAT(r.error().message, HasSubstr("\"lastAppliedRaftIndex\" is out of range"));
  }
  // An integral decimal is accepted.
  auto decimal = with_index("7.0");
  ASSERT_TRUE(decimal.ok()) << decimal.error().ToString();
  EXPECT_EQ(decimal->last_applied_raft_index, 7);
}

TEST(ParseDatabaseStatusTest, GarbageTruncatedAndNonObjectBodies) {
  const std::string good = ReadFixture("cluster-status-db-docs-4.4.json");
  const std::vector<std::string> bodies = {
      "",
      "   ",
      "null",
      "[]",
      "\"status\"",
      good.substr(0, good.size() / 2),
      std::string("\xc3\x28\xa0\xa1\xff\xfe\x80garbage", 14),
      std::string("{\"memberId\":\"\xff\xfe\",\"core\":true}"),
      std::string("{\"lastAppliedRaftIndex\":0\0}", 27),
      good + "trailing",
  };
  for (const auto& body : bodies) {
    auto r = ParseDatabaseStatus(body, "neo4j");
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::kMalformed) << body;
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(ParseDbmsClusterStatusTest, DocsExamples) {
  for (const char* file :
       {"dbms-cluster-status-docs-4.4.json", "dbms-cluster-status-docs-5x-2025x.json"}) {
    auto all = ParseDbmsClusterStatus(ReadFixture(file));
    ASSERT_TRUE(all.ok()) << file << ": " << all.error().ToString();
    ASSERT_EQ(all->size(), 2u) << file;
    const auto& neo4j = (*all)[0];
    EXPECT_EQ(neo4j.database, "neo4j");
    EXPECT_THAT(neo4j.database_uuid, Optional(std::string("f4dacc01-f88a-4512-b3bf-68f7539c941e")));
    EXPECT_EQ(neo4j.last_applied_raft_index, -1);
    EXPECT_THAT(neo4j.raft_commands_per_second, Optional(0.0));
    EXPECT_THAT(neo4j.millis_since_last_leader_message, Optional(int64_t{0}));
    EXPECT_EQ(neo4j.member_id, "90ff5df1-f5f8-4b4c-8289-a0e3deb2235c");
    EXPECT_THAT(neo4j.leader, Optional(std::string("90ff5df1-f5f8-4b4c-8289-a0e3deb2235c")));
    EXPECT_THAT(neo4j.healthy, Optional(true));
    EXPECT_TRUE(neo4j.core);
    EXPECT_THAT(neo4j.voting_members, ElementsAre("0cff51ad-7cee-44cc-9102-538fc4544b95",
                                                  "90ff5df1-f5f8-4b4c-8289-a0e3deb2235c",
                                                  "99ca7cd0-6072-4387-bd41-7566a98c6afc"));
    const auto& system = (*all)[1];
    EXPECT_EQ(system.database, "system");
    EXPECT_THAT(system.database_uuid,
                Optional(std::string("00000000-0000-0000-0000-000000000001")));
    EXPECT_EQ(system.last_applied_raft_index, 7);
    EXPECT_TRUE(system.participating_in_raft_group);
  }
}

TEST(ParseDbmsClusterStatusTest, EdgeCases) {
  auto empty = ParseDbmsClusterStatus("[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(*empty, IsEmpty());

  json entry = json::object();
  entry["databaseName"] = "neo4j";
  entry["databaseUuid"] = nullptr;
  entry["databaseStatus"] = BaseStatus();
  auto null_uuid = ParseDbmsClusterStatus(json::array({entry}).dump());
  ASSERT_TRUE(null_uuid.ok()) << null_uuid.error().ToString();
  EXPECT_EQ((*null_uuid)[0].database_uuid, std::nullopt);
  EXPECT_EQ((*null_uuid)[0].database, "neo4j");

  auto not_array = ParseDbmsClusterStatus(BaseStatus().dump());
  ASSERT_FALSE(not_array.ok());
  EXPECT_EQ(not_array.error().kind, ErrorKind::kMalformed);

  json no_status = entry;
  no_status.erase("databaseStatus");
  auto missing = ParseDbmsClusterStatus(json::array({entry, no_status}).dump());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("[1]"));
  EXPECT_THAT(missing.error().message, HasSubstr("missing key \"databaseStatus\""));

  json bad_inner = entry;
  bad_inner["databaseStatus"].erase("memberId");
  auto inner = ParseDbmsClusterStatus(json::array({bad_inner}).dump());
  ASSERT_FALSE(inner.ok());
  EXPECT_THAT(inner.error().message, HasSubstr("missing key \"memberId\""));

  json no_name = entry;
  no_name.erase("databaseName");
  auto nameless = ParseDbmsClusterStatus(json::array({no_name}).dump());
  ASSERT_FALSE(nameless.ok());
  EXPECT_THAT(nameless.error().message, HasSubstr("missing key \"databaseName\""));

  auto scalar_entry = ParseDbmsClusterStatus("[1]");
  ASSERT_FALSE(scalar_entry.ok());
  EXPECT_EQ(scalar_entry.error().kind, ErrorKind::kMalformed);
}

// ---------------------------------------------------------------------------------------------
// /db/<db>/cluster/{available,writable,read-only}

TEST(ParseEndpointAnswerTest, CurlTranscriptsAreWritableLeaders) {
  for (const char* file : {"cluster-writable-curl-transcript-docs-4.4.txt",
                           "cluster-writable-curl-transcript-docs-5x-2025x.txt"}) {
    const std::string transcript = ReadFixture(file);
    // Status from "< HTTP/1.1 200 OK"; the body is what precedes "* Closing connection".
    const auto status_at = transcript.find("< HTTP/1.1 ");
    ASSERT_NE(status_at, std::string::npos) << file;
    const int status = std::stoi(transcript.substr(status_at + 11, 3));
    const auto closing = transcript.find("* Closing connection");
    ASSERT_NE(closing, std::string::npos) << file;
    const auto line_start = transcript.rfind('\n', closing) + 1;
    const std::string body = transcript.substr(line_start, closing - line_start);
    EXPECT_EQ(body, "true");
    auto answer = ParseEndpointAnswer(status, body, "");
    ASSERT_TRUE(answer.ok()) << answer.error().ToString();
    EXPECT_EQ(answer->state, EndpointState::kTrue);
    EXPECT_EQ(answer->retry_after_seconds, std::nullopt);
  }
}

TEST(ParseEndpointAnswerTest, DocumentedAnswers) {
  auto yes = ParseEndpointAnswer(200, "true", "");
  ASSERT_TRUE(yes.ok());
  EXPECT_EQ(yes->state, EndpointState::kTrue);

  auto padded = ParseEndpointAnswer(200, " \ttrue\r\n", "");
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->state, EndpointState::kTrue);

  auto no = ParseEndpointAnswer(404, "false", "");
  ASSERT_TRUE(no.ok());
  EXPECT_EQ(no->state, EndpointState::kFalse);

  auto no_newline = ParseEndpointAnswer(404, "false\n", "");
  ASSERT_TRUE(no_newline.ok());
  EXPECT_EQ(no_newline->state, EndpointState::kFalse);

  auto not_hosted = ParseEndpointAnswer(404, "", "");
  ASSERT_TRUE(not_hosted.ok());
  EXPECT_EQ(not_hosted->state, EndpointState::kNotHosted);

  auto not_hosted_html = ParseEndpointAnswer(404, "<html><body>Not Found</body></html>", "");
  ASSERT_TRUE(not_hosted_html.ok());
  EXPECT_EQ(not_hosted_html->state, EndpointState::kNotHosted);

  auto forbidden = ParseEndpointAnswer(403, "", "");
  ASSERT_TRUE(forbidden.ok());
  EXPECT_EQ(forbidden->state, EndpointState::kForbidden);
}

TEST(ParseEndpointAnswerTest, UnavailableCarriesMessageAndRetryAfter) {
  auto initial = ParseEndpointAnswer(503, "Database neo4j is initial", "60");
  ASSERT_TRUE(initial.ok());
  EXPECT_EQ(initial->state, EndpointState::kUnavailable);
  EXPECT_EQ(initial->message, "Database neo4j is initial");
  EXPECT_THAT(initial->retry_after_seconds, Optional(60));

  auto stopped = ParseEndpointAnswer(503, "Database neo4j is stopped", "");
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->state, EndpointState::kUnavailable);
  EXPECT_EQ(stopped->message, "Database neo4j is stopped");
  EXPECT_EQ(stopped->retry_after_seconds, std::nullopt);

  for (const char* header : {"soon", "Wed, 21 Oct 2015 07:28:00 GMT", "-5", "99999999999999"}) {
    auto r = ParseEndpointAnswer(503, "Database neo4j is dirty", header);
    ASSERT_TRUE(r.ok()) << header;
    EXPECT_EQ(r->retry_after_seconds, std::nullopt) << header;
  }
  auto json_body =
      ParseEndpointAnswer(503,
                          R"({"errors":[{"code":"Neo.TransientError.Database.DatabaseUnavailable",)"
                          R"("message":"Database 'neo4j' is unavailable."}]})",
                          "");
  ASSERT_TRUE(json_body.ok());
  EXPECT_EQ(json_body->state, EndpointState::kUnavailable);
  EXPECT_EQ(json_body->message, "Database 'neo4j' is unavailable.");

  auto padded = ParseEndpointAnswer(503, "", " 5 ");
  ASSERT_TRUE(padded.ok());
  EXPECT_THAT(padded->retry_after_seconds, Optional(5));
  EXPECT_FALSE(padded->message.empty());
}

TEST(ParseEndpointAnswerTest, UnexpectedAnswersAreErrors) {
  for (const char* body : {"false", "", "TRUE", "true false", "{\"x\":1}"}) {
    auto r = ParseEndpointAnswer(200, body, "");
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::kMalformed) << body;
    EXPECT_EQ(r.error().http_status, 200);
  }
  auto unauthorized =
      ParseEndpointAnswer(401, ReadFixture("http-401-bad-credentials-4.4-docs.json"), "");
  ASSERT_FALSE(unauthorized.ok());
  EXPECT_EQ(unauthorized.error().kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(unauthorized.error().neo4j_code, "Neo.ClientError.Security.Unauthorized");

  auto crashed = ParseEndpointAnswer(500, "java.lang.IllegalStateException: boom", "");
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(crashed.error().kind, ErrorKind::kServerError);
  EXPECT_EQ(crashed.error().http_status, 500);
}

// ---------------------------------------------------------------------------------------------
// Error bodies

TEST(ErrorFromHttpTest, DocumentedAuthBodies) {
  struct Case {
    const char* file;
    int status;
    ErrorKind kind;
    const char* code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"http-401-bad-credentials-4.4-docs.json", 401, ErrorKind::kUnauthorized,
       "Neo.ClientError.Security.Unauthorized", "Invalid username or password."},
      {"http-401-no-auth-header-4.4-docs.json", 401, ErrorKind::kUnauthorized,
       "Neo.ClientError.Security.Unauthorized", "No authentication header supplied."},
      {"query-api-401-invalid-credentials.json", 401, ErrorKind::kUnauthorized,
       "Neo.ClientError.Security.Unauthorized", "Invalid username or password."},
      {"query-api-401-missing-auth-header.json", 401, ErrorKind::kUnauthorized,
       "Neo.ClientError.Security.Unauthorized", "No authentication header supplied."},
      {"query-api-400-invalid-auth-header.json", 400, ErrorKind::kBadRequest,
       "Neo.ClientError.Request.InvalidFormat", "Invalid authentication header."},
      {"query-api-429-auth-rate-limit.json", 429, ErrorKind::kRateLimited,
       "Neo.ClientError.Security.AuthenticationRateLimit",
       "Too many failed authentication requests. Please wait 5 seconds and try again."},
  };
  for (const auto& c : cases) {
    const Error e = ErrorFromHttp(c.status, ReadFixture(c.file), "");
    EXPECT_EQ(e.kind, c.kind) << c.file;
    EXPECT_EQ(e.http_status, c.status) << c.file;
    EXPECT_EQ(e.neo4j_code, c.code) << c.file;
    EXPECT_EQ(e.message, c.message) << c.file;
  }
}

TEST(ErrorFromHttpTest, CredentialsExpiredUsesErrorKey) {
  const Error e = ErrorFromHttp(400, ReadFixture("query-api-400-credentials-expired.json"), "");
  EXPECT_EQ(e.kind, ErrorKind::kBadRequest);
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.neo4j_code, "Neo.ClientError.Security.CredentialsExpired");
  EXPECT_THAT(e.message, StartsWith("Permission denied."));
  EXPECT_THAT(e.message, HasSubstr("must be changed before you can use this instance"));
}

TEST(ErrorFromHttpTest, StatusMapping) {
  const std::vector<std::pair<int, ErrorKind>> cases = {
      {400, ErrorKind::kBadRequest},  {401, ErrorKind::kUnauthorized},
      {403, ErrorKind::kForbidden},   {404, ErrorKind::kNotFound},
      {429, ErrorKind::kRateLimited}, {503, ErrorKind::kUnavailable},
      {500, ErrorKind::kServerError}, {502, ErrorKind::kServerError},
      {504, ErrorKind::kServerError}, {599, ErrorKind::kServerError},
      {303, ErrorKind::kHttpStatus},  {418, ErrorKind::kHttpStatus},
      {200, ErrorKind::kHttpStatus},  {0, ErrorKind::kHttpStatus},
  };
  for (const auto& [status, kind] : cases) {
    const Error e = ErrorFromHttp(status, "", "");
    EXPECT_EQ(e.kind, kind) << status;
    EXPECT_EQ(e.http_status, status);
    EXPECT_THAT(e.message, HasSubstr(std::to_string(status))) << status;
    EXPECT_TRUE(e.neo4j_code.empty());
  }
}

TEST(ErrorFromHttpTest, PlainTextAndUnusableBodies) {
  const Error stopped = ErrorFromHttp(503, "Database neo4j is stopped", "60");
  EXPECT_EQ(stopped.kind, ErrorKind::kUnavailable);
  EXPECT_THAT(stopped.retry_after_seconds, Optional(60));
  EXPECT_THAT(stopped.message, HasSubstr("503"));
  EXPECT_THAT(stopped.message, HasSubstr("Database neo4j is stopped"));

  const Error html = ErrorFromHttp(502, "<html><h1>502 Bad Gateway</h1></html>", "");
  EXPECT_EQ(html.kind, ErrorKind::kServerError);
  EXPECT_EQ(html.message, "HTTP 502 Bad Gateway");

  const Error no_errors = ErrorFromHttp(404, R"({"errors":[]})", "");
  EXPECT_EQ(no_errors.kind, ErrorKind::kNotFound);
  EXPECT_EQ(no_errors.message, "HTTP 404 Not Found");

  const Error code_only = ErrorFromHttp(
      404, R"({"errors":[{"code":"Neo.ClientError.Database.DatabaseNotFound"}]})", "");
  EXPECT_EQ(code_only.kind, ErrorKind::kNotFound);
  EXPECT_EQ(code_only.neo4j_code, "Neo.ClientError.Database.DatabaseNotFound");
  EXPECT_FALSE(code_only.message.empty());

  const Error garbage = ErrorFromHttp(500, std::string("\xff\xfe\x01oops\x80\n\nmore", 14), "");
  EXPECT_EQ(garbage.kind, ErrorKind::kServerError);
  for (char c : garbage.message) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 && u < 0x7f) << "non-printable byte " << static_cast<int>(u);
  }
  EXPECT_THAT(garbage.message, HasSubstr("oops"));

  const Error huge = ErrorFromHttp(500, std::string(100000, 'x'), "");
  EXPECT_LT(huge.message.size(), 300u);
}

TEST(ErrorFromHttpTest, EchoedCredentialsNeverReachTheMessage) {
  const Error e =
      ErrorFromHttp(400, "Bad request. Authorization: Basic bmVvNGo6dmVyeXNlY3JldA== rejected", "");
  EXPECT_EQ(e.kind, ErrorKind::kBadRequest);
  EXPECT_THAT(e.message, ::testing::Not(HasSubstr("bmVvNGo6dmVyeXNlY3JldA")));
  EXPECT_THAT(e.message, HasSubstr("400"));
}

// ---------------------------------------------------------------------------------------------
// Roles

TEST(NormaliseRoleTest, AllDocumentedRoles) {
  EXPECT_EQ(NormaliseRole("LEADER", std::nullopt), DatabaseRole::kLeader);
  EXPECT_EQ(NormaliseRole("leader", std::nullopt), DatabaseRole::kLeader);
  EXPECT_EQ(NormaliseRole("FOLLOWER", std::nullopt), DatabaseRole::kFollower);
  EXPECT_EQ(NormaliseRole("follower", std::nullopt), DatabaseRole::kFollower);
  EXPECT_EQ(NormaliseRole("CANDIDATE", std::nullopt), DatabaseRole::kCandidate);
  EXPECT_EQ(NormaliseRole("READ_REPLICA", std::nullopt), DatabaseRole::kSecondary);
  EXPECT_EQ(NormaliseRole("read_replica", std::nullopt), DatabaseRole::kSecondary);
  EXPECT_EQ(NormaliseRole("secondary", false), DatabaseRole::kSecondary);
  EXPECT_EQ(NormaliseRole("standalone", std::nullopt), DatabaseRole::kStandalone);
  EXPECT_EQ(NormaliseRole("primary", true), DatabaseRole::kLeader);
  EXPECT_EQ(NormaliseRole("primary", false), DatabaseRole::kFollower);
  EXPECT_EQ(NormaliseRole("primary", std::nullopt), DatabaseRole::kFollower);
  EXPECT_EQ(NormaliseRole("unknown", std::nullopt), DatabaseRole::kUnknown);
  EXPECT_EQ(NormaliseRole("", std::nullopt), DatabaseRole::kUnknown);
  EXPECT_EQ(NormaliseRole("property shard replica", false), DatabaseRole::kUnknown);
  EXPECT_EQ(NormaliseRole("\xff\xfe", true), DatabaseRole::kUnknown);
}

TEST(NormaliseRoleTest, RoleNamesAreStableLabels) {
  EXPECT_EQ(RoleName(DatabaseRole::kLeader), "leader");
  EXPECT_EQ(RoleName(DatabaseRole::kFollower), "follower");
  EXPECT_EQ(RoleName(DatabaseRole::kCandidate), "candidate");
  EXPECT_EQ(RoleName(DatabaseRole::kSecondary), "secondary");
  EXPECT_EQ(RoleName(DatabaseRole::kStandalone), "standalone");
  EXPECT_EQ(RoleName(DatabaseRole::kUnknown), "unknown");
}

// ---------------------------------------------------------------------------------------------
// Every fixture into every parser: a value or an Error, never an exception or a crash.

std::vector<std::string> AllFixtureNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(NCA_FIXTURE_DIR "/neo4j", ec)) {
    if (entry.is_regular_file()) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

template <typename T>
void ExpectValueOrError(const Result<T>& r, const std::string& what) {
  if (!r.ok()) {
    EXPECT_FALSE(r.error().message.empty()) << what;
  }
}

void RunMappers(const CypherResult& result, const std::string& what) {
  ExpectValueOrError(ToDatabaseRows(result), what + " ToDatabaseRows");
  ExpectValueOrError(ToServerRows(result), what + " ToServerRows");
  ExpectValueOrError(ToOverviewRows(result), what + " ToOverviewRows");
  ExpectValueOrError(ToClusterRole(result), what + " ToClusterRole");
}

void FeedEverything(std::string_view body, const std::string& what) {
  ExpectValueOrError(ParseDiscovery(body), what);
  (void)ParseVersion(body);
  ExpectValueOrError(ParseDatabaseStatus(body, "neo4j"), what);
  ExpectValueOrError(ParseDbmsClusterStatus(body), what);
  for (int status : {200, 303, 401, 404, 429, 500, 503}) {
    ExpectValueOrError(ParseEndpointAnswer(status, body, body), what);
    const Error e = ErrorFromHttp(status, body, body);
    EXPECT_EQ(e.http_status, status) << what;
    EXPECT_FALSE(e.message.empty()) << what;
  }
  auto tx = ParseTxCommit(body);
  ExpectValueOrError(tx, what);
  if (tx.ok()) {
    RunMappers(*tx, what + " tx");
  }
  ExpectValueOrError(ParseTxCommit(body, 5), what);
  auto all = ParseTxCommitAll(body);
  ExpectValueOrError(all, what);
  auto query = ParseQueryApi(body);
  ExpectValueOrError(query, what);
  if (query.ok()) {
    RunMappers(*query, what + " query");
  }
  // Also hand the whole document to the row mappers as a single cell of every known column.
  const auto doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (!doc.is_discarded()) {
    const std::vector<std::string> columns = {
        "name", "role",      "writer",    "address",          "serverId",       "hosting",
        "id",   "databases", "addresses", "lastCommittedTxn", "replicationLag", "default"};
    RunMappers(MakeResult(columns, {std::vector<json>(columns.size(), doc)}), what + " cells");
  }
}

class EveryFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryFixtureTest, NeverThrowsOrCrashes) {
  const std::string body = ReadFixture(GetParam());
  ASSERT_FALSE(body.empty());
  EXPECT_NO_THROW(FeedEverything(body, GetParam()));
  EXPECT_NO_THROW(FeedEverything(StripLineComments(body), GetParam() + " (no comments)"));
  // Truncations at a spread of points.
  constexpr std::size_t kCuts = 8;
  for (std::size_t i = 1; i < kCuts; ++i) {
    const std::size_t cut = body.size() * i / kCuts;
    EXPECT_NO_THROW(FeedEverything(std::string_view(body).substr(0, cut),
                                   GetParam() + " cut at " + std::to_string(cut)));
  }
}

TEST(EveryFixtureListTest, FindsTheFixtureDirectory) {
  const auto names = AllFixtureNames();
  EXPECT_GE(names.size(), 40u);
  EXPECT_NE(std::find(names.begin(), names.end(), "cluster-status-db-docs-4.4.json"), names.end());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EveryFixtureTest, ::testing::ValuesIn(AllFixtureNames()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                   (c >= '0' && c <= '9'))) {
                               c = '_';
                             }
                           }
                           return name;
                         });

// JSON nested deeper than kMaxJsonDepth is rejected before parsing: copying the parsed rows
// recursed once per level and overflowed the stack at a few thousand levels (found by
// tests/fuzz, neo4j_json target).
TEST(ParsersDepthTest, DeeplyNestedBodiesAreMalformed) {
  const auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  const std::string deep =
      R"({"results":[{"columns":["a"],"data":[{"row":[)" + nested(10000) + R"(]}]}],"errors":[]})";
  auto r = ParseTxCommit(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kMalformed);
  EXPECT_EQ(r.error().message, "tx/commit response: invalid JSON");
  EXPECT_FALSE(ParseQueryApi(R"({"data":{"fields":["a"],"values":[)" + nested(1001) + "]}}").ok());
  // Up to the limit is accepted: 4 levels of envelope and row, 996 in the value.
  auto ok = ParseQueryApi(R"({"data":{"fields":["a"],"values":[[)" + nested(996) + "]]}}");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->rows.size(), 1u);
  // Brackets inside strings do not count.
  EXPECT_TRUE(
      ParseQueryApi(R"({"data":{"fields":["a"],"values":[[")" + std::string(5000, '[') + R"("]]}})")
          .ok());
}

// A body echoing credentials after a tab or another control character: Sanitise prints those as
// spaces, so the echo check looks at the printed form too (found by tests/fuzz, neo4j_json).
TEST(ErrorFromHttpTest, CredentialsAfterControlCharactersAreNotEchoed) {
  const Error e = ErrorFromHttp(502, "upstream rejected: Basic\tbmVvNGo6c2VjcmV0\r\n", "");
  EXPECT_EQ(e.message, "HTTP 502 Bad Gateway");
  EXPECT_THAT(e.message, Not(HasSubstr("bmVvNGo6c2VjcmV0")));
  auto a = ParseEndpointAnswer(503, "Bearer\x01token", "");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->message, "database unavailable");
  // Text without credentials is still shown.
  EXPECT_EQ(ErrorFromHttp(502, "upstream\tdown", "").message,
            "HTTP 502 Bad Gateway: upstream down");
}

}  // namespace
}  // namespace nca::neo4j
