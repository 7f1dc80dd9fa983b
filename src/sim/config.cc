#include "sim/config.h"


#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "sim/config_internal.h"

namespace nca::sim {
namespace {

using internal::Invalid;
using internal::Lower;

uint64_t Fnv1a(std::string_view s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// splitmix64: spreads an FNV hash into well-mixed words.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string Hex(uint64_t v, int digits, bool upper) {
  static const char* kLower = "0123456789abcdef";
  static const char* kUpper = "0123456789ABCDEF";
  const char* table = upper ? kUpper : kLower;
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = table[v & 0xF];
    v >>= 4;
  }
  return out;
}

bool ValidDatabaseName(std::string_view name) {
  if (name.empty() || name.size() > 63) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](unsigned char ch) {
    return std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_';
  });
}

constexpr char kDefaultTopology[] = R"(# Embedded default topology of neo4j-cluster-sim.
# The password is a demo value, not a secret. Members are placed round-robin over the zones
# (primaries first, then secondaries).
simulator:
  seed: 1
clusters:
  - name: prod-east
    version: 5.26.0
    region: us-east-1
    zones: [us-east-1a, us-east-1b, us-east-1c]
    credentials: {username: neo4j, password: demo-password-not-secret}
    members:
      - {name: prod-east-1, mode: primary}
      - {name: prod-east-2, mode: primary}
      - {name: prod-east-3, mode: primary}
      - {name: prod-east-4, mode: secondary}
      - {name: prod-east-5, mode: secondary}
  - name: legacy-44
    version: 4.4.26
    region: eu-central-1
    zones: [eu-central-1a, eu-central-1b, eu-central-1c]
    credentials: {username: neo4j, password: demo-password-not-secret}
    members:
      - {name: legacy-44-1, mode: core}
      - {name: legacy-44-2, mode: core}
      - {name: legacy-44-3, mode: core}
      - {name: legacy-44-4, mode: read_replica}
  - name: dr-west
    version: 2025.10.1
    region: us-west-2
    zones: [us-west-2a, us-west-2b, us-west-2c]
    credentials: {username: neo4j, password: demo-password-not-secret}
    members:
      - {name: dr-west-1, mode: primary}
      - {name: dr-west-2, mode: primary}
      - {name: dr-west-3, mode: primary}
      - {name: dr-west-4, mode: secondary}
)";

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  std::string s(text);
  s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); }),
          s.end());
  if (s.empty()) {
    return Invalid("empty duration");
  }
  std::size_t pos = 0;
  while (pos < s.size() && (std::isdigit(static_cast<unsigned char>(s[pos])) || s[pos] == '.')) {
    ++pos;
  }
  std::string number = s.substr(0, pos);
  std::string unit = Lower(s.substr(pos));
  if (number.empty() || std::count(number.begin(), number.end(), '.') > 1) {
    return Invalid("invalid duration \"" + std::string(text) + "\"");
  }
  double value = std::strtod(number.c_str(), nullptr);
  double seconds = 0;
  if (unit.empty() || unit == "s") {
    seconds = value;
  } else if (unit == "ms") {
    seconds = value / 1e3;
  } else if (unit == "us") {
    seconds = value / 1e6;
  } else if (unit == "m") {
    seconds = value * 60;
  } else if (unit == "h") {
    seconds = value * 3600;
  } else {
    return Invalid("invalid duration unit in \"" + std::string(text) + "\" (use us, ms, s, m, h)");
  }
  if (seconds > 365.0 * 24 * 3600) {
    return Invalid("duration \"" + std::string(text) + "\" is too long");
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

std::string FormatDuration(Duration d) {
  auto ms = std::chrono::duration_cast<Millis>(d).count();
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms) + "ms";
}

std::optional<std::pair<int, int>> ParseVersionNumbers(std::string_view version) {
  int parts[2] = {0, 0};
  std::size_t i = 0;
  for (int p = 0; p < 2; ++p) {
    std::size_t start = i;
    long v = 0;
    while (i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]))) {
      v = v * 10 + (version[i] - '0');
      if (v > 100000) {
        return std::nullopt;
      }
      ++i;
    }
    if (i == start) {
      return std::nullopt;
    }
    parts[p] = static_cast<int>(v);
    if (p == 0) {
      if (i >= version.size() || version[i] != '.') {
        return std::nullopt;
      }
      ++i;
    }
  }
  return std::make_pair(parts[0], parts[1]);
}

