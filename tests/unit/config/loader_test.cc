#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace nca::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A minimal valid cluster section (4 lines).
constexpr char kCluster[] =
    "clusters:\n"
    "  - name: a\n"
    "    members:\n"
    "      - url: http://h:7474\n";

std::string ErrorOf(const std::string& yaml) {
  Result<Config> r = ParseConfig(yaml, "t.yml");
  if (r.ok()) {
    ADD_FAILURE() << "expected an error for:\n" << yaml;
    return "";
  }
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  return r.error().message;
}

Config Parse(const std::string& yaml) {
  Result<Config> r = ParseConfig(yaml, "t.yml");
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return Config{};
  }
  return *r;
}

struct ErrorCase {
  const char* name;
  std::string yaml;
  std::string prefix;    // exact "file:line:col: key.path: " start of the message
  std::string contains;  // a meaningful part of the explanation
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class LoaderErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(LoaderErrorTest, ReportsPositionPathAndReason) {
  const ErrorCase& c = GetParam();
  std::string message = ErrorOf(c.yaml);
  EXPECT_THAT(message, StartsWith(c.prefix));
  EXPECT_THAT(message, HasSubstr(c.contains));
  // One message, one line.
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, LoaderErrorTest,
    ::testing::Values(
        ErrorCase{"UnknownRootKey", std::string("foo: 1\n") + kCluster,
                  "t.yml:1:1: foo: ", "field foo not found"},
        ErrorCase{"UnknownNestedKey", "web:\n  listen_adress: \":1\"\n",
                  "t.yml:2:3: web.listen_adress: ", "field listen_adress not found"},
        ErrorCase{"UnknownClusterKey", "clusters:\n  - name: a\n    memebrs: []\n",
                  "t.yml:3:5: clusters[0].memebrs: ", "field memebrs not found"},
        ErrorCase{"UnknownMemberKey",
                  "clusters:\n  - name: a\n    members:\n      - url: http://h\n        zones: x\n",
                  "t.yml:5:9: clusters[0].members[0].zones: ", "field zones not found"},
        ErrorCase{"UnsupportedScheme",
                  std::string(kCluster) + "  - name: b\n    members:\n      - url: ftp://h:21\n",
                  "t.yml:7:14: clusters[1].members[0].url: ",
                  "scheme \"ftp\" not supported (want http or https)"},
        ErrorCase{"MissingClusterName", "clusters:\n  - members:\n      - url: http://h\n",
                  "t.yml:2:5: clusters[0].name: ", "required field is missing"},
        ErrorCase{"MissingUrl", "clusters:\n  - name: a\n    members:\n      - zone: z\n",
                  "t.yml:4:9: clusters[0].members[0].url: ", "required field is missing"},
        ErrorCase{"NullUrl",
                  "clusters:\n  - name: a\n    members:\n      - url:\n        zone: z\n",
                  "t.yml:4:9: clusters[0].members[0].url: ", "required field has no value"},
        ErrorCase{"EmptyMembers", "clusters:\n  - name: a\n    members: []\n",
                  "t.yml:3:14: clusters[0].members: ", "the list is empty"},
        ErrorCase{"DuplicateClusterName",
                  std::string(kCluster) + "  - name: a\n    members:\n      - url: http://g\n",
                  "t.yml:5:11: clusters[1].name: ",
                  "duplicate cluster name \"a\" (first defined at line 2)"},
        ErrorCase{"ClusterNameNotLabelSafe",
                  "clusters:\n  - name: us east\n    members:\n      - url: http://h\n",
                  "t.yml:2:11: clusters[0].name: ", "\"us east\" is not label-safe"},
        ErrorCase{"DuplicateMemberName",
                  "clusters:\n  - name: a\n    members:\n      - url: http://h1\n        name: x\n"
                  "      - url: http://h2\n        name: x\n",
                  "t.yml:7:15: clusters[0].members[1].name: ",
                  "duplicate member name \"x\" (also used by members[0] at line 4)"},
        ErrorCase{"DuplicateDefaultMemberName",
                  "clusters:\n  - name: a\n    members:\n      - url: http://h\n"
                  "      - url: http://h:7474/\n",
                  "t.yml:5:14: clusters[0].members[1].url: ", "duplicate member name \"h:7474\""},
        ErrorCase{"DuplicateMemberUrl",
                  "clusters:\n  - name: a\n    members:\n      - url: http://h\n        name: x\n"
                  "      - url: http://h:7474\n        name: y\n",
                  "t.yml:6:14: clusters[0].members[1].url: ",
                  "member URL http://h:7474 is already used by members[0]"},
        ErrorCase{
            "UserInfoInUrl",
            "clusters:\n  - name: a\n    members:\n      - url: http://neo4j:s3cret@h:7474\n",
            "t.yml:4:14: clusters[0].members[0].url: ", "user info in the URL is not allowed"},
        ErrorCase{"PathInUrl",
                  "clusters:\n  - name: a\n    members:\n      - url: http://h:7474/db/neo4j\n",
                  "t.yml:4:14: clusters[0].members[0].url: ", "path \"/db/neo4j\" not allowed"},
        ErrorCase{
            "BadPort", "clusters:\n  - name: a\n    members:\n      - url: http://h:99999\n",
            "t.yml:4:14: clusters[0].members[0].url: ", "invalid port \"99999\" (want 1-65535)"},
        ErrorCase{"MissingScheme", "clusters:\n  - name: a\n    members:\n      - url: h:7474\n",
                  "t.yml:4:14: clusters[0].members[0].url: ", "missing scheme"},
        ErrorCase{"UnbracketedIpv6",
                  "clusters:\n  - name: a\n    members:\n      - url: http://::1:7474\n",
                  "t.yml:4:14: clusters[0].members[0].url: ", "must be written in brackets"},
        ErrorCase{"TimeoutExceedsInterval",
                  std::string("collectors:\n  role: {interval: 5s, timeout: 6s}\n") + kCluster,
                  "t.yml:2:33: collectors.role.timeout: ", "timeout 6s exceeds the interval 5s"},
        ErrorCase{
            "IntervalTooShort", "collectors:\n  quorum:\n    interval: 500ms\n",
            "t.yml:3:15: collectors.quorum.interval: ", "interval 500ms is too short (minimum 1s)"},
        ErrorCase{"UnknownCollector", "collectors:\n  cpu: {enabled: true}\n",
                  "t.yml:2:3: collectors.cpu: ",
                  "unknown collector \"cpu\" (known: role, quorum, replication_lag, failover, "
                  "zone_skew, cross_cluster_latency, neo4j_metrics)"},
        ErrorCase{"CollectorsNotAMapping", "collectors: [role]\n",
                  "t.yml:1:13: collectors: ", "want a mapping of collector names, got a list"},
        ErrorCase{"InvalidBoolean", "collectors:\n  role: {enabled: maybe}\n",
                  "t.yml:2:19: collectors.role.enabled: ",
                  "invalid boolean \"maybe\" (want true or false)"},
        ErrorCase{"BadLogLevel", "log: {level: verbose}\n", "t.yml:1:14: log.level: ",
                  "log level \"verbose\" not supported (want debug, info, warn or error)"},
        ErrorCase{"BadLogFormat", "log:\n  format: text\n", "t.yml:2:11: log.format: ",
                  "log format \"text\" not supported (want logfmt or json)"},
        ErrorCase{"MixedFileAndEnv",
                  "defaults:\n  credentials:\n    username_file: /u\n    password_file: /p\n"
                  "    username_env: U\n",
                  "t.yml:5:5: defaults.credentials.username_env: ",
                  "cannot mix files and environment variables"},
        ErrorCase{"UsernameFileWithoutPasswordFile",
                  "defaults:\n  credentials: {username_file: /u}\n",
                  "t.yml:2:17: defaults.credentials.username_file: ",
                  "username_file is set but password_file is not"},
        ErrorCase{"PasswordEnvWithoutUsernameEnv",
                  std::string(kCluster) + "    credentials: {password_env: P}\n",
                  "t.yml:5:19: clusters[0].credentials.password_env: ",
                  "password_env is set but username_env is not"},
        ErrorCase{
            "AuthFileWithPasswordFile",
            "defaults:\n  credentials:\n    auth_file: /a\n    password_file: /p\n",
            "t.yml:4:5: defaults.credentials.password_file: ", "cannot be combined with auth_file"},
        ErrorCase{"AuthFileWithEnv",
                  std::string(kCluster) +
                      "    credentials: {username_env: U, password_env: P, auth_file: /a}\n",
                  "t.yml:5:19: clusters[0].credentials.username_env: ",
                  "cannot be combined with auth_file"},
        ErrorCase{"EmptyAuthFile", "defaults:\n  credentials: {auth_file: \"\"}\n",
                  "t.yml:2:28: defaults.credentials.auth_file: ", "must not be empty"},
        ErrorCase{"BadEnvName", "defaults:\n  credentials: {username_env: 1X, password_env: P}\n",
                  "t.yml:2:31: defaults.credentials.username_env: ",
                  "\"1X\" is not a valid environment variable name"},
        ErrorCase{
            "DurationWithoutUnit", "defaults:\n  http:\n    connect_timeout: 5\n",
            "t.yml:3:22: defaults.http.connect_timeout: ", "invalid duration \"5\": missing unit"},
        ErrorCase{"DecimalSizeUnit", "defaults:\n  http: {max_response_bytes: 8MB}\n",
                  "t.yml:2:30: defaults.http.max_response_bytes: ",
                  "unit \"MB\" not supported (want B, KiB, MiB or GiB)"},
        ErrorCase{"ZeroTimeout", "defaults:\n  http: {request_timeout: 0}\n",
                  "t.yml:2:27: defaults.http.request_timeout: ", "must be greater than 0"},
        ErrorCase{"CertWithoutKey", "defaults:\n  tls:\n    cert_file: /c\n",
                  "t.yml:3:5: defaults.tls.cert_file: ", "cert_file is set but key_file is not"},
        ErrorCase{"ListenAddressWithoutPort", "web: {listen_address: \"9474\"}\n",
                  "t.yml:1:23: web.listen_address: ", "must be [host]:port"},
        ErrorCase{"TelemetryPathRoot", "web:\n  telemetry_path: /\n",
                  "t.yml:2:19: web.telemetry_path: ", "must not be /"},
        ErrorCase{"TelemetryPathRelative", "web:\n  telemetry_path: metrics\n",
                  "t.yml:2:19: web.telemetry_path: ", "must start with /"},
        ErrorCase{"ZeroPrimaries", "clusters:\n  - name: a\n    node_allocation: {primaries: 0}\n",
                  "t.yml:3:34: clusters[0].node_allocation.primaries: ",
                  "invalid value \"0\" (want an integer from 1 to 1000)"},
        ErrorCase{"ClustersNotAList", "clusters: {a: 1}\n",
                  "t.yml:1:11: clusters: ", "want a list, got a mapping"},
        ErrorCase{"DuplicateKey", "web:\n  listen_address: \":1\"\n  listen_address: \":2\"\n",
                  "t.yml:3:3: web.listen_address: ",
                  "duplicate key listen_address (first set at line 2)"},
        ErrorCase{"DuplicateDatabase", "clusters:\n  - name: a\n    databases: [neo4j, neo4j]\n",
                  "t.yml:3:24: clusters[0].databases[1]: ",
                  "duplicate database \"neo4j\" (first listed at line 3)"},
        ErrorCase{"MultipleDocuments", "web: {}\n---\nlog: {}\n",
                  "t.yml:3:1: ", "multiple YAML documents are not supported"},
        ErrorCase{"RootNotAMapping", "- a\n- b\n",
                  "t.yml:1:1: ", "want a mapping at the top level, got a list"}),
    [](const ::testing::TestParamInfo<ErrorCase>& tp) { return tp.param.name; });

// The Neo4j Helm chart's NEO4J_AUTH Secret key as a file: the only source of that block.
TEST(LoaderTest, AuthFileIsTheWholeCredentialsBlock) {
  Config c = Parse(
      "defaults:\n  credentials: {auth_file: /config/neo4j-auth/NEO4J_AUTH}\n"
      "clusters:\n"
      "  - name: a\n    members: [{url: http://h:7474}]\n"
      "  - name: b\n    members: [{url: http://i:7474}]\n"
      "    credentials: {username_file: /u, password_file: /p}\n");
  ASSERT_EQ(c.clusters.size(), 2u);
  EXPECT_EQ(c.clusters[0].credentials.auth_file, "/config/neo4j-auth/NEO4J_AUTH");
  EXPECT_EQ(c.clusters[0].credentials.username_env, "");
  EXPECT_EQ(c.clusters[0].credentials.password_env, "");
  EXPECT_EQ(c.clusters[1].credentials.auth_file, "");  // replaced as a whole
  EXPECT_EQ(c.clusters[1].credentials.password_file, "/p");
}

// Secrets: rejected with guidance, and the value is never echoed.
TEST(LoaderTest, RejectsPasswordKeyWithoutEchoingIt) {
  std::string message = ErrorOf("defaults:\n  credentials:\n    password: hunter2\n");
  EXPECT_THAT(message, StartsWith("t.yml:3:5: defaults.credentials.password: "));
  EXPECT_THAT(message, HasSubstr("secrets are not accepted"));
  EXPECT_THAT(message, HasSubstr("password_file"));
  EXPECT_THAT(message, HasSubstr("password_env"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
}

TEST(LoaderTest, RejectsUsernameKeyInClusterCredentials) {
  std::string message =
      ErrorOf(std::string(kCluster) + "    credentials:\n      username: neo4j\n");
  EXPECT_THAT(message, StartsWith("t.yml:6:7: clusters[0].credentials.username: "));
  EXPECT_THAT(message, HasSubstr("username_file"));
  EXPECT_THAT(message, HasSubstr("username_env"));
}

TEST(LoaderTest, UserInfoErrorDoesNotEchoTheSecret) {
  std::string message =
      ErrorOf("clusters:\n  - name: a\n    members:\n      - url: https://u:s3cret@h\n");
  EXPECT_THAT(message, Not(HasSubstr("s3cret")));
}

TEST(LoaderTest, YamlSyntaxErrorNamesFileAndParserPosition) {
  std::string message = ErrorOf("web:\n  listen_address: \":9474\"\nlog: a: b\n");
  // The parser reports the illegal map value on line 3.
  EXPECT_THAT(message, StartsWith("t.yml:3:"));
  EXPECT_THAT(message, HasSubstr("invalid YAML: "));
  EXPECT_THAT(message, HasSubstr("illegal map value"));
}

TEST(LoaderTest, MissingFileNamesFileAndStrerror) {
  const std::string path = "/nonexistent-nca-dir/agent.yml";
  Result<Config> r = LoadConfigFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_THAT(r.error().message, StartsWith(path + ": "));
  EXPECT_THAT(r.error().message, HasSubstr(std::strerror(ENOENT)));
}

TEST(LoaderTest, DirectoryIsUnreadable) {
  Result<Config> r = LoadConfigFile(NCA_SOURCE_DIR);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith(std::string(NCA_SOURCE_DIR) + ": "));
  EXPECT_THAT(r.error().message, HasSubstr(std::strerror(EISDIR)));
}

TEST(LoaderTest, ErrorsInAFileNameThePath) {
  std::string path = ::testing::TempDir() + "nca_loader_" + std::to_string(::getpid()) + ".yml";
  {
    std::ofstream out(path);
    out << "web:\n  bogus: 1\n";
  }
  Result<Config> r = LoadConfigFile(path);
  std::remove(path.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith(path + ":2:3: web.bogus: "));
}

// The shipped example parses and yields exactly what it documents.
TEST(LoaderTest, ExampleFileRoundTrips) {
  const std::string path = std::string(NCA_SOURCE_DIR) + "/examples/agent.yml";
  Result<Config> r = LoadConfigFile(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Config& c = *r;
  EXPECT_EQ(c.source, path);
  EXPECT_EQ(c.web.listen_address, ":9474");
  EXPECT_EQ(c.web.telemetry_path, "/metrics");
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.format, "logfmt");

  ASSERT_EQ(c.collectors.size(), KnownCollectors().size());
  EXPECT_TRUE(c.collectors.at("role").enabled);
  EXPECT_DOUBLE_EQ(c.collectors.at("role").interval.count(), 5.0);
  EXPECT_DOUBLE_EQ(c.collectors.at("role").timeout.count(), 4.0);
  EXPECT_DOUBLE_EQ(c.collectors.at("replication_lag").interval.count(), 10.0);
  EXPECT_DOUBLE_EQ(c.collectors.at("replication_lag").timeout.count(), 8.0);
  EXPECT_DOUBLE_EQ(c.collectors.at("failover").interval.count(), 2.0);
  EXPECT_DOUBLE_EQ(c.collectors.at("failover").timeout.count(), 2.0);  // follows the interval

  ASSERT_EQ(c.clusters.size(), 2u);
  const ClusterConfig& east = c.clusters[0];
  EXPECT_EQ(east.name, "us-east-primary");
  EXPECT_EQ(east.region, "us-east-1");
  EXPECT_EQ(east.expected.primaries, 3);
  EXPECT_EQ(east.expected.secondaries, 2);
  EXPECT_EQ(east.databases, (std::vector<std::string>{"neo4j", "system"}));
  ASSERT_EQ(east.members.size(), 5u);
  EXPECT_EQ(east.members[0].name, "neo4j-0");
  EXPECT_EQ(east.members[0].url, "http://neo4j-0.neo4j:7474");
  EXPECT_EQ(east.members[0].zone, "us-east-1a");
  EXPECT_EQ(east.members[4].name, "neo4j-read-1");
  EXPECT_EQ(east.members[4].zone, "us-east-1b");
  EXPECT_EQ(east.credentials.username_file, "/etc/neo4j-agent/username");
  EXPECT_EQ(east.credentials.password_file, "/etc/neo4j-agent/password");
  EXPECT_EQ(east.credentials.username_env, "");
  EXPECT_EQ(east.credentials.password_env, "");
  EXPECT_EQ(east.tls.ca_file, "/etc/neo4j-agent/tls/ca.crt");
  EXPECT_EQ(east.tls.cert_file, "");
  EXPECT_FALSE(east.tls.insecure_skip_verify);
  EXPECT_DOUBLE_EQ(east.http.connect_timeout.count(), 2.0);
  EXPECT_DOUBLE_EQ(east.http.request_timeout.count(), 5.0);
  EXPECT_EQ(east.http.max_response_bytes, 8u * 1024 * 1024);

  const ClusterConfig& dr = c.clusters[1];
  EXPECT_EQ(dr.name, "eu-west-dr");
  EXPECT_EQ(dr.expected.primaries, 3);
  EXPECT_EQ(dr.expected.secondaries, 0);
  EXPECT_TRUE(dr.databases.empty());
  ASSERT_EQ(dr.members.size(), 3u);
  EXPECT_EQ(dr.members[0].url, "https://neo4j-dr-0.example.internal:7473");
  EXPECT_EQ(dr.members[0].name, "neo4j-dr-0.example.internal:7473");
  EXPECT_EQ(dr.members[0].zone, "eu-west-1a");
  EXPECT_EQ(dr.credentials.username_file, "");
  EXPECT_EQ(dr.credentials.password_file, "");
  EXPECT_EQ(dr.credentials.username_env, "NEO4J_DR_USERNAME");
  EXPECT_EQ(dr.credentials.password_env, "NEO4J_DR_PASSWORD");
  EXPECT_EQ(dr.tls.ca_file, "/etc/neo4j-agent/tls/dr-ca.crt");
  EXPECT_EQ(dr.tls.server_name, "neo4j-dr.example.internal");
  EXPECT_DOUBLE_EQ(dr.http.connect_timeout.count(), 2.0);   // from defaults
  EXPECT_DOUBLE_EQ(dr.http.request_timeout.count(), 10.0);  // own
  EXPECT_EQ(dr.http.max_response_bytes, 8u * 1024 * 1024);

  const AlertingConfig& alerting = c.alerting;
  EXPECT_TRUE(alerting.enabled);
  EXPECT_TRUE(alerting.rule_files.empty());  // the shipped rules
  EXPECT_TRUE(alerting.manifest_rules);
  EXPECT_DOUBLE_EQ(alerting.evaluation_interval.count(), 15.0);
  EXPECT_EQ(alerting.external_labels,
            (std::map<std::string, std::string>{{"region", "us-east-1"}}));
  EXPECT_EQ(alerting.external_url, "");
  EXPECT_TRUE(alerting.alertmanager_urls.empty());
  EXPECT_DOUBLE_EQ(alerting.alertmanager_timeout.count(), 10.0);
  EXPECT_DOUBLE_EQ(alerting.resend_delay.count(), 60.0);
}

TEST(LoaderTest, EmptyDocumentGivesDefaultsAndAllCollectors) {
  Config c = Parse("");
  EXPECT_TRUE(c.clusters.empty());
  EXPECT_EQ(c.source, "t.yml");
  EXPECT_EQ(c.web.listen_address, ":9474");
  EXPECT_EQ(c.log.level, "info");
  for (const char* name : {"role", "quorum", "replication_lag", "failover"}) {
    ASSERT_EQ(c.collectors.count(name), 1u) << name;
    EXPECT_TRUE(c.collectors.at(name).enabled);
    EXPECT_DOUBLE_EQ(c.collectors.at(name).interval.count(), 5.0);
    EXPECT_DOUBLE_EQ(c.collectors.at(name).timeout.count(), 4.0);
  }
}

TEST(LoaderTest, NullSectionsAreEmpty) {
  Config c = Parse("web:\nlog:\ndefaults:\ncollectors:\nclusters:\n");
  EXPECT_TRUE(c.clusters.empty());
  EXPECT_EQ(c.web.telemetry_path, "/metrics");
}

TEST(LoaderTest, MemberUrlDefaultsAndNames) {
  Config c = Parse(
      "clusters:\n"
      "  - name: a\n"
      "    members:\n"
      "      - url: http://h1\n"
      "      - url: HTTPS://h2/\n"
      "      - url: http://[::1]:7000\n"
      "      - url: https://h3:8443\n"
      "        name: third\n");
  ASSERT_EQ(c.clusters.size(), 1u);
  const auto& m = c.clusters[0].members;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].url, "http://h1:7474");
  EXPECT_EQ(m[0].name, "h1:7474");
  EXPECT_EQ(m[1].url, "https://h2:7473");
  EXPECT_EQ(m[1].name, "h2:7473");
  EXPECT_EQ(m[2].url, "http://[::1]:7000");
  EXPECT_EQ(m[2].name, "[::1]:7000");
  EXPECT_EQ(m[3].url, "https://h3:8443");
  EXPECT_EQ(m[3].name, "third");
}

