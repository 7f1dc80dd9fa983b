#include "kube/kube_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace nca::kube {
namespace {

namespace fs = std::filesystem;

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "nca-kube-sa-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name) << content;
  }
  EnvLookup Env() {
    return [this](const std::string& k) -> std::optional<std::string> {
      auto it = env_.find(k);
      if (it == env_.end()) {
        return std::nullopt;
      }
      return it->second;
    };
  }

  fs::path dir_;
  std::map<std::string, std::string> env_{{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                          {"KUBERNETES_SERVICE_PORT", "443"}};
};

TEST_F(KubeConfigTest, InClusterFromServiceAccountDir) {
  Write("token", "eyJhbGciOi.token\n");
  Write("ca.crt", "-----BEGIN CERTIFICATE-----\n");
  Write("namespace", "neo4j\n");
  auto config = InClusterConfig(Env(), dir_.string());
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->api_url, "https://10.96.0.1:443");
  EXPECT_EQ(config->token_file, (dir_ / "token").string());
  EXPECT_EQ(config->ca_file, (dir_ / "ca.crt").string());
  EXPECT_EQ(config->namespace_name, "neo4j");
  EXPECT_FALSE(config->insecure_skip_verify);
}

TEST_F(KubeConfigTest, InClusterDefaultsWithoutCaAndNamespace) {
  Write("token", "t");
  env_["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  env_["KUBERNETES_SERVICE_PORT"] = "6443";
  auto config = InClusterConfig(Env(), dir_.string());
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->api_url, "https://[fd00::1]:6443");
  EXPECT_EQ(config->ca_file, "");
  EXPECT_EQ(config->namespace_name, "default");
}

TEST_F(KubeConfigTest, InClusterNeedsEnvironment) {
  Write("token", "t");
  env_.erase("KUBERNETES_SERVICE_PORT");
  auto config = InClusterConfig(Env(), dir_.string());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(config.error().message.find("KUBERNETES_SERVICE_PORT"), std::string::npos);
}

TEST_F(KubeConfigTest, InClusterNeedsToken) {
  Write("namespace", "neo4j");
  auto config = InClusterConfig(Env(), dir_.string());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(config.error().message.find("token"), std::string::npos);
}

TEST_F(KubeConfigTest, Explicit) {
  Write("token", "t");
  Write("ca.crt", "x");
  auto config = ExplicitConfig("https://api.example:6443/", (dir_ / "ca.crt").string(),
                               (dir_ / "token").string(), "");
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(config->api_url, "https://api.example:6443");
  EXPECT_EQ(config->namespace_name, "default");

  EXPECT_FALSE(ExplicitConfig("api.example:6443", "", "", "ns").ok());
  auto missing = ExplicitConfig("https://api", "", (dir_ / "nope").string(), "ns");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
}

}  // namespace
}  // namespace nca::kube
