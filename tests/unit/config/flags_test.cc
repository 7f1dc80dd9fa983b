#include "config/flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace nca::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Environment for the tests: a fixed map, never the process environment.
EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

Result<ParsedFlags> Parse(std::vector<std::string> args, const EnvLookup& env = MapEnv({})) {
  std::vector<const char*> argv = {"neo4j-cluster-agent"};
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  return ParseFlags(static_cast<int>(argv.size()), argv.data(), env);
}

Config ParseOk(std::vector<std::string> args) {
  Result<ParsedFlags> r = Parse(std::move(args));
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return Config{};
  }
  EXPECT_EQ(r->action, ParsedFlags::Action::kRun);
  return r->config;
}

std::string ParseErr(std::vector<std::string> args, const EnvLookup& env = MapEnv({})) {
  Result<ParsedFlags> r = Parse(std::move(args), env);
  if (r.ok()) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  return r.error().message;
}

// A config file in the test temp dir, removed at the end of the test.
class TempConfig {
 public:
  explicit TempConfig(const std::string& content) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "nca_flags_" + std::to_string(::getpid()) + "_" + info->name() +
            ".yml";
    std::ofstream out(path_);
    out << content;
  }
  ~TempConfig() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr char kFileConfig[] =
    "web: {listen_address: \":1111\", telemetry_path: /file-metrics}\n"
    "log: {level: debug, format: json}\n"
    "defaults:\n"
    "  tls: {server_name: file-sn, ca_file: /file-ca}\n"
    "  http: {request_timeout: 3s}\n"
    "collectors:\n"
    "  role: {interval: 10s}\n"
    "  quorum: {enabled: true, timeout: 4s}\n"
    "clusters:\n"
    "  - name: filed\n"
    "    members: [{url: http://f1}]\n"
    "  - name: own\n"
    "    members: [{url: http://f2}]\n"
    "    tls: {server_name: own-sn}\n";

TEST(FlagsTest, HelpAndVersion) {
  for (const char* flag : {"-h", "--help"}) {
    Result<ParsedFlags> r = Parse({flag});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->action, ParsedFlags::Action::kHelp) << flag;
  }
  Result<ParsedFlags> v = Parse({"--version"});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->action, ParsedFlags::Action::kVersion);
  // Help wins even without clusters or with a missing config file after it.
  Result<ParsedFlags> h = Parse({"--help", "--config", "/nonexistent.yml"});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->action, ParsedFlags::Action::kHelp);
}

TEST(FlagsTest, ClusterFlagBuildsMembers) {
  Config c =
      ParseOk({"--cluster", "prod=http://n1,https://n2:8443", "--cluster=dev=http://d1:7000"});
  EXPECT_EQ(c.source, "");
  ASSERT_EQ(c.clusters.size(), 2u);
  EXPECT_EQ(c.clusters[0].name, "prod");
  ASSERT_EQ(c.clusters[0].members.size(), 2u);
  EXPECT_EQ(c.clusters[0].members[0].url, "http://n1:7474");
  EXPECT_EQ(c.clusters[0].members[0].name, "n1:7474");
  EXPECT_EQ(c.clusters[0].members[1].url, "https://n2:8443");
  EXPECT_EQ(c.clusters[0].members[1].name, "n2:8443");
  EXPECT_EQ(c.clusters[1].name, "dev");
  EXPECT_EQ(c.clusters[1].members[0].name, "d1:7000");
  // Built-in defaults.
  EXPECT_EQ(c.web.listen_address, ":9474");
  EXPECT_EQ(c.web.telemetry_path, "/metrics");
  EXPECT_EQ(c.clusters[0].credentials.username_env, "NEO4J_USERNAME");
  EXPECT_EQ(c.clusters[0].credentials.password_env, "NEO4J_PASSWORD");
  EXPECT_EQ(c.collectors.size(), KnownCollectors().size());
}

