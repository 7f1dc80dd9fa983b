#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("neo4j-cluster-agent %s (revision %s)\n", NCA_VERSION, NCA_REVISION);
    return 0;
  }
  return 0;
}