TEST(LoaderTest, DefaultsMergeIntoClustersAndClustersOverride) {
  Config c = Parse(
      "defaults:\n"
      "  credentials: {username_file: /u, password_file: /p}\n"
      "  tls: {ca_file: /ca, server_name: sn, insecure_skip_verify: true}\n"
      "  http: {connect_timeout: 1s, request_timeout: 3s, max_response_bytes: 512KiB}\n"
      "clusters:\n"
      "  - name: inherits\n"
      "    members: [{url: http://h}]\n"
      "  - name: overrides\n"
      "    members: [{url: http://g}]\n"
      "    credentials: {username_env: U, password_env: P}\n"
      "    tls: {server_name: other}\n"
      "    http: {request_timeout: 1m30s}\n");
  ASSERT_EQ(c.clusters.size(), 2u);
  const ClusterConfig& a = c.clusters[0];
  EXPECT_EQ(a.credentials.username_file, "/u");
  EXPECT_EQ(a.credentials.password_file, "/p");
  EXPECT_EQ(a.tls.ca_file, "/ca");
  EXPECT_EQ(a.tls.server_name, "sn");
  EXPECT_TRUE(a.tls.insecure_skip_verify);
  EXPECT_DOUBLE_EQ(a.http.connect_timeout.count(), 1.0);
  EXPECT_DOUBLE_EQ(a.http.request_timeout.count(), 3.0);
  EXPECT_EQ(a.http.max_response_bytes, 512u * 1024);

  const ClusterConfig& b = c.clusters[1];
  // The credentials block is replaced as a whole: no file left over from the defaults.
  EXPECT_EQ(b.credentials.username_file, "");
  EXPECT_EQ(b.credentials.password_file, "");
  EXPECT_EQ(b.credentials.username_env, "U");
  EXPECT_EQ(b.credentials.password_env, "P");
  // tls/http field by field.
  EXPECT_EQ(b.tls.ca_file, "/ca");
  EXPECT_EQ(b.tls.server_name, "other");
  EXPECT_TRUE(b.tls.insecure_skip_verify);
  EXPECT_DOUBLE_EQ(b.http.connect_timeout.count(), 1.0);
  EXPECT_DOUBLE_EQ(b.http.request_timeout.count(), 90.0);
  EXPECT_EQ(b.http.max_response_bytes, 512u * 1024);
}