TEST(FlagsTest, ClusterFlagErrors) {
  struct Case {
    std::string value;
    std::string contains;
  };
  for (const Case& c : {
           Case{"prod", "is not NAME=URL[,URL...]"},
           Case{"bad name=http://h", "cluster name \"bad name\" is not label-safe"},
           Case{"prod=ftp://h", "URL 1 \"ftp://h\": scheme \"ftp\" not supported"},
           Case{"prod=http://h,", "URL 2 \"\": empty URL"},
           Case{"prod=http://h,http://g:0", "URL 2 \"http://g:0\": invalid port \"0\""},
           Case{"prod=http://h/db", "path \"/db\" not allowed"},
           Case{"prod=http://h,http://h:7474", "member h:7474 given more than once"},
       }) {
    std::string message = ParseErr({"--cluster", c.value});
    EXPECT_THAT(message, StartsWith("--cluster: ")) << c.value;
    EXPECT_THAT(message, HasSubstr(c.contains)) << c.value;
  }
  std::string dup = ParseErr({"--cluster", "a=http://h", "--cluster", "a=http://g"});
  EXPECT_THAT(dup, HasSubstr("cluster \"a\" given more than once"));
}

// The neo4j_metrics relay's flags: set the configuration; bad values name the flag.
TEST(FlagsTest, Neo4jMetricsRelayFlags) {
  auto r = Parse({"--cluster", "p=http://h", "--collector.neo4j_metrics.include=neo4j_tx_.*",
                  "--collector.neo4j_metrics.exclude=.*_vm_.*",
                  "--collector.neo4j_metrics.series-limit=42"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->config.neo4j_metrics.include, "neo4j_tx_.*");
  EXPECT_EQ(r->config.neo4j_metrics.exclude, ".*_vm_.*");
  EXPECT_EQ(r->config.neo4j_metrics.series_limit, 42u);
  EXPECT_THAT(ParseErr({"--cluster", "p=http://h", "--collector.neo4j_metrics.include=(x"}),
              StartsWith("--collector.neo4j_metrics.include: invalid regular expression"));
  for (const char* bad : {"0", "-1", "12x", "20000000"}) {
    EXPECT_THAT(ParseErr({"--cluster", "p=http://h",
                          std::string("--collector.neo4j_metrics.series-limit=") + bad}),
                StartsWith("--collector.neo4j_metrics.series-limit: want a whole number"))
        << bad;
  }
}

TEST(FlagsTest, ClusterUrlWithCredentialsIsRedacted) {
  std::string message = ParseErr({"--cluster=prod=http://neo4j:s3cret@h:7474"});
  EXPECT_THAT(message, HasSubstr("user info in the URL is not allowed"));
  EXPECT_THAT(message, Not(HasSubstr("s3cret")));
}

TEST(FlagsTest, PasswordFlagIsRejected) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--neo4j.password=hunter2"},
        std::vector<std::string>{"--neo4j.password", "hunter2"},
        std::vector<std::string>{"--cluster=a=http://h", "--neo4j.username=neo4j"},
        std::vector<std::string>{"--password=hunter2"}}) {
    std::string message = ParseErr(args);
    EXPECT_THAT(message, StartsWith("--"));
    EXPECT_THAT(message, HasSubstr("secrets are never read from the command line"));
    EXPECT_THAT(message, HasSubstr("--neo4j.password-file"));
    EXPECT_THAT(message, HasSubstr("NEO4J_PASSWORD"));
    EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  }
  EXPECT_THAT(ParseErr({"--neo4j.password=x"}), StartsWith("--neo4j.password: "));
}

TEST(FlagsTest, UnknownFlagSuggestsClosest) {
  std::string m1 = ParseErr({"--web.listen-adress=:1"});
  EXPECT_THAT(m1, HasSubstr("unknown flag --web.listen-adress"));
  EXPECT_THAT(m1, HasSubstr("did you mean --web.listen-address?"));
  EXPECT_THAT(m1, Not(HasSubstr(":1")));  // values of unknown flags are not echoed

  EXPECT_THAT(ParseErr({"--colector.role"}), HasSubstr("did you mean --collector.role?"));
  EXPECT_THAT(ParseErr({"--no-colector.quorum"}), HasSubstr("did you mean --no-collector.quorum?"));
  EXPECT_THAT(ParseErr({"--log.levl", "debug"}), HasSubstr("did you mean --log.level?"));

  std::string far = ParseErr({"--frobnicate"});
  EXPECT_THAT(far, HasSubstr("unknown flag --frobnicate"));
  EXPECT_THAT(far, Not(HasSubstr("did you mean")));
}

