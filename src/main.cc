// neo4j-cluster-agent: per-node agent and Prometheus exporter for Neo4j Enterprise clusters.
// Exit codes: 0 clean shutdown (or --help/--version), 1 runtime failure (e.g. the listen address
// cannot be bound), 2 bad flags or configuration (nothing was started, no port bound).
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "alerts/rules/rule_file.h"
#include "alerts/rules/test_runner.h"
#include "common/build_version.h"
#include "common/clock.h"
#include "common/logging.h"
#include "config/flags.h"

// GnuTLS initialises itself in a library constructor (random pool, CPU detection, algorithm
// tables: 0.7-1.4 MiB of RSS at 3 x 15 members, measured side by side). The agent never uses it:
// it is only loaded because Debian's libcurl links librtmp and libldap, protocols the agent
// disables (CURLOPT_PROTOCOLS_STR "http,https"); libcurl's TLS is OpenSSL. This is GnuTLS'
// documented opt-out, what its GNUTLS_SKIP_GLOBAL_INIT macro defines: a strong definition that
// replaces the library's weak one, exported from the executable (CMakeLists.txt,
// --export-dynamic-symbol) so the dynamic linker binds GnuTLS' call to it. Reference:
// gnutls_global_init(3), and the GnuTLS manual, "Initialization". Checked by the ctest
// build.gnutls_implicit_init_skipped (LD_DEBUG=bindings on the built agent).
extern "C" __attribute__((visibility("default"), used)) int _gnutls_global_init_skip(void) {
  return 1;
}

namespace {

spdlog::level::level_enum ToLevel(const std::string& level) {
  if (level == "debug") {
    return spdlog::level::debug;
  }
  if (level == "warn") {
    return spdlog::level::warn;
  }
  if (level == "error") {
    return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

// `neo4j-cluster-agent test rules FILE...` and `check rules FILE...`: promtool's subcommands of
// the same names, run with the agent's own PromQL and rule engine (same output and exit codes:
// 0 success, 1 failed tests or invalid rules, 2 usage errors... as promtool).
static std::optional<int> RunToolCommand(int argc, char** argv) {
  if (argc < 2) {
    return std::nullopt;
  }
  const std::string command = argv[1];
  if (command != "test" && command != "check") {
    return std::nullopt;
  }
  if (argc < 3 || std::string(argv[2]) != "rules") {
    std::fprintf(stderr,
                 "neo4j-cluster-agent: error: usage: neo4j-cluster-agent %s rules FILE...\n",
                 command.c_str());
    return 2;
  }
  std::vector<std::string> files(argv + 3, argv + argc);
  if (files.empty()) {
    std::fprintf(stderr, "neo4j-cluster-agent: error: %s rules needs at least one file\n",
                 command.c_str());
    return 2;
  }
  return command == "test" ? nca::alerts::rules::RunRuleTests(files, std::cout, std::cerr)
                           : nca::alerts::rules::CheckRuleFiles(files, std::cout, std::cerr);
}

int main(int argc, char** argv) {
  if (std::optional<int> rc = RunToolCommand(argc, argv)) {
    return *rc;
  }
#if defined(__GLIBC__)
  // glibc gives each thread that allocates its own arena, up to 8 per core; the agent's dozen
  // threads allocate little and rarely at once, and memory freed in one arena is not reusable by
  // another, which costs 2-3 MiB of RSS at 3 x 15 members (bench/footprint.sh). Two arenas, as
  // commonly advised for daemons; MALLOC_ARENA_MAX in the environment still decides.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    mallopt(M_ARENA_MAX, 2);
  }
#endif
  // Block the termination signals before any thread exists, so that every thread inherits the
  // mask and only the sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);  // reload the rule files
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto parsed = nca::config::ParseFlags(argc, argv, nca::config::ProcessEnvLookup());
  if (!parsed.ok()) {
    std::fprintf(stderr, "neo4j-cluster-agent: error: %s\n", parsed.error().message.c_str());
    std::fprintf(stderr, "Run 'neo4j-cluster-agent --help' for usage.\n");
    return 2;
  }
  using Action = nca::config::ParsedFlags::Action;
  if (parsed->action == Action::kHelp) {
    std::string help = nca::config::HelpText();
    if (!help.empty() && help.back() != '\n') {
      help.push_back('\n');
    }
    std::fputs(help.c_str(), stdout);
    return 0;
  }
  if (parsed->action == Action::kVersion) {
    std::printf("neo4j-cluster-agent %s (revision %s)\n", nca::kBuildVersion, nca::kBuildRevision);
    return 0;
  }

  nca::config::Config& cfg = parsed->config;
  nca::InitLogging(ToLevel(cfg.log.level),
                   cfg.log.format == "json" ? nca::LogFormat::kJson : nca::LogFormat::kLogfmt);
  auto log = nca::GetLogger("main");

  nca::RealClock clock;
  nca::agent::AgentOptions options;
  options.defaults = parsed->defaults;
  options.service_account_dir = cfg.kubernetes.service_account_dir;
  // Custom resources are configuration too: read them before anything listens.
  if (auto st = nca::agent::LoadClusterResources(cfg, parsed->defaults, options, clock,
                                                 std::chrono::seconds(30), parsed->notes);
      !st.ok()) {
    log->error("msg=\"invalid configuration\" err={}", nca::LogQuote(st.error().message));
    return 2;
  }
  for (const std::string& note : parsed->notes) {
    log->warn("msg=\"configuration note\" note={}", nca::LogQuote(note));
  }
  auto agent = nca::agent::Agent::Create(cfg, clock, options);
  if (!agent.ok()) {
    log->error("msg=\"invalid configuration\" err={}", nca::LogQuote(agent.error().message));
    return 2;
  }
  log->info("msg=\"starting neo4j-cluster-agent\" version={} revision={} clusters={}",
            nca::kBuildVersion, nca::kBuildRevision, cfg.clusters.size());
  if (auto st = (*agent)->Start(); !st.ok()) {
    log->error("msg=\"cannot start\" err={}", nca::LogQuote(st.error().message));
    return 1;
  }

  int sig = 0;
  while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP) {
    log->info("msg=\"SIGHUP: reloading the rule files\"");
    (void)(*agent)->ReloadRules();  // logs the outcome
  }
  log->info("msg=\"shutting down\" signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*agent)->Stop();
  log->info("msg=\"stopped\"");
  return 0;
}