TEST(LoaderTest, BuiltInCredentialDefaultsAreTheNeo4jEnvironmentVariables) {
  Config c = Parse(kCluster);
  ASSERT_EQ(c.clusters.size(), 1u);
  EXPECT_EQ(c.clusters[0].credentials.username_env, "NEO4J_USERNAME");
  EXPECT_EQ(c.clusters[0].credentials.password_env, "NEO4J_PASSWORD");
  EXPECT_EQ(c.clusters[0].credentials.password_file, "");
}

TEST(LoaderTest, OverridesSitBetweenFileDefaultsAndClusterSettings) {
  LoadOptions options;
  options.overrides.request_timeout = Seconds(7.0);
  options.overrides.tls_server_name = "flag-sn";
  options.overrides.username_file = "/flag-u";
  options.overrides.password_file = "/flag-p";
  Result<LoadedConfig> r = ParseConfigWithOptions(
      "defaults:\n"
      "  credentials: {username_env: DU, password_env: DP}\n"
      "  tls: {server_name: file-sn, ca_file: /ca}\n"
      "  http: {request_timeout: 3s}\n"
      "clusters:\n"
      "  - name: plain\n"
      "    members: [{url: http://h}]\n"
      "  - name: own\n"
      "    members: [{url: http://g}]\n"
      "    credentials: {username_env: OU, password_env: OP}\n"
      "    http: {request_timeout: 9s}\n",
      "t.yml", options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ClusterConfig& plain = r->config.clusters[0];
  EXPECT_DOUBLE_EQ(plain.http.request_timeout.count(), 7.0);
  EXPECT_EQ(plain.tls.server_name, "flag-sn");
  EXPECT_EQ(plain.tls.ca_file, "/ca");
  EXPECT_EQ(plain.credentials.username_file, "/flag-u");
  EXPECT_EQ(plain.credentials.password_file, "/flag-p");
  const ClusterConfig& own = r->config.clusters[1];
  EXPECT_DOUBLE_EQ(own.http.request_timeout.count(), 9.0);
  EXPECT_EQ(own.credentials.username_env, "OU");
  EXPECT_EQ(own.credentials.username_file, "");
  // The effective defaults are reported for clusters added later.
  EXPECT_EQ(r->defaults.tls.server_name, "flag-sn");
  EXPECT_DOUBLE_EQ(r->defaults.http.request_timeout.count(), 7.0);
}

TEST(LoaderTest, ReportsWhichCollectorFieldsWereExplicit) {
  Result<LoadedConfig> r = ParseConfigWithOptions(
      "collectors:\n  role: {enabled: false}\n  quorum: {interval: 2s, timeout: 1s}\n", "t.yml",
      LoadOptions{});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->collectors_set.at("role").enabled);
  EXPECT_FALSE(r->collectors_set.at("role").interval);
  EXPECT_FALSE(r->config.collectors.at("role").enabled);
  EXPECT_TRUE(r->collectors_set.at("quorum").interval);
  EXPECT_TRUE(r->collectors_set.at("quorum").timeout);
  EXPECT_FALSE(r->collectors_set.at("failover").enabled);
  EXPECT_DOUBLE_EQ(r->config.collectors.at("quorum").timeout.count(), 1.0);
}