TEST(FlagsTest, NoClustersIsAnError) {
  EXPECT_EQ(ParseErr({}),
            "no clusters configured: use --cluster NAME=URL, --cluster-spec FILE or --config FILE");
  TempConfig file("web: {listen_address: \":1\"}\n");
  EXPECT_EQ(ParseErr({"--config", file.path()}),
            "no clusters configured: use --cluster NAME=URL, --cluster-spec FILE or --config FILE");
}

TEST(FlagsTest, ConfigFileErrorsArePassedThrough) {
  std::string missing = ParseErr({"--config=/nonexistent-nca/agent.yml"});
  EXPECT_THAT(missing, StartsWith("/nonexistent-nca/agent.yml: "));
  EXPECT_THAT(missing, HasSubstr("No such file or directory"));

  TempConfig file("clusters:\n  - name: a\n    members: [{url: ftp://h}]\n");
  EXPECT_THAT(ParseErr({"--config", file.path()}),
              StartsWith(file.path() + ":3:21: clusters[0].members[0].url: "));
}

TEST(FlagsTest, FileValuesSurviveWhenFlagsAreAbsent) {
  TempConfig file(kFileConfig);
  Config c = ParseOk({"--config", file.path()});
  EXPECT_EQ(c.source, file.path());
  EXPECT_EQ(c.web.listen_address, ":1111");
  EXPECT_EQ(c.web.telemetry_path, "/file-metrics");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, "json");
  EXPECT_DOUBLE_EQ(c.collectors.at("role").interval.count(), 10.0);
  ASSERT_EQ(c.clusters.size(), 2u);
  EXPECT_EQ(c.clusters[0].tls.server_name, "file-sn");
  EXPECT_DOUBLE_EQ(c.clusters[0].http.request_timeout.count(), 3.0);
}

TEST(FlagsTest, FlagsTakePrecedenceOverTheFile) {
  TempConfig file(kFileConfig);
  Config c = ParseOk({"--config", file.path(), "--web.listen-address", "127.0.0.1:2222",
                      "--log.level=warn", "--collector.role.interval=20s",
                      "--no-collector.failover", "--neo4j.tls.server-name=flag-sn",
                      "--neo4j.request-timeout=8s", "--neo4j.max-response-bytes=1MiB"});
  EXPECT_EQ(c.web.listen_address, "127.0.0.1:2222");
  EXPECT_EQ(c.web.telemetry_path, "/file-metrics");  // not given: file wins over the default
  EXPECT_EQ(c.log.level, "warn");
  EXPECT_EQ(c.log.format, "json");
  EXPECT_DOUBLE_EQ(c.collectors.at("role").interval.count(), 20.0);
  EXPECT_FALSE(c.collectors.at("failover").enabled);
  EXPECT_TRUE(c.collectors.at("quorum").enabled);
  ASSERT_EQ(c.clusters.size(), 2u);
  // --neo4j.* replace the file's defaults...
  EXPECT_EQ(c.clusters[0].tls.server_name, "flag-sn");
  EXPECT_EQ(c.clusters[0].tls.ca_file, "/file-ca");
  EXPECT_DOUBLE_EQ(c.clusters[0].http.request_timeout.count(), 8.0);
  EXPECT_EQ(c.clusters[0].http.max_response_bytes, 1u << 20);
  // ...but not a cluster's own setting.
  EXPECT_EQ(c.clusters[1].tls.server_name, "own-sn");
  EXPECT_DOUBLE_EQ(c.clusters[1].http.request_timeout.count(), 8.0);
}

TEST(FlagsTest, FlagClustersCombineWithFileClustersAndGetTheDefaults) {
  TempConfig file(kFileConfig);
  Config c = ParseOk({"--config", file.path(), "--cluster", "extra=http://e1",
                      "--neo4j.username-file=/u", "--neo4j.password-file", "/p"});
  ASSERT_EQ(c.clusters.size(), 3u);
  const ClusterConfig& extra = c.clusters[2];
  EXPECT_EQ(extra.name, "extra");
  EXPECT_EQ(extra.tls.server_name, "file-sn");  // file defaults
  EXPECT_DOUBLE_EQ(extra.http.request_timeout.count(), 3.0);
  EXPECT_EQ(extra.credentials.username_file, "/u");  // flag defaults
  EXPECT_EQ(extra.credentials.password_file, "/p");
  EXPECT_EQ(c.clusters[0].credentials.password_file, "/p");

  std::string clash = ParseErr({"--config", file.path(), "--cluster", "filed=http://x"});
  EXPECT_THAT(clash, StartsWith("--cluster: "));
  EXPECT_THAT(clash, HasSubstr("cluster \"filed\" is already defined in " + file.path()));
}