Result<VersionFamily> FamilyOf(std::string_view version) {
  auto v = ParseVersionNumbers(version);
  if (!v) {
    return Invalid("cannot parse Neo4j version \"" + std::string(version) + "\"");
  }
  if (v->first == 4) {
    return VersionFamily::kV4;
  }
  if (v->first == 5) {
    return VersionFamily::kV5;
  }
  if (v->first >= 2025) {
    return VersionFamily::kCalendar;
  }
  return Invalid("unsupported Neo4j version \"" + std::string(version) +
                 "\" (4.x, 5.x and calendar versions 2025.x+ are simulated)");
}

VersionFamily Family(const ClusterSpec& cluster) {
  auto f = FamilyOf(cluster.version);
  return f ? *f : VersionFamily::kV5;
}

namespace {
// Versions that have the Query API at all (5.19+), and where it is on by default (5.25+).
bool HasQueryApi(const ClusterSpec& cluster, int min_minor) {
  auto v = ParseVersionNumbers(cluster.version);
  if (!v) {
    return false;
  }
  return v->first >= 2025 || (v->first == 5 && v->second >= min_minor);
}
}  // namespace

bool QueryApiEnabled(const ClusterSpec& cluster) {
  if (cluster.query_api.has_value()) {
    return *cluster.query_api;
  }
  return HasQueryApi(cluster, 25);
}

bool EmitsDiscoveryHealthy(const ClusterSpec& cluster) {
  if (cluster.discovery_healthy.has_value()) {
    return *cluster.discovery_healthy;
  }
  return Family(cluster) == VersionFamily::kV4;
}

std::string_view MemberModeName(MemberMode mode, VersionFamily family) {
  if (family == VersionFamily::kV4) {
    return mode == MemberMode::kPrimary ? "core" : "read_replica";
  }
  return mode == MemberMode::kPrimary ? "primary" : "secondary";
}

std::string_view HealthKeyName(HealthKey key) {
  return key == HealthKey::kHealthy ? "healthy" : "isHealthy";
}

std::vector<std::string> DatabaseNames(const ClusterSpec& cluster) {
  std::vector<std::string> out = {"neo4j", "system"};
  for (const auto& d : cluster.databases) {
    if (std::find(out.begin(), out.end(), d) == out.end()) {
      out.push_back(d);
    }
  }
  return out;
}

void ResolvePlacement(ClusterSpec& cluster) {
  std::size_t next = 0;
  for (MemberMode mode : {MemberMode::kPrimary, MemberMode::kSecondary}) {
    for (auto& m : cluster.members) {
      if (m.mode == mode && m.zone.empty() && !cluster.zones.empty()) {
        m.zone = cluster.zones[next % cluster.zones.size()];
        ++next;
      }
    }
  }
  for (auto& m : cluster.members) {
    if (m.region.empty()) {
      m.region = cluster.region;
    }
  }
}

std::vector<std::string> ClusterZones(const ClusterSpec& cluster) {
  std::vector<std::string> out = cluster.zones;
  for (const auto& m : cluster.members) {
    if (!m.zone.empty() && std::find(out.begin(), out.end(), m.zone) == out.end()) {
      out.push_back(m.zone);
    }
  }
  return out;
}

