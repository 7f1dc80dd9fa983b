#include "config/credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace nca::config {
namespace {

// Each test gets its own temporary directory and its own environment variable names, so tests
// never see the real NEO4J_USERNAME / NEO4J_PASSWORD.
class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nca-creds-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string suffix = std::string(info->name()) + "_" + std::to_string(getpid());
    user_env_ = "NCA_TEST_USER_" + suffix;
    pass_env_ = "NCA_TEST_PASS_" + suffix;
    source_.username_env = user_env_;
    source_.password_env = pass_env_;
  }

  void TearDown() override {
    unsetenv(user_env_.c_str());
    unsetenv(pass_env_.c_str());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    return path;
  }

  std::string dir_;
  std::string user_env_;
  std::string pass_env_;
  CredentialsConfig source_;
};

TEST_F(CredentialsTest, NothingConfiguredMeansNoAuth) {
  auto c = ResolveCredentials(source_);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_TRUE(c->empty());
}

TEST_F(CredentialsTest, ReadsFilesAndTrimsTrailingWhitespace) {
  source_.username_file = Write("user", "neo4j\r\n");
  source_.password_file = Write("pass", " pa ss\t \n\n");
  auto c = ResolveCredentials(source_);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->username(), "neo4j");
  EXPECT_EQ(c->password(), " pa ss");  // leading and inner whitespace is kept
}

TEST_F(CredentialsTest, FilesWinOverEnvironment) {
  setenv(user_env_.c_str(), "env-user", 1);
  setenv(pass_env_.c_str(), "env-pass", 1);
  source_.username_file = Write("user", "file-user");
  source_.password_file = Write("pass", "file-pass");
  auto c = ResolveCredentials(source_);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->username(), "file-user");
  EXPECT_EQ(c->password(), "file-pass");
}

TEST_F(CredentialsTest, ReadsEnvironment) {
  setenv(user_env_.c_str(), "neo4j", 1);
  setenv(pass_env_.c_str(), "from-env", 1);
  auto c = ResolveCredentials(source_);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->username(), "neo4j");
  EXPECT_EQ(c->password(), "from-env");
}

TEST_F(CredentialsTest, MixedSources) {
  source_.username_file = Write("user", "neo4j\n");
  setenv(pass_env_.c_str(), "from-env", 1);
  auto c = ResolveCredentials(source_);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->username(), "neo4j");
  EXPECT_EQ(c->password(), "from-env");
}

TEST_F(CredentialsTest, RotationIsSeenByTheNextResolve) {
  source_.username_file = Write("user", "neo4j\n");
  source_.password_file = Write("pass", "first\n");
  auto first = ResolveCredentials(source_);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->password(), "first");
  Write("pass", "second\n");
  auto second = ResolveCredentials(source_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->password(), "second");
}

