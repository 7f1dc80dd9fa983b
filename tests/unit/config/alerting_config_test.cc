// The `alerting:` section of the configuration file and the --rules.* / --alertmanager.* flags.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/flags.h"
#include "config/loader.h"

namespace nca::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kCluster[] =
    "clusters:\n"
    "  - name: a\n"
    "    members:\n"
    "      - url: http://h:7474\n";

Config ParseOk(const std::string& yaml, const std::string& source = "t.yml") {
  Result<Config> r = ParseConfig(yaml, source);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return Config{};
  }
  return *r;
}

std::string ParseError(const std::string& yaml) {
  Result<Config> r = ParseConfig(yaml, "t.yml");
  if (r.ok()) {
    ADD_FAILURE() << "expected an error for:\n" << yaml;
    return "";
  }
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  return r.error().message;
}

// A file in the test temp dir, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "nca_alerting_" + std::to_string(::getpid()) + "_" +
            info->name() + ".yml";
    std::ofstream out(path_);
    out << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// --- Value helpers -----------------------------------------------------------------------------

TEST(AlertingConfigValuesTest, LabelNames) {
  for (const char* ok : {"region", "_x", "A1_b", "env", "a"}) {
    EXPECT_TRUE(ValidateLabelName(ok).ok()) << ok;
  }
  for (const char* bad : {"", "1abc", "a-b", "a.b", "é", "a b", "x:y"}) {
    Status s = ValidateLabelName(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().kind, ErrorKind::kInvalidArgument);
  }
  EXPECT_THAT(ValidateLabelName("a-b").error().message, HasSubstr("invalid label name \"a-b\""));
  Status reserved = ValidateLabelName("__name__");
  ASSERT_FALSE(reserved.ok());
  EXPECT_THAT(reserved.error().message, HasSubstr("reserved"));
  // One underscore is an ordinary name.
  EXPECT_TRUE(ValidateLabelName("_a").ok());
}

TEST(AlertingConfigValuesTest, HttpBaseUrlParts) {
  Result<HttpBaseUrl> u = ParseHttpBaseUrl("HTTPS://am.example:9093/alertmanager/");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "am.example");
  EXPECT_EQ(u->port, 9093);
  EXPECT_EQ(u->path, "/alertmanager");
  EXPECT_EQ(u->userinfo, "");
  EXPECT_EQ(u->url, "https://am.example:9093/alertmanager");
  EXPECT_EQ(u->redacted, u->url);

  Result<HttpBaseUrl> plain = ParseHttpBaseUrl("http://alertmanager");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, 0);
  EXPECT_EQ(plain->path, "");
  EXPECT_EQ(plain->url, "http://alertmanager");
  EXPECT_EQ(ParseHttpBaseUrl("http://alertmanager/")->url, "http://alertmanager");

  Result<HttpBaseUrl> v6 = ParseHttpBaseUrl("http://[::1]:9093");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->url, "http://[::1]:9093");

  Result<HttpBaseUrl> auth = ParseHttpBaseUrl("http://alert:s3cret@am-0:9093/");
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->userinfo, "alert:s3cret");
  EXPECT_EQ(auth->host, "am-0");
  EXPECT_EQ(auth->url, "http://alert:s3cret@am-0:9093");
  EXPECT_EQ(auth->redacted, "http://am-0:9093");
}

TEST(AlertingConfigValuesTest, HttpBaseUrlErrors) {
  struct Case {
    const char* url;
    const char* contains;
  };
  for (const Case& c : {
           Case{"", "empty URL"},
           Case{"am:9093", "missing scheme"},
           Case{"ftp://am", "scheme \"ftp\" not supported"},
           Case{"http://", "missing host"},
           Case{"http://:9093", "missing host"},
           Case{"http://am:0", "invalid port \"0\""},
           Case{"http://am:99999", "invalid port \"99999\""},
           Case{"http://am:x", "invalid port \"x\""},
           Case{"http://am?x=1", "query string is not allowed"},
           Case{"http://am/p#f", "fragment is not allowed"},
           Case{"http://a m", "invalid host \"a m\""},
           Case{"http://am/a b", "spaces"},
           Case{"http://::1:9093", "in brackets"},
           Case{"http://[::1", "unterminated IPv6"},
           Case{"http://@am", "empty user info"},
       }) {
    Result<HttpBaseUrl> r = ParseHttpBaseUrl(c.url);
    ASSERT_FALSE(r.ok()) << c.url;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_THAT(r.error().message, HasSubstr(c.contains)) << c.url;
  }
}