TEST(FlagsTest, CredentialFileFlagsGoTogether) {
  std::string m = ParseErr({"--cluster=a=http://h", "--neo4j.username-file=/u"});
  EXPECT_THAT(m, StartsWith("--neo4j.username-file: "));
  EXPECT_THAT(m, HasSubstr("needs --neo4j.password-file"));
  std::string k = ParseErr({"--cluster=a=http://h", "--neo4j.tls.key-file=/k"});
  EXPECT_THAT(k, StartsWith("--neo4j.tls.key-file: "));
  EXPECT_THAT(k, HasSubstr("needs --neo4j.tls.cert-file"));
}

TEST(FlagsTest, AuthFileFlagReplacesTheDefaultCredentials) {
  TempConfig file(
      "defaults:\n  credentials: {username_file: /file-u, password_file: /file-p}\n"
      "clusters:\n"
      "  - name: filed\n    members: [{url: http://f1}]\n"
      "  - name: own\n    members: [{url: http://f2}]\n"
      "    credentials: {username_env: OWN_USER, password_env: OWN_PASS}\n");
  Config c = ParseOk({"--config", file.path(), "--cluster=extra=http://e1",
                      "--neo4j.auth-file=/config/neo4j-auth/NEO4J_AUTH"});
  ASSERT_EQ(c.clusters.size(), 3u);
  for (std::size_t i : {0u, 2u}) {
    const CredentialsConfig& cred = c.clusters[i].credentials;
    EXPECT_EQ(cred.auth_file, "/config/neo4j-auth/NEO4J_AUTH") << c.clusters[i].name;
    EXPECT_EQ(cred.username_file, "");
    EXPECT_EQ(cred.password_file, "");
    EXPECT_EQ(cred.username_env, "");
    EXPECT_EQ(cred.password_env, "");
  }
  // A cluster's own credentials stay.
  EXPECT_EQ(c.clusters[1].credentials.auth_file, "");
  EXPECT_EQ(c.clusters[1].credentials.username_env, "OWN_USER");
  // The auth file makes the environment irrelevant.
  EXPECT_TRUE(
      Parse({"--cluster=a=http://h", "--neo4j.auth-file=/a"}, MapEnv({{"NEO4J_USERNAME", "neo4j"}}))
          .ok());
}

TEST(FlagsTest, AuthFileFlagExcludesTheOtherCredentialFiles) {
  for (const std::string other : {"--neo4j.username-file=/u", "--neo4j.password-file=/p"}) {
    std::string m = ParseErr({"--cluster=a=http://h", "--neo4j.auth-file=/a", other});
    EXPECT_THAT(m, StartsWith("--neo4j.auth-file: cannot be combined with --"));
    EXPECT_THAT(m, HasSubstr(other.substr(2, other.find('=') - 2)));
  }
  EXPECT_THAT(ParseErr({"--cluster=a=http://h", "--neo4j.auth-file="}),
              StartsWith("--neo4j.auth-file: must not be empty"));
  // The secret itself is never a flag.
  std::string inline_secret = ParseErr({"--neo4j.auth=neo4j/hunter2"});
  EXPECT_THAT(inline_secret, HasSubstr("secrets are never read from the command line"));
  EXPECT_THAT(inline_secret, HasSubstr("--neo4j.auth-file"));
  EXPECT_THAT(inline_secret, Not(HasSubstr("hunter2")));
}

TEST(FlagsTest, TlsAndHttpFlags) {
  Config c = ParseOk({"--cluster=a=https://h", "--neo4j.tls.ca-file=/ca", "--neo4j.tls.cert-file",
                      "/c", "--neo4j.tls.key-file=/k", "--neo4j.tls.insecure-skip-verify",
                      "--neo4j.connect-timeout=500ms"});
  const ClusterConfig& a = c.clusters[0];
  EXPECT_EQ(a.tls.ca_file, "/ca");
  EXPECT_EQ(a.tls.cert_file, "/c");
  EXPECT_EQ(a.tls.key_file, "/k");
  EXPECT_TRUE(a.tls.insecure_skip_verify);
  EXPECT_DOUBLE_EQ(a.http.connect_timeout.count(), 0.5);

  TempConfig file(
      "defaults: {tls: {insecure_skip_verify: true}}\nclusters: [{name: a, members: [{url: "
      "http://h}]}]\n");
  Config off = ParseOk({"--config", file.path(), "--no-neo4j.tls.insecure-skip-verify"});
  EXPECT_FALSE(off.clusters[0].tls.insecure_skip_verify);
}