TEST(LoaderTest, KnownCollectors) {
  EXPECT_EQ(KnownCollectors(),
            (std::vector<std::string>{"role", "quorum", "replication_lag", "failover", "zone_skew",
                                      "cross_cluster_latency", "neo4j_metrics"}));
  EXPECT_EQ(DefaultCollectorSettings("neo4j_metrics").interval.count(), 15.0);
  EXPECT_EQ(DefaultCollectorSettings("role").interval.count(), 5.0);
}

// Neo4j's own metrics: per-member URL, per-cluster endpoint, relay settings; bad values name
// file, line and key.
TEST(LoaderTest, Neo4jMetricsSettings) {
  auto loaded = ParseConfig(R"(clusters:
  - name: prod
    neo4j_metrics: {port: 2005, path: /prom, prefix: mycompany, scheme: https}
    members:
      - url: http://10.0.0.1:7474
        metrics_url: http://10.0.0.1:9999
      - url: http://10.0.0.2:7474
collectors:
  neo4j_metrics: {interval: 30s, include: "neo4j_transaction_.*", exclude: ".*_vm_.*", series_limit: 100}
)",
                            "agent.yml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const auto& c = *loaded;
  EXPECT_EQ(c.clusters[0].neo4j_metrics.port, 2005);
  EXPECT_EQ(c.clusters[0].neo4j_metrics.path, "/prom");
  EXPECT_EQ(c.clusters[0].neo4j_metrics.prefix, "mycompany");
  EXPECT_EQ(c.clusters[0].neo4j_metrics.scheme, "https");
  EXPECT_EQ(c.clusters[0].members[0].metrics_url, "http://10.0.0.1:9999/metrics");
  EXPECT_EQ(c.clusters[0].members[1].metrics_url, "");
  EXPECT_EQ(c.neo4j_metrics.include, "neo4j_transaction_.*");
  EXPECT_EQ(c.neo4j_metrics.exclude, ".*_vm_.*");
  EXPECT_EQ(c.neo4j_metrics.series_limit, 100u);
  EXPECT_EQ(c.collectors.at("neo4j_metrics").interval.count(), 30.0);

  const std::pair<const char*, const char*> bad[] = {
      {"clusters:\n  - name: p\n    neo4j_metrics: {port: 0}\n",
       "agent.yml:3:27: clusters[0].neo4j_metrics.port"},
      {"clusters:\n  - name: p\n    neo4j_metrics: {path: metrics}\n",
       "clusters[0].neo4j_metrics.path"},
      {"clusters:\n  - name: p\n    neo4j_metrics: {prefix: my.co}\n",
       "clusters[0].neo4j_metrics.prefix"},
      {"clusters:\n  - name: p\n    neo4j_metrics: {portt: 1}\n", "portt"},
      {"clusters:\n  - name: p\n    members:\n      - {url: 'http://a:7474', metrics_url: "
       "'ftp://a'}\n",
       "clusters[0].members[0].metrics_url"},
      {"collectors:\n  neo4j_metrics: {include: '(unclosed'}\n",
       "collectors.neo4j_metrics.include"},
      {"collectors:\n  neo4j_metrics: {series_limit: 0}\n",
       "collectors.neo4j_metrics.series_limit"},
      {"collectors:\n  role: {include: 'x'}\n", "collectors.role.include"},
  };
  for (const auto& [yaml, want] : bad) {
    auto r = ParseConfig(yaml, "agent.yml");
    ASSERT_FALSE(r.ok()) << yaml;
    EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
  }
}

