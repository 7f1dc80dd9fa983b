#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

TEST(SmokeTest, AgentPrintsVersion) {
  std::string cmd = std::string(NCA_AGENT_BIN) + " --version > /dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}