TEST(FlagsTest, CollectorEnableFlags) {
  Config c = ParseOk({"--cluster=a=http://h", "--no-collector.role", "--collector.quorum=false"});
  EXPECT_FALSE(c.collectors.at("role").enabled);
  EXPECT_FALSE(c.collectors.at("quorum").enabled);
  EXPECT_TRUE(c.collectors.at("replication_lag").enabled);

  Config only =
      ParseOk({"--cluster=a=http://h", "--collector.disable-defaults", "--collector.failover"});
  EXPECT_FALSE(only.collectors.at("role").enabled);
  EXPECT_FALSE(only.collectors.at("quorum").enabled);
  EXPECT_FALSE(only.collectors.at("replication_lag").enabled);
  EXPECT_TRUE(only.collectors.at("failover").enabled);

  // Explicitly enabled in the file: kept by --collector.disable-defaults.
  TempConfig file(kFileConfig);
  Config mixed = ParseOk({"--config", file.path(), "--collector.disable-defaults"});
  EXPECT_TRUE(mixed.collectors.at("quorum").enabled);
  EXPECT_FALSE(mixed.collectors.at("role").enabled);  // only its interval was set
  EXPECT_FALSE(mixed.collectors.at("failover").enabled);
}

TEST(FlagsTest, CollectorIntervalAndTimeoutFlags) {
  Config c = ParseOk({"--cluster=a=http://h", "--collector.role.interval=2s",
                      "--collector.quorum.interval", "30s", "--collector.quorum.timeout=10s"});
  EXPECT_DOUBLE_EQ(c.collectors.at("role").interval.count(), 2.0);
  EXPECT_DOUBLE_EQ(c.collectors.at("role").timeout.count(), 2.0);  // follows the interval
  EXPECT_DOUBLE_EQ(c.collectors.at("quorum").timeout.count(), 10.0);

  std::string too_long = ParseErr({"--cluster=a=http://h", "--collector.role.timeout=6s"});
  EXPECT_THAT(too_long, StartsWith("--collector.role.timeout: "));
  EXPECT_THAT(too_long, HasSubstr("timeout 6s exceeds the interval 5s"));

  std::string too_short = ParseErr({"--cluster=a=http://h", "--collector.role.interval=500ms"});
  EXPECT_THAT(too_short, StartsWith("--collector.role.interval: "));
  EXPECT_THAT(too_short, HasSubstr("minimum 1s"));

  // The file set quorum's timeout to 4s explicitly; a shorter interval flag conflicts with it.
  TempConfig file(kFileConfig);
  std::string conflict = ParseErr({"--config", file.path(), "--collector.quorum.interval=2s"});
  EXPECT_THAT(conflict, StartsWith("--collector.quorum.interval: "));
  EXPECT_THAT(conflict, HasSubstr("shorter than the timeout 4s set in " + file.path()));
}

TEST(FlagsTest, ValueErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string prefix;
    std::string contains;
  };
  for (const Case& c : {
           Case{{"--web.telemetry-path=/"}, "--web.telemetry-path: ", "must not be /"},
           Case{{"--web.telemetry-path", "metrics"}, "--web.telemetry-path: ", "must start with /"},
           Case{{"--web.listen-address=9474"}, "--web.listen-address: ", "[host]:port"},
           Case{{"--log.level=trace"}, "--log.level: ", "log level \"trace\" not supported"},
           Case{{"--log.format=xml"}, "--log.format: ", "want logfmt or json"},
           Case{{"--neo4j.connect-timeout=5"}, "--neo4j.connect-timeout: ", "missing unit"},
           Case{{"--neo4j.request-timeout=0"},
                "--neo4j.request-timeout: ",
                "must be greater than 0"},
           Case{{"--neo4j.max-response-bytes=8MB"},
                "--neo4j.max-response-bytes: ",
                "unit \"MB\" not supported"},
           Case{{"--collector.role=maybe"}, "--collector.role: ", "invalid boolean \"maybe\""},
           Case{{"--no-collector.role=true"}, "--no-collector.role: ", "takes no value"},
           Case{{"--config"}, "--config: ", "expected a value"},
           Case{{"--config", "--cluster=a=http://h"}, "--config: ", "expected a value"},
           Case{{"--log.level=info", "--log.level=warn"}, "--log.level: ", "given more than once"},
       }) {
    std::vector<std::string> args = c.args;
    args.push_back("--cluster=z=http://z");
    std::string message = ParseErr(args);
    EXPECT_THAT(message, StartsWith(c.prefix)) << c.args[0];
    EXPECT_THAT(message, HasSubstr(c.contains)) << c.args[0];
  }
}