TEST(DurationTest, ParsesPrometheusSyntax) {
  struct Case {
    const char* text;
    double seconds;
  };
  for (const Case& c : {Case{"0", 0.0}, Case{"500ms", 0.5}, Case{"5s", 5.0}, Case{"1m", 60.0},
                        Case{"1h30m", 5400.0}, Case{"1d", 86400.0}, Case{"1w", 604800.0},
                        Case{"1y", 31536000.0}, Case{"2m5s250ms", 125.25}}) {
    Result<Seconds> d = ParseDuration(c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.error().message;
    EXPECT_DOUBLE_EQ(d->count(), c.seconds) << c.text;
  }
}

TEST(DurationTest, RejectsBadSyntax) {
  for (const char* text : {"", "5", "s", "5x", "1.5s", "5s1m", "1s1s", "-1s", "5 s", "1m 5s",
                           "99999999999999999999s"}) {
    Result<Seconds> d = ParseDuration(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_THAT(d.error().message, HasSubstr("invalid duration"));
  }
}

TEST(DurationTest, Formats) {
  EXPECT_EQ(FormatDuration(Seconds(0)), "0s");
  EXPECT_EQ(FormatDuration(Seconds(0.5)), "500ms");
  EXPECT_EQ(FormatDuration(Seconds(5)), "5s");
  EXPECT_EQ(FormatDuration(Seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(Seconds(5400)), "1h30m");
  EXPECT_EQ(FormatDuration(Seconds(1.25)), "1s250ms");
}

TEST(ByteSizeTest, ParsesAndFormats) {
  EXPECT_EQ(*ParseByteSize("1048576"), 1048576u);
  EXPECT_EQ(*ParseByteSize("100B"), 100u);
  EXPECT_EQ(*ParseByteSize("512KiB"), 512u * 1024);
  EXPECT_EQ(*ParseByteSize("8MiB"), 8u * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("1GiB"), 1024u * 1024 * 1024);
  for (const char* text : {"", "MiB", "8MB", "8 MiB", "1.5MiB", "-1", "99999999999999999999GiB"}) {
    EXPECT_FALSE(ParseByteSize(text).ok()) << text;
  }
  EXPECT_EQ(FormatByteSize(8u << 20), "8MiB");
  EXPECT_EQ(FormatByteSize(512u << 10), "512KiB");
  EXPECT_EQ(FormatByteSize(1000), "1000B");
}

TEST(ValidationTest, ListenAddresses) {
  for (const char* ok : {":9474", "0.0.0.0:9474", "[::]:9474", "localhost:0"}) {
    EXPECT_TRUE(ValidateListenAddress(ok).ok()) << ok;
  }
  for (const char* bad : {"9474", ":", ":99999", "::9474", "[::]:x", "host:"}) {
    EXPECT_FALSE(ValidateListenAddress(bad).ok()) << bad;
  }
}

TEST(ValidationTest, ClusterNames) {
  EXPECT_TRUE(IsValidClusterName("us-east_1.a:b"));
  EXPECT_FALSE(IsValidClusterName(""));
  EXPECT_FALSE(IsValidClusterName("a b"));
  EXPECT_FALSE(IsValidClusterName("a/b"));
  EXPECT_FALSE(IsValidClusterName("a\"b"));
}

TEST(ValidationTest, MemberUrlQueryAndFragmentRejected) {
  EXPECT_THAT(ParseMemberUrl("http://h:7474?x=1").error().message, HasSubstr("query"));
  EXPECT_THAT(ParseMemberUrl("http://h:7474#x").error().message, HasSubstr("fragment"));
  EXPECT_THAT(ParseMemberUrl("http://:7474").error().message, HasSubstr("missing host"));
  EXPECT_THAT(ParseMemberUrl("http://h:").error().message, HasSubstr("invalid port"));
}

// A token no YAML node starts with, at document level, made yaml-cpp 0.7's LoadAll loop forever
// (allocating a null document per turn); found by tests/fuzz (config target).
TEST(LoaderTest, StrayTokenIsAnErrorNotAHang) {
  EXPECT_EQ(ErrorOf(",\n"), "t.yml:1:1: invalid YAML: unexpected token (no YAML node starts here)");
  EXPECT_EQ(ErrorOf("web: {}\n---\n,\n"),
            "t.yml:3:1: invalid YAML: unexpected token (no YAML node starts here)");
  // Empty documents still count as documents.
  EXPECT_THAT(ErrorOf("---\n---\n"), HasSubstr("multiple YAML documents are not supported"));
}

}  // namespace
}  // namespace nca::config