TEST_F(CredentialsTest, MissingFileNamesThePathAndReasonButNoContent) {
  source_.username_file = Write("user", "neo4j-user-content\n");
  source_.password_file = dir_ + "/does-not-exist";
  auto c = ResolveCredentials(source_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(c.error().message.find(dir_ + "/does-not-exist"), std::string::npos)
      << c.error().message;
  EXPECT_NE(c.error().message.find("No such file or directory"), std::string::npos)
      << c.error().message;
  EXPECT_EQ(c.error().message.find("neo4j-user-content"), std::string::npos);
}

TEST_F(CredentialsTest, UnreadableFileReportsTheOsReason) {
  if (geteuid() == 0) {
    GTEST_SKIP() << "running as root: file permissions are not enforced";
  }
  source_.username_file = Write("user", "neo4j\n");
  source_.password_file = Write("pass", "secret-content\n");
  ASSERT_EQ(chmod(source_.password_file.c_str(), 0), 0);
  auto c = ResolveCredentials(source_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("Permission denied"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("secret-content"), std::string::npos);
}

TEST_F(CredentialsTest, DirectoryInsteadOfFileIsAnError) {
  source_.username_file = dir_;
  source_.password_file = Write("pass", "x\n");
  auto c = ResolveCredentials(source_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(c.error().message.find(dir_), std::string::npos) << c.error().message;
}

TEST_F(CredentialsTest, EmptyFileIsAnError) {
  source_.username_file = Write("user", "\n");
  source_.password_file = Write("pass", "x\n");
  auto c = ResolveCredentials(source_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(c.error().message.find("empty"), std::string::npos) << c.error().message;
}

TEST_F(CredentialsTest, UsernameWithoutPasswordIsAnError) {
  source_.username_file = Write("user", "neo4j\n");
  auto c = ResolveCredentials(source_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(c.error().message.find("password is missing"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find(pass_env_), std::string::npos) << c.error().message;
}

TEST_F(CredentialsTest, PasswordWithoutUsernameIsAnError) {
  setenv(pass_env_.c_str(), "only-password", 1);
  auto c = ResolveCredentials(source_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(c.error().message.find("username is missing"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find(pass_env_), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("only-password"), std::string::npos);
}

TEST_F(CredentialsTest, EmptyEnvironmentVariableCountsAsUnset) {
  setenv(user_env_.c_str(), "", 1);
  setenv(pass_env_.c_str(), "", 1);
  auto c = ResolveCredentials(source_);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_TRUE(c->empty());
}

TEST_F(CredentialsTest, OversizedFileIsRejected) {
  source_.username_file = Write("user", "neo4j\n");
  source_.password_file = Write("pass", std::string(70 * 1024, 'x'));
  auto c = ResolveCredentials(source_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(c.error().message.find("larger than"), std::string::npos) << c.error().message;
}

// The Neo4j Helm chart's Secret key NEO4J_AUTH ("neo4j/<password>") mounted as a file.
TEST(Neo4jAuthTest, SplitsAtTheFirstSlash) {
  auto c = ParseNeo4jAuth("neo4j/pa/ss/word\n", "/auth");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->username(), "neo4j");
  EXPECT_EQ(c->password(), "pa/ss/word");
  auto crlf = ParseNeo4jAuth("monitor/s3cret\r\n", "/auth");
  ASSERT_TRUE(crlf.ok());
  EXPECT_EQ(crlf->username(), "monitor");
  EXPECT_EQ(crlf->password(), "s3cret");
  auto no_newline = ParseNeo4jAuth("neo4j//", "/auth");  // the password is "/"
  ASSERT_TRUE(no_newline.ok());
  EXPECT_EQ(no_newline->password(), "/");
}

TEST(Neo4jAuthTest, NoneMeansNoCredentials) {
  auto c = ParseNeo4jAuth("none\n", "/auth");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_TRUE(c->empty());
}

TEST(Neo4jAuthTest, MalformedContentNamesTheFileButNotTheContent) {
  struct Case {
    std::string content;
    std::string want;
  };
  for (const Case& k : {Case{"secret-without-slash\n", "found no '/'"},
                        Case{"/secret-password\n", "user (before the first '/') is empty"},
                        Case{"secret-user/\n", "password (after the first '/') is empty"}}) {
    auto c = ParseNeo4jAuth(k.content, "/etc/neo4j-auth/NEO4J_AUTH");
    ASSERT_FALSE(c.ok()) << k.content;
    EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_NE(c.error().message.find("/etc/neo4j-auth/NEO4J_AUTH"), std::string::npos)
        << c.error().message;
    EXPECT_NE(c.error().message.find(k.want), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("secret"), std::string::npos) << c.error().message;
  }
}

TEST_F(CredentialsTest, AuthFileIsReadOnEveryUseAndWinsOverTheEnvironment) {
  setenv(user_env_.c_str(), "env-user", 1);
  setenv(pass_env_.c_str(), "env-pass", 1);
  source_.auth_file = Write("NEO4J_AUTH", "neo4j/first\n");
  auto c = ResolveCredentials(source_);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->username(), "neo4j");
  EXPECT_EQ(c->password(), "first");
  Write("NEO4J_AUTH", "neo4j/rotated\n");
  auto second = ResolveCredentials(source_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->password(), "rotated");
  Write("NEO4J_AUTH", "none\n");
  auto none = ResolveCredentials(source_);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(CredentialsTest, AuthFileErrorsNameTheFile) {
  source_.auth_file = dir_ + "/missing";
  auto missing = ResolveCredentials(source_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot read auth file " + dir_ + "/missing"),
            std::string::npos)
      << missing.error().message;
  source_.auth_file = Write("NEO4J_AUTH", "just-a-password\n");
  auto malformed = ResolveCredentials(source_);
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.error().message.find(source_.auth_file), std::string::npos);
  EXPECT_EQ(malformed.error().message.find("just-a-password"), std::string::npos);
  source_.auth_file = Write("NEO4J_AUTH", "\n");
  auto empty = ResolveCredentials(source_);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos) << empty.error().message;
}

}  // namespace
}  // namespace nca::config