TEST(FlagsTest, PositionalArgumentsAndShortFlagsAreRejected) {
  EXPECT_THAT(ParseErr({"--neo4j.tls.insecure-skip-verify", "false", "--cluster=a=http://h"}),
              HasSubstr("unexpected argument \"false\""));
  EXPECT_THAT(ParseErr({"-v"}), HasSubstr("unknown short flag -v"));
}

TEST(FlagsTest, EnvironmentCredentialsMustBeComplete) {
  const std::vector<std::string> args = {"--cluster=a=http://h"};
  std::string half = ParseErr(args, MapEnv({{"NEO4J_USERNAME", "neo4j"}}));
  EXPECT_THAT(half, HasSubstr("cluster \"a\""));
  EXPECT_THAT(half, HasSubstr("NEO4J_USERNAME is set but NEO4J_PASSWORD is not"));
  EXPECT_THAT(half, Not(HasSubstr("neo4j\"")));

  EXPECT_TRUE(Parse(args, MapEnv({{"NEO4J_USERNAME", "neo4j"}, {"NEO4J_PASSWORD", "pw"}})).ok());
  EXPECT_TRUE(Parse(args, MapEnv({})).ok());
  EXPECT_TRUE(Parse(args, EnvLookup()).ok());  // no lookup: check skipped
  // Credential files configured: the environment is irrelevant.
  EXPECT_TRUE(
      Parse({"--cluster=a=http://h", "--neo4j.username-file=/u", "--neo4j.password-file=/p"},
            MapEnv({{"NEO4J_USERNAME", "neo4j"}}))
          .ok());
}

TEST(FlagsTest, HelpTextListsEveryFlagWithDefaults) {
  const std::string help = HelpText();
  for (const char* flag : {"-h, --help",
                           "--version",
                           "--config=FILE",
                           "--cluster=NAME=URL[,URL...]",
                           "--neo4j.username-file=FILE",
                           "--neo4j.password-file=FILE",
                           "--neo4j.auth-file=FILE",
                           "--neo4j.tls.ca-file=FILE",
                           "--neo4j.tls.cert-file=FILE",
                           "--neo4j.tls.key-file=FILE",
                           "--neo4j.tls.server-name=NAME",
                           "--[no-]neo4j.tls.insecure-skip-verify",
                           "--neo4j.connect-timeout=\"2s\"",
                           "--neo4j.request-timeout=\"5s\"",
                           "--neo4j.max-response-bytes=\"8MiB\"",
                           "--web.listen-address=\":9474\"",
                           "--web.telemetry-path=\"/metrics\"",
                           "--[no-]collector.disable-defaults",
                           "--log.level=\"info\"",
                           "--log.format=\"logfmt\""}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
  for (const char* name : {"role", "quorum", "replication_lag", "failover"}) {
    const std::string n(name);
    // The enable flag with its default state on the same line.
    std::size_t pos = help.find("--[no-]collector." + n + " ");
    ASSERT_NE(pos, std::string::npos) << name;
    std::string line = help.substr(pos, help.find('\n', pos) - pos);
    EXPECT_THAT(line, HasSubstr("(default: enabled; --no-collector." + n + " turns it off)"))
        << name;
    EXPECT_THAT(help, HasSubstr("--collector." + n + ".interval=\"5s\""));
    EXPECT_THAT(help, HasSubstr("--collector." + n + ".timeout=\"4s\""));
  }
  EXPECT_THAT(help, Not(HasSubstr("--neo4j.password=")));
}

}  // namespace
}  // namespace nca::config