Status Validate(const SimConfig& config) {
  if (config.clusters.empty()) {
    return Invalid("the topology has no clusters");
  }
  if (config.tick_interval <= Duration::zero() || config.model_step <= Duration::zero()) {
    return Invalid("tick and model step must be positive");
  }
  if (config.member_threads < 1 || config.member_threads > 128) {
    return Invalid("member_threads must be between 1 and 128");
  }
  if (config.keep_alive_timeout < std::chrono::milliseconds(0) ||
      config.keep_alive_timeout > std::chrono::minutes(10)) {
    return Invalid("keep_alive_timeout must be between 0s and 10m");
  }
  std::set<std::string> cluster_names;
  std::set<std::string> member_names;
  std::set<int> http_ports;
  std::set<std::string> server_ids;
  for (const auto& c : config.clusters) {
    if (c.name.empty()) {
      return Invalid("a cluster has no name");
    }
    if (!cluster_names.insert(c.name).second) {
      return Invalid("duplicate cluster name \"" + c.name + "\"");
    }
    auto family = FamilyOf(c.version);
    if (!family) {
      return Invalid("cluster \"" + c.name + "\": " + family.error().message);
    }
    if (c.query_api.value_or(false) && !HasQueryApi(c, 19)) {
      return Invalid("cluster \"" + c.name + "\": the Query API needs 5.19 or later");
    }
    if (c.edition != "enterprise" && c.edition != "community") {
      return Invalid("cluster \"" + c.name + "\": edition must be enterprise or community");
    }
    if (c.auth_enabled && (c.username.empty() || c.password.empty())) {
      return Invalid("cluster \"" + c.name + "\": auth is on but credentials are missing");
    }
    if (c.tx_rate < 0 || c.system_tx_rate < 0 || c.catchup_rate <= 0) {
      return Invalid("cluster \"" + c.name + "\": rates must be >= 0 (catchup_rate > 0)");
    }
    if (c.election_timeout <= Duration::zero() || c.apply_lag < Duration::zero()) {
      return Invalid("cluster \"" + c.name + "\": election_timeout must be > 0, apply_lag >= 0");
    }
    if (c.namespace_name.empty()) {
      return Invalid("cluster \"" + c.name + "\": namespace must not be empty");
    }
    std::set<std::string> zones;
    for (const auto& z : c.zones) {
      if (z.empty() || !zones.insert(z).second) {
        return Invalid("cluster \"" + c.name + "\": zones must be distinct, non-empty names");
      }
    }
    for (const auto& d : c.databases) {
      if (!ValidDatabaseName(d)) {
        return Invalid("cluster \"" + c.name + "\": invalid database name \"" + d + "\"");
      }
    }
    {
      const std::string& p = c.neo4j_metrics.prefix;
      const bool prefix_ok = !p.empty() && p.front() != '.' && p.back() != '.' &&
                             std::all_of(p.begin(), p.end(), [](unsigned char ch) {
                               return std::isalnum(ch) != 0 || ch == '_' || ch == '.' || ch == '-';
                             });
      if (!prefix_ok) {
        return Invalid("cluster \"" + c.name + "\": neo4j_metrics.prefix \"" + p +
                       "\" must be a non-empty metric name prefix (letters, digits, _ . -)");
      }
    }
    int primaries = 0;
    for (const auto& m : c.members) {
      if (m.name.empty()) {
        return Invalid("cluster \"" + c.name + "\": a member has no name");
      }
      if (!member_names.insert(m.name).second) {
        return Invalid("duplicate member name \"" + m.name + "\" (names are global)");
      }
      if (m.http_port != 0 && !http_ports.insert(m.http_port).second) {
        return Invalid("member \"" + m.name + "\": http_port " + std::to_string(m.http_port) +
                       " is used twice");
      }
      if (m.metrics_port != 0 && !http_ports.insert(m.metrics_port).second) {
        return Invalid("member \"" + m.name + "\": metrics_port " + std::to_string(m.metrics_port) +
                       " is used twice");
      }
      if (!m.server_id.empty() && !server_ids.insert(m.server_id).second) {
        return Invalid("member \"" + m.name + "\": duplicate server_id");
      }
      if (m.mode == MemberMode::kPrimary) {
        ++primaries;
      }
    }
    if (primaries == 0) {
      return Invalid("cluster \"" + c.name + "\" needs at least one primary");
    }
  }
  return OkStatus();
}

std::string_view DefaultTopologyYaml() { return kDefaultTopology; }

SimConfig DefaultTopology() {
  auto config = ParseTopologyYaml(kDefaultTopology);
  // The embedded document is covered by tests; it always parses.
  return config ? std::move(*config) : SimConfig{};
}

std::string DeterministicUuid(std::string_view seed) {
  uint64_t a = Mix(Fnv1a(seed));
  uint64_t b = Mix(a ^ Fnv1a(seed, 0x84222325cbf29ce4ULL));
  // Version 4 / variant 10 bits, so the id looks like what Neo4j generates.
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  return Hex(a >> 32, 8, false) + "-" + Hex((a >> 16) & 0xFFFF, 4, false) + "-" +
         Hex(a & 0xFFFF, 4, false) + "-" + Hex(b >> 48, 4, false) + "-" +
         Hex(b & 0xFFFFFFFFFFFFULL, 12, false);
}

std::string DeterministicHexId(std::string_view seed) {
  std::string out;
  uint64_t h = Fnv1a(seed);
  for (int i = 0; i < 4; ++i) {
    h = Mix(h + static_cast<uint64_t>(i));
    out += Hex(h, 16, true);
  }
  return out;
}

}  // namespace nca::sim