TEST(AlertingConfigValuesTest, HttpBaseUrlErrorsNeverEchoUserInfo) {
  for (const char* url :
       {"http://user:s3cret@am:bad", "http://user:s3cret@a m", "ftp://user:s3cret@am",
        "http://user:s3cret@am?q", "http://user:s3/cret@am:9093"}) {
    Result<HttpBaseUrl> r = ParseHttpBaseUrl(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_THAT(r.error().message, Not(HasSubstr("s3")));
    EXPECT_THAT(r.error().message, Not(HasSubstr("user")));
  }
}

TEST(AlertingConfigValuesTest, RelativePaths) {
  EXPECT_EQ(DirectoryOf("conf/agent.yml"), "conf");
  EXPECT_EQ(DirectoryOf("/etc/nca/agent.yml"), "/etc/nca");
  EXPECT_EQ(DirectoryOf("agent.yml"), "");
  EXPECT_EQ(DirectoryOf("/agent.yml"), "/");
  EXPECT_EQ(ResolveRelativeTo("/etc/nca", "rules/*.yml"), "/etc/nca/rules/*.yml");
  EXPECT_EQ(ResolveRelativeTo("/", "rules.yml"), "/rules.yml");
  EXPECT_EQ(ResolveRelativeTo("conf", "r.yml"), "conf/r.yml");
  EXPECT_EQ(ResolveRelativeTo("/etc/nca", "/abs/r.yml"), "/abs/r.yml");
  EXPECT_EQ(ResolveRelativeTo("", "rules/*.yml"), "rules/*.yml");
}

// --- The `alerting:` section -------------------------------------------------------------------

void ExpectDefaults(const AlertingConfig& a) {
  EXPECT_TRUE(a.enabled);
  EXPECT_THAT(a.rule_files, IsEmpty());
  EXPECT_TRUE(a.manifest_rules);
  EXPECT_DOUBLE_EQ(a.evaluation_interval.count(), 15.0);
  EXPECT_THAT(a.external_labels, IsEmpty());
  EXPECT_EQ(a.external_url, "");
  EXPECT_THAT(a.alertmanager_urls, IsEmpty());
  EXPECT_DOUBLE_EQ(a.alertmanager_timeout.count(), 10.0);
  EXPECT_DOUBLE_EQ(a.resend_delay.count(), 60.0);
}

TEST(AlertingConfigLoaderTest, DefaultsWhenAbsent) {
  ExpectDefaults(ParseOk(kCluster).alerting);
  ExpectDefaults(ParseOk(std::string("alerting:\n") + kCluster).alerting);
  ExpectDefaults(ParseOk("alerting: {}\n").alerting);
}

TEST(AlertingConfigLoaderTest, EveryKeyParsed) {
  const Config c = ParseOk(
      "alerting:\n"
      "  enabled: false\n"
      "  rule_files: [\"rules/*.yml\", /abs/neo4j.rules.yml, ../shared/x.yml]\n"
      "  manifest_rules: false\n"
      "  evaluation_interval: 30s\n"
      "  external_labels: {region: us-east-1, env: \"\", _team: db}\n"
      "  external_url: \"https://agent.example:9474/nca/\"\n"
      "  alertmanagers:\n"
      "    - http://alertmanager:9093\n"
      "    - https://am.example/prefix/\n"
      "    - http://alert:s3cret@[::1]:9093\n"
      "  alertmanager_timeout: 3s\n"
      "  resend_delay: 2m\n",
      "/etc/nca/agent.yml");
  const AlertingConfig& a = c.alerting;
  EXPECT_FALSE(a.enabled);
  EXPECT_THAT(a.rule_files, ElementsAre("/etc/nca/rules/*.yml", "/abs/neo4j.rules.yml",
                                        "/etc/nca/../shared/x.yml"));
  EXPECT_FALSE(a.manifest_rules);
  EXPECT_DOUBLE_EQ(a.evaluation_interval.count(), 30.0);
  EXPECT_EQ(a.external_labels, (std::map<std::string, std::string>{
                                   {"region", "us-east-1"}, {"env", ""}, {"_team", "db"}}));
  EXPECT_EQ(a.external_url, "https://agent.example:9474/nca");
  EXPECT_THAT(a.alertmanager_urls,
              ElementsAre("http://alertmanager:9093", "https://am.example/prefix",
                          "http://alert:s3cret@[::1]:9093"));
  EXPECT_DOUBLE_EQ(a.alertmanager_timeout.count(), 3.0);
  EXPECT_DOUBLE_EQ(a.resend_delay.count(), 120.0);
}

TEST(AlertingConfigLoaderTest, EmptyListsAndEmptyExternalUrlMeanDefaults) {
  const AlertingConfig a =
      ParseOk("alerting: {rule_files: [], alertmanagers: [], external_url: \"\"}\n").alerting;
  EXPECT_THAT(a.rule_files, IsEmpty());
  EXPECT_THAT(a.alertmanager_urls, IsEmpty());
  EXPECT_EQ(a.external_url, "");
}

TEST(AlertingConfigLoaderTest, RelativeRuleFilesFollowTheConfigFile) {
  // No directory part: the file is in the working directory, paths stay as written.
  EXPECT_THAT(ParseOk("alerting: {rule_files: [r.yml]}\n", "agent.yml").alerting.rule_files,
              ElementsAre("r.yml"));
  EXPECT_THAT(ParseOk("alerting: {rule_files: [r.yml]}\n", "conf/agent.yml").alerting.rule_files,
              ElementsAre("conf/r.yml"));

  // Loaded from disk: joined with the directory the file is in.
  TempFile file("alerting:\n  rule_files: [\"rules/*.yml\", /opt/rules/a.yml]\n");
  Result<Config> r = LoadConfigFile(file.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::string dir = file.path().substr(0, file.path().rfind('/'));
  ASSERT_FALSE(dir.empty());
  EXPECT_THAT(r->alerting.rule_files, ElementsAre(dir + "/rules/*.yml", "/opt/rules/a.yml"));
}

struct ErrorCase {
  const char* name;
  std::string yaml;
  std::string prefix;    // exact "file:line:col: key.path: " start of the message
  std::string contains;  // a meaningful part of the explanation
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class AlertingConfigErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(AlertingConfigErrorTest, ReportsPositionPathAndReason) {
  const ErrorCase& c = GetParam();
  const std::string message = ParseError(c.yaml);
  EXPECT_THAT(message, StartsWith(c.prefix));
  EXPECT_THAT(message, HasSubstr(c.contains));
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_THAT(message, Not(HasSubstr("s3cret")));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, AlertingConfigErrorTest,
    ::testing::Values(
        ErrorCase{"NotAMapping", "alerting: [1]\n", "t.yml:1:11: alerting: ", "want a mapping"},
        ErrorCase{"UnknownKey", "alerting:\n  evaluation_intervall: 1m\n",
                  "t.yml:2:3: alerting.evaluation_intervall: ",
                  "field evaluation_intervall not found (want one of: enabled, rule_files"},
        ErrorCase{"SecretKey", "alerting:\n  password: x\n",
                  "t.yml:2:3: alerting.password: ", "secrets are not accepted"},
        ErrorCase{"DuplicateKey", "alerting:\n  enabled: true\n  enabled: false\n",
                  "t.yml:3:3: alerting.enabled: ", "duplicate key enabled"},
        ErrorCase{"EnabledNotBool", "alerting:\n  enabled: maybe\n",
                  "t.yml:2:12: alerting.enabled: ", "invalid boolean \"maybe\""},
        ErrorCase{"ManifestRulesNotBool", "alerting:\n  manifest_rules: [true]\n",
                  "t.yml:2:19: alerting.manifest_rules: ", "want true or false"},
        ErrorCase{"RuleFilesNotAList", "alerting:\n  rule_files: rules/*.yml\n",
                  "t.yml:2:15: alerting.rule_files: ", "want a list"},
        ErrorCase{"RuleFileEmpty", "alerting:\n  rule_files:\n    - a.yml\n    - \"\"\n",
                  "t.yml:4:7: alerting.rule_files[1]: ", "want a non-empty string"},
        ErrorCase{"RuleFileNotAString", "alerting:\n  rule_files:\n    - {a: 1}\n",
                  "t.yml:3:7: alerting.rule_files[0]: ", "want a non-empty string, got a mapping"},
        ErrorCase{"RuleFileDuplicate", "alerting:\n  rule_files:\n    - a.yml\n    - a.yml\n",
                  "t.yml:4:7: alerting.rule_files[1]: ", "duplicate value \"a.yml\""},
        ErrorCase{"EvaluationIntervalZero", "alerting:\n  evaluation_interval: 0\n",
                  "t.yml:2:24: alerting.evaluation_interval: ", "must be greater than 0"},
        ErrorCase{"EvaluationIntervalNoUnit", "alerting:\n  evaluation_interval: 15\n",
                  "t.yml:2:24: alerting.evaluation_interval: ", "missing unit"},
        ErrorCase{"ExternalLabelsNotAMapping", "alerting:\n  external_labels: [a]\n",
                  "t.yml:2:20: alerting.external_labels: ", "want a mapping of label names"},
        ErrorCase{"ExternalLabelBadName", "alerting:\n  external_labels:\n    1zone: a\n",
                  "t.yml:3:5: alerting.external_labels.1zone: ", "invalid label name \"1zone\""},
        ErrorCase{"ExternalLabelDash", "alerting:\n  external_labels:\n    a: b\n    my-env: x\n",
                  "t.yml:4:5: alerting.external_labels.my-env: ", "[a-zA-Z_][a-zA-Z0-9_]*"},
        ErrorCase{"ExternalLabelReserved", "alerting:\n  external_labels:\n    __name__: a\n",
                  "t.yml:3:5: alerting.external_labels.__name__: ", "reserved"},
        ErrorCase{"ExternalLabelValueList", "alerting:\n  external_labels:\n    a: [1]\n",
                  "t.yml:3:8: alerting.external_labels.a: ", "want a string value, got a list"},
        ErrorCase{"ExternalLabelValueMissing", "alerting:\n  external_labels:\n    a:\n",
                  "t.yml:3:5: alerting.external_labels.a: ", "want a string value, got nothing"},
        ErrorCase{"ExternalLabelDuplicate", "alerting:\n  external_labels:\n    a: x\n    a: y\n",
                  "t.yml:4:5: alerting.external_labels.a: ",
                  "duplicate label a (first set at "
                  "line 3)"},
        ErrorCase{"ExternalUrlScheme", "alerting:\n  external_url: ftp://agent\n",
                  "t.yml:2:17: alerting.external_url: ", "scheme \"ftp\" not supported"},
        ErrorCase{"ExternalUrlNotAbsolute", "alerting:\n  external_url: /nca\n",
                  "t.yml:2:17: alerting.external_url: ", "missing scheme"},
        ErrorCase{"ExternalUrlUserInfo", "alerting:\n  external_url: http://u:s3cret@agent\n",
                  "t.yml:2:17: alerting.external_url: ", "user info is not allowed"},
        ErrorCase{"AlertmanagersNotAList", "alerting:\n  alertmanagers: http://am:9093\n",
                  "t.yml:2:18: alerting.alertmanagers: ", "want a list"},
        ErrorCase{"AlertmanagerEmpty", "alerting:\n  alertmanagers:\n    - \"\"\n",
                  "t.yml:3:7: alerting.alertmanagers[0]: ", "got an empty string"},
        ErrorCase{"AlertmanagerNoScheme", "alerting:\n  alertmanagers:\n    - am:9093\n",
                  "t.yml:3:7: alerting.alertmanagers[0]: ", "missing scheme"},
        ErrorCase{"AlertmanagerNoHost",
                  "alerting:\n  alertmanagers:\n    - http://am:9093\n    - http:///api\n",
                  "t.yml:4:7: alerting.alertmanagers[1]: ", "missing host"},
        ErrorCase{"AlertmanagerBadPort", "alerting:\n  alertmanagers:\n    - http://am:70000\n",
                  "t.yml:3:7: alerting.alertmanagers[0]: ", "invalid port \"70000\""},
        ErrorCase{"AlertmanagerQuery", "alerting:\n  alertmanagers:\n    - http://am:9093/?a=1\n",
                  "t.yml:3:7: alerting.alertmanagers[0]: ", "query string is not allowed"},
        ErrorCase{"AlertmanagerBadPortWithUserInfo",
                  "alerting:\n  alertmanagers:\n    - http://am:s3cret@am:x\n",
                  "t.yml:3:7: alerting.alertmanagers[0]: ", "invalid port (want 1-65535)"},
        ErrorCase{
            "AlertmanagerDuplicate",
            "alerting:\n  alertmanagers:\n    - http://am:9093\n    - http://u:s3cret@am:9093/\n",
            "t.yml:4:7: alerting.alertmanagers[1]: ",
            "duplicate Alertmanager URL http://am:9093 (also listed as "
            "alerting.alertmanagers[0])"},
        ErrorCase{"AlertmanagerTimeoutZero", "alerting:\n  alertmanager_timeout: 0s\n",
                  "t.yml:2:25: alerting.alertmanager_timeout: ", "must be greater than 0"},
        ErrorCase{"ResendDelayNegative", "alerting:\n  resend_delay: -1m\n",
                  "t.yml:2:17: alerting.resend_delay: ", "invalid duration \"-1m\""}));

// --- Flags -------------------------------------------------------------------------------------

EnvLookup NoEnv() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

Result<ParsedFlags> ParseArgs(std::vector<std::string> args) {
  std::vector<const char*> argv = {"neo4j-cluster-agent"};
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  return ParseFlags(static_cast<int>(argv.size()), argv.data(), NoEnv());
}

// Parses `args` plus a cluster, expecting success.
AlertingConfig FlagsOk(std::vector<std::string> args) {
  args.insert(args.begin(), "--cluster=a=http://h:7474");
  Result<ParsedFlags> r = ParseArgs(std::move(args));
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return AlertingConfig{};
  }
  return r->config.alerting;
}

std::string FlagsError(std::vector<std::string> args) {
  args.insert(args.begin(), "--cluster=a=http://h:7474");
  Result<ParsedFlags> r = ParseArgs(std::move(args));
  if (r.ok()) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  return r.error().message;
}

TEST(AlertingConfigFlagsTest, DefaultsWithoutFlags) { ExpectDefaults(FlagsOk({})); }

TEST(AlertingConfigFlagsTest, EveryFlag) {
  const AlertingConfig a = FlagsOk({
      "--no-rules.enabled",
      "--rules.file=rules/*.yml",
      "--no-rules.manifest",
      "--rules.evaluation-interval=1m",
      "--rules.external-label=region=us-east-1",
      "--rules.external-url",
      "https://agent.example/nca/",
      "--rules.resend-delay=30s",
      "--alertmanager.url=http://am:9093/",
      "--alertmanager.timeout=2s",
  });
  EXPECT_FALSE(a.enabled);
  // Relative to the working directory: kept as given.
  EXPECT_THAT(a.rule_files, ElementsAre("rules/*.yml"));
  EXPECT_FALSE(a.manifest_rules);
  EXPECT_DOUBLE_EQ(a.evaluation_interval.count(), 60.0);
  EXPECT_EQ(a.external_labels, (std::map<std::string, std::string>{{"region", "us-east-1"}}));
  EXPECT_EQ(a.external_url, "https://agent.example/nca");
  EXPECT_THAT(a.alertmanager_urls, ElementsAre("http://am:9093"));
  EXPECT_DOUBLE_EQ(a.alertmanager_timeout.count(), 2.0);
  EXPECT_DOUBLE_EQ(a.resend_delay.count(), 30.0);
}

TEST(AlertingConfigFlagsTest, BooleanForms) {
  EXPECT_FALSE(FlagsOk({"--rules.enabled=false"}).enabled);
  EXPECT_TRUE(FlagsOk({"--rules.enabled"}).enabled);
  EXPECT_FALSE(FlagsOk({"--rules.manifest=false"}).manifest_rules);
  EXPECT_TRUE(FlagsOk({"--rules.manifest=true"}).manifest_rules);
}

TEST(AlertingConfigFlagsTest, RepeatableFlagsAccumulate) {
  const AlertingConfig a = FlagsOk({
      "--rules.file=a.yml",
      "--rules.file",
      "/etc/rules/*.yml",
      "--rules.file=a.yml",  // duplicates dropped, order kept
      "--rules.external-label=region=us-east-1",
      "--rules.external-label=env=prod=blue",  // the value is everything after the first '='
      "--rules.external-label=empty=",
      "--alertmanager.url=http://am-0:9093",
      "--alertmanager.url=https://am-1.example/am",
      "--alertmanager.url=http://am-0:9093/",
  });
  EXPECT_THAT(a.rule_files, ElementsAre("a.yml", "/etc/rules/*.yml"));
  EXPECT_EQ(a.external_labels, (std::map<std::string, std::string>{
                                   {"region", "us-east-1"}, {"env", "prod=blue"}, {"empty", ""}}));
  EXPECT_THAT(a.alertmanager_urls, ElementsAre("http://am-0:9093", "https://am-1.example/am"));
}

TEST(AlertingConfigFlagsTest, FlagsCombineWithTheFile) {
  TempFile file(std::string(kCluster) +
                "alerting:\n"
                "  enabled: true\n"
                "  rule_files: [file.rules.yml]\n"
                "  evaluation_interval: 20s\n"
                "  external_labels: {region: file-region, env: prod}\n"
                "  external_url: http://file.example\n"
                "  alertmanagers: [\"http://am:s3cret@am-0:9093\", \"http://am-1:9093\"]\n"
                "  alertmanager_timeout: 4s\n"
                "  resend_delay: 5m\n");
  Result<ParsedFlags> r = ParseArgs({
      "--config=" + file.path(),
      "--no-rules.enabled",
      "--rules.file=flag.rules.yml",
      "--rules.evaluation-interval=45s",
      "--rules.external-label=region=flag-region",
      "--rules.external-label=team=db",
      "--alertmanager.url=http://am-0:9093",  // the file's, without its user info: not added
      "--alertmanager.url=http://am-2:9093",
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  const AlertingConfig& a = r->config.alerting;
  const std::string dir = file.path().substr(0, file.path().rfind('/'));
  EXPECT_FALSE(a.enabled);
  EXPECT_THAT(a.rule_files, ElementsAre(dir + "/file.rules.yml", "flag.rules.yml"));
  EXPECT_DOUBLE_EQ(a.evaluation_interval.count(), 45.0);
  EXPECT_EQ(a.external_labels, (std::map<std::string, std::string>{
                                   {"region", "flag-region"}, {"env", "prod"}, {"team", "db"}}));
  // Not given as flags: the file's values.
  EXPECT_EQ(a.external_url, "http://file.example");
  EXPECT_DOUBLE_EQ(a.alertmanager_timeout.count(), 4.0);
  EXPECT_DOUBLE_EQ(a.resend_delay.count(), 300.0);
  EXPECT_THAT(a.alertmanager_urls,
              ElementsAre("http://am:s3cret@am-0:9093", "http://am-1:9093", "http://am-2:9093"));

  // An empty --rules.external-url goes back to the default.
  Result<ParsedFlags> reset = ParseArgs({"--config=" + file.path(), "--rules.external-url="});
  ASSERT_TRUE(reset.ok()) << reset.error().message;
  EXPECT_EQ(reset->config.alerting.external_url, "");
}

TEST(AlertingConfigFlagsTest, FileErrorsInTheAlertingSectionNameTheFile) {
  TempFile file(std::string(kCluster) + "alerting:\n  resend_delay: soon\n");
  Result<ParsedFlags> r = ParseArgs({"--config=" + file.path()});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith(file.path() + ":6:17: alerting.resend_delay: "));
}

TEST(AlertingConfigFlagsTest, BadValuesNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string prefix;
    std::string contains;
  };
  for (const Case& c : {
           Case{{"--rules.file="}, "--rules.file: ", "must not be empty"},
           Case{{"--rules.enabled=maybe"}, "--rules.enabled: ", "invalid boolean \"maybe\""},
           Case{{"--no-rules.manifest=true"}, "--no-rules.manifest: ", "takes no value"},
           Case{{"--rules.evaluation-interval=0"},
                "--rules.evaluation-interval: ",
                "must be greater than 0"},
           Case{
               {"--rules.evaluation-interval=15"}, "--rules.evaluation-interval: ", "missing unit"},
           Case{{"--rules.resend-delay=1x"}, "--rules.resend-delay: ", "unknown unit \"x\""},
           Case{
               {"--alertmanager.timeout=0s"}, "--alertmanager.timeout: ", "must be greater than 0"},
           Case{{"--rules.external-label=region"},
                "--rules.external-label: ",
                "\"region\" is not NAME=VALUE"},
           Case{{"--rules.external-label=my-env=x"},
                "--rules.external-label: ",
                "invalid label name \"my-env\""},
           Case{{"--rules.external-label==x"}, "--rules.external-label: ", "empty label name"},
           Case{{"--rules.external-label=__x=1"}, "--rules.external-label: ", "reserved"},
           Case{{"--rules.external-label=a=1", "--rules.external-label=a=2"},
                "--rules.external-label: ",
                "label a given more than once"},
           Case{{"--rules.external-url=agent:9474"}, "--rules.external-url: ", "missing scheme"},
           Case{{"--rules.external-url=http://u:s3cret@agent"},
                "--rules.external-url: ",
                "user info is not allowed"},
           Case{{"--rules.external-url=http://a", "--rules.external-url=http://b"},
                "--rules.external-url: ",
                "flag given more than once"},
           Case{{"--alertmanager.url="}, "--alertmanager.url: ", "must not be empty"},
           Case{{"--alertmanager.url=am:9093"}, "--alertmanager.url: ", "missing scheme"},
           Case{{"--alertmanager.url=ftp://am"},
                "--alertmanager.url: ",
                "scheme \"ftp\" not supported"},
           Case{{"--alertmanager.url=http://am:0"}, "--alertmanager.url: ", "invalid port"},
           Case{{"--alertmanager.url=http://am/?x"},
                "--alertmanager.url: ",
                "query string is not allowed"},
           Case{{"--alertmanager.url", "--rules.file=x"},
                "--alertmanager.url: ",
                "expected a value (URL)"},
       }) {
    const std::string message = FlagsError(c.args);
    EXPECT_THAT(message, StartsWith(c.prefix)) << c.args[0];
    EXPECT_THAT(message, HasSubstr(c.contains)) << c.args[0];
    EXPECT_THAT(message, Not(HasSubstr("s3cret"))) << c.args[0];
  }
}

TEST(AlertingConfigFlagsTest, AlertmanagerUrlWithUserInfoIsRefused) {
  for (const std::vector<std::string>& args : {
           std::vector<std::string>{"--alertmanager.url=http://alert:s3cret@am:9093"},
           std::vector<std::string>{"--alertmanager.url", "https://alert:s3cret@am.example/am"},
           std::vector<std::string>{"--alertmanager.url=http://s3cret@am"},
           // Even when the rest of the URL is invalid, the secret is not echoed.
           std::vector<std::string>{"--alertmanager.url=http://alert:s3cret@am:bad"},
       }) {
    const std::string message = FlagsError(args);
    EXPECT_THAT(message, StartsWith("--alertmanager.url: ")) << args.back();
    EXPECT_THAT(message, Not(HasSubstr("s3cret"))) << args.back();
    EXPECT_THAT(message, Not(HasSubstr("alert:"))) << args.back();
  }
  const std::string message = FlagsError({"--alertmanager.url=http://alert:s3cret@am:9093"});
  EXPECT_THAT(message, HasSubstr("user info"));
  EXPECT_THAT(message, HasSubstr("--config file"));
}

TEST(AlertingConfigFlagsTest, HelpTextListsTheFlags) {
  const std::string help = HelpText();
  for (const char* flag : {"--rules.file=PATTERN", "--rules.evaluation-interval=\"15s\"",
                           "--rules.external-label=NAME=VALUE", "--rules.external-url=URL",
                           "--rules.resend-delay=\"1m\"", "--alertmanager.url=URL",
                           "--alertmanager.timeout=\"10s\""}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
  for (const char* name : {"rules.enabled", "rules.manifest"}) {
    const std::string n(name);
    std::size_t pos = help.find("--[no-]" + n + " ");
    ASSERT_NE(pos, std::string::npos) << name;
    const std::string line = help.substr(pos, help.find('\n', pos) - pos);
    EXPECT_THAT(line, HasSubstr("(default: true; --no-" + n + " turns it off)")) << name;
  }
  for (const char* repeatable :
       {"--rules.file=", "--rules.external-label=", "--alertmanager.url="}) {
    std::size_t pos = help.find(repeatable);
    ASSERT_NE(pos, std::string::npos) << repeatable;
    EXPECT_THAT(help.substr(pos, help.find('\n', pos) - pos), HasSubstr("Repeatable."))
        << repeatable;
  }
}

}  // namespace
}  // namespace nca::config
