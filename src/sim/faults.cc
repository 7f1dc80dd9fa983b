#include "sim/faults.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace nca::sim {
namespace {

using json = nlohmann::json;

Error Invalid(std::string message) {
  return MakeError(ErrorKind::kInvalidArgument, std::move(message));
}

struct KindInfo {
  FaultKind kind;
  std::string_view name;
};

constexpr KindInfo kKinds[] = {
    {FaultKind::kStopMember, "stop_member"},
    {FaultKind::kRestartMember, "restart_member"},
    {FaultKind::kHangMember, "hang_member"},
    {FaultKind::kUnhangMember, "unhang_member"},
    {FaultKind::kPartition, "partition"},
    {FaultKind::kHeal, "heal"},
    {FaultKind::kSlowMember, "slow_member"},
    {FaultKind::kUnslowMember, "unslow_member"},
    {FaultKind::kStallReplication, "stall_replication"},
    {FaultKind::kResumeReplication, "resume_replication"},
    {FaultKind::kForceLeaderChange, "force_leader_change"},
    {FaultKind::kAnswerMode, "answer_mode"},
    {FaultKind::kSetDatabaseState, "set_database_state"},
    {FaultKind::kReset, "reset"},
    {FaultKind::kLinkSlow, "link_slow"},
    {FaultKind::kLinkCut, "link_cut"},
    {FaultKind::kLinkHeal, "link_heal"},
    {FaultKind::kZoneDown, "zone_down"},
    {FaultKind::kZoneUp, "zone_up"},
    {FaultKind::kRegionDown, "region_down"},
    {FaultKind::kRegionUp, "region_up"},
    {FaultKind::kRescheduleMember, "reschedule_member"},
    {FaultKind::kMetricsFault, "metrics_fault"},
    {FaultKind::kKubeApiDown, "kube_api_down"},
    {FaultKind::kKubeApiUp, "kube_api_up"},
    {FaultKind::kKubeToken, "kube_token"},
};

Result<std::string> StringField(const json& j, const char* key) {
  const json& v = j.at(key);
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_number()) {
    return v.dump();
  }
  return Invalid(std::string("\"") + key + "\" must be a string");
}

Result<double> NumberField(const json& j, const char* key) {
  const json& v = j.at(key);
  if (v.is_number()) {
    return v.get<double>();
  }
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end != nullptr && *end == '\0' && std::isfinite(d)) {
      return d;
    }
  }
  return Invalid(std::string("\"") + key + "\" must be a number");
}

Result<bool> BoolField(const json& j, const char* key) {
  const json& v = j.at(key);
  if (v.is_boolean()) {
    return v.get<bool>();
  }
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "true" || s == "yes" || s == "on") {
      return true;
    }
    if (s == "false" || s == "no" || s == "off") {
      return false;
    }
  }
  return Invalid(std::string("\"") + key + "\" must be true or false");
}

Result<Duration> DurationField(const json& j, const char* key) {
  const json& v = j.at(key);
  if (v.is_number()) {
    double s = v.get<double>();
    if (!std::isfinite(s) || s < 0 || s > 365.0 * 24 * 3600) {
      return Invalid(std::string("\"") + key + "\" is out of range");
    }
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
  }
  if (v.is_string()) {
    auto d = ParseDuration(v.get<std::string>());
    if (!d) {
      return Invalid(std::string("\"") + key + "\": " + d.error().message);
    }
    return *d;
  }
  return Invalid(std::string("\"") + key + "\" must be a duration such as \"500ms\"");
}

// Converts a YAML node into JSON; scalars stay strings (the fault parser accepts numeric strings).
json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : node) {
        arr.push_back(YamlToJson(item));
      }
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) {
        obj[kv.first.as<std::string>()] = YamlToJson(kv.second);
      }
      return obj;
    }
    case YAML::NodeType::Scalar:
      return node.as<std::string>();
    default:
      return nullptr;
  }
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) {
      return k.name;
    }
  }
  return "unknown";
}

std::string_view AnswerModeName(AnswerMode mode) {
  switch (mode) {
    case AnswerMode::kOk:
      return "ok";
    case AnswerMode::kHttp500:
      return "http500";
    case AnswerMode::kHttp401:
      return "http401";
    case AnswerMode::kHttp503:
      return "http503";
    case AnswerMode::kMalformedJson:
      return "malformed_json";
    case AnswerMode::kOversized:
      return "oversized";
    case AnswerMode::kHttp429:
      return "http429";
    case AnswerMode::kTruncated:
      return "truncated";
  }
  return "ok";
}

Result<AnswerMode> ParseAnswerMode(std::string_view name) {
  for (AnswerMode m : {AnswerMode::kOk, AnswerMode::kHttp500, AnswerMode::kHttp401,
                       AnswerMode::kHttp503, AnswerMode::kMalformedJson, AnswerMode::kOversized,
                       AnswerMode::kHttp429, AnswerMode::kTruncated}) {
    if (AnswerModeName(m) == name) {
      return m;
    }
  }
  return Invalid(
      "unknown answer mode \"" + std::string(name) +
      "\" (ok, http500, http401, http429, http503, malformed_json, truncated, oversized)");
}

std::string_view DbStateName(DbState state) {
  switch (state) {
    case DbState::kOnline:
      return "online";
    case DbState::kStopped:
      return "stopped";
    case DbState::kInitial:
      return "initial";
    case DbState::kDirty:
      return "dirty";
    case DbState::kQuarantined:
      return "quarantined";
    case DbState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Result<DbState> ParseDbState(std::string_view name) {
  if (name == "offline") {
    return DbState::kStopped;
  }
  for (DbState s : {DbState::kOnline, DbState::kStopped, DbState::kInitial, DbState::kDirty,
                    DbState::kQuarantined, DbState::kUnknown}) {
    if (DbStateName(s) == name) {
      return s;
    }
  }
  return Invalid("unknown database state \"" + std::string(name) +
                 "\" (online, stopped, initial, dirty, quarantined, unknown)");
}

std::string_view MetricsModeName(MetricsMode mode) {
  switch (mode) {
    case MetricsMode::kOk:
      return "ok";
    case MetricsMode::kDisabled:
      return "disabled";
    case MetricsMode::kHang:
      return "hang";
    case MetricsMode::kSlow:
      return "slow";
    case MetricsMode::kHuge:
      return "huge";
    case MetricsMode::kHtml:
      return "html";
    case MetricsMode::kStatus500:
      return "status_500";
    case MetricsMode::kGarbage:
      return "garbage";
  }
  return "ok";
}

Result<MetricsMode> ParseMetricsMode(std::string_view name) {
  for (MetricsMode m :
       {MetricsMode::kOk, MetricsMode::kDisabled, MetricsMode::kHang, MetricsMode::kSlow,
        MetricsMode::kHuge, MetricsMode::kHtml, MetricsMode::kStatus500, MetricsMode::kGarbage}) {
    if (MetricsModeName(m) == name) {
      return m;
    }
  }
  return Invalid("unknown metrics mode \"" + std::string(name) +
                 "\" (ok, disabled, hang, slow, huge, html, status_500, garbage)");
}

Result<FaultAction> ParseFaultAction(const json& j) {
  if (!j.is_object()) {
    return Invalid("a fault action must be a JSON object");
  }
  if (!j.contains("action") || !j.at("action").is_string()) {
    return Invalid("a fault action needs \"action\"");
  }
  std::string name = j.at("action").get<std::string>();
  FaultAction a;
  std::set<std::string> allowed = {"action", "note"};
  bool found = false;
  if (name == "start_member") {
    name = "restart_member";
  }
  if (name == "stop_database" || name == "start_database") {
    a.kind = FaultKind::kSetDatabaseState;
    a.state = name == "stop_database" ? DbState::kStopped : DbState::kOnline;
    found = true;
  }
  for (const auto& k : kKinds) {
    if (k.name == name) {
      a.kind = k.kind;
      found = true;
    }
  }
  if (!found) {
    return Invalid("unknown action \"" + name + "\"");
  }
  auto require = [&](const char* key) -> Status {
    allowed.insert(key);
    if (!j.contains(key)) {
      return Invalid("action \"" + name + "\" needs \"" + key + "\"");
    }
    return OkStatus();
  };
  auto optional = [&](const char* key) {
    allowed.insert(key);
    return j.contains(key);
  };
  auto get_string = [&](const char* key, std::string* out) -> Status {
    auto s = StringField(j, key);
    if (!s) {
      return s.error();
    }
    *out = *s;
    return OkStatus();
  };
  auto required_string = [&](const char* key, std::string* out) -> Status {
    if (Status st = require(key); !st.ok()) {
      return st;
    }
    return get_string(key, out);
  };
  // A required "delay" duration, as whole milliseconds.
  auto required_delay = [&](Millis* out) -> Status {
    if (Status st = require("delay"); !st.ok()) {
      return st;
    }
    auto d = DurationField(j, "delay");
    if (!d) {
      return d.error();
    }
    *out = std::chrono::duration_cast<Millis>(*d);
    return OkStatus();
  };

  switch (a.kind) {
    case FaultKind::kStopMember:
    case FaultKind::kRestartMember:
    case FaultKind::kHangMember:
    case FaultKind::kUnhangMember:
    case FaultKind::kUnslowMember:
    case FaultKind::kStallReplication:
    case FaultKind::kResumeReplication: {
      if (auto s = required_string("member", &a.member); !s) {
        return s.error();
      }
      break;
    }
    case FaultKind::kSlowMember: {
      if (auto s = required_string("member", &a.member); !s) {
        return s.error();
      }
      if (auto s = required_delay(&a.delay); !s) {
        return s.error();
      }
      break;
    }
    case FaultKind::kPartition: {
      if (auto s = require("groups"); !s) {
        return s.error();
      }
      const json& groups = j.at("groups");
      if (!groups.is_array() || groups.empty()) {
        return Invalid("\"groups\" must be a non-empty list of lists of member names");
      }
      std::set<std::string> seen;
      for (const json& g : groups) {
        if (!g.is_array()) {
          return Invalid("\"groups\" must be a list of lists of member names");
        }
        std::vector<std::string> group;
        for (const json& m : g) {
          if (!m.is_string()) {
            return Invalid("member names in \"groups\" must be strings");
          }
          if (!seen.insert(m.get<std::string>()).second) {
            return Invalid("member \"" + m.get<std::string>() + "\" is in two groups");
          }
          group.push_back(m.get<std::string>());
        }
        a.groups.push_back(std::move(group));
      }
      break;
    }
    case FaultKind::kHeal:
      if (optional("cluster")) {
        if (auto s = get_string("cluster", &a.cluster); !s) {
          return s.error();
        }
      }
      break;
    case FaultKind::kForceLeaderChange:
      if (optional("cluster")) {
        if (auto s = get_string("cluster", &a.cluster); !s) {
          return s.error();
        }
      }
      if (optional("database")) {
        if (auto s = get_string("database", &a.database); !s) {
          return s.error();
        }
      }
      if (optional("to")) {
        if (auto s = get_string("to", &a.to); !s) {
          return s.error();
        }
      }
      if (a.cluster.empty() && a.to.empty()) {
        return Invalid("force_leader_change needs \"cluster\" (or \"to\")");
      }
      break;
    case FaultKind::kAnswerMode: {
      if (auto s = required_string("member", &a.member); !s) {
        return s.error();
      }
      if (auto s = require("mode"); !s) {
        return s.error();
      }
      std::string mode;
      if (auto s = get_string("mode", &mode); !s) {
        return s.error();
      }
      auto m = ParseAnswerMode(mode);
      if (!m) {
        return m.error();
      }
      a.mode = *m;
      if (optional("size_mib")) {
        auto n = NumberField(j, "size_mib");
        if (!n) {
          return n.error();
        }
        if (*n <= 0 || *n > 1024) {
          return Invalid("\"size_mib\" must be in (0, 1024]");
        }
        a.size_bytes = static_cast<std::size_t>(*n * 1024 * 1024);
      }
      if (optional("path_prefix")) {
        if (auto s = get_string("path_prefix", &a.path_prefix); !s) {
          return s.error();
        }
      }
      break;
    }
    case FaultKind::kMetricsFault: {
      if (auto s = required_string("member", &a.member); !s) {
        return s.error();
      }
      if (auto s = require("mode"); !s) {
        return s.error();
      }
      std::string mode;
      if (auto s = get_string("mode", &mode); !s) {
        return s.error();
      }
      auto m = ParseMetricsMode(mode);
      if (!m) {
        return m.error();
      }
      a.metrics_mode = *m;
      a.size_bytes = kDefaultMetricsHugeBytes;
      if (a.metrics_mode == MetricsMode::kSlow) {
        if (auto s = required_delay(&a.delay); !s) {
          return s.error();
        }
      }
      if (a.metrics_mode == MetricsMode::kHuge && optional("size_mib")) {
        auto n = NumberField(j, "size_mib");
        if (!n) {
          return n.error();
        }
        if (*n <= 0 || *n > 1024) {
          return Invalid("\"size_mib\" must be in (0, 1024]");
        }
        a.size_bytes = static_cast<std::size_t>(*n * 1024 * 1024);
      }
      break;
    }
    case FaultKind::kSetDatabaseState: {
      bool has_cluster = optional("cluster");
      bool has_member = optional("member");
      if (!has_cluster && !has_member) {
        return Invalid("action \"" + name + "\" needs \"cluster\" or \"member\"");
      }
      if (has_cluster) {
        if (auto s = get_string("cluster", &a.cluster); !s) {
          return s.error();
        }
      }
      if (has_member) {
        if (auto s = get_string("member", &a.member); !s) {
          return s.error();
        }
      }
      if (auto s = required_string("database", &a.database); !s) {
        return s.error();
      }
      if (name == "set_database_state") {
        if (auto s = require("state"); !s) {
          return s.error();
        }
        std::string state;
        if (auto s = get_string("state", &state); !s) {
          return s.error();
        }
        auto st = ParseDbState(state);
        if (!st) {
          return st.error();
        }
        a.state = *st;
      }
      break;
    }
    case FaultKind::kReset:
      break;
    case FaultKind::kLinkSlow:
    case FaultKind::kLinkCut:
    case FaultKind::kLinkHeal: {
      const bool heal = a.kind == FaultKind::kLinkHeal;
      for (const char* key : {"from", "to"}) {
        if (heal) {
          if (!optional(key)) {
            continue;
          }
        } else if (auto s = require(key); !s) {
          return s.error();
        }
        if (auto s = get_string(key, std::string_view(key) == "from" ? &a.from : &a.to); !s) {
          return s.error();
        }
      }
      if (!a.from.empty() && a.from == a.to) {
        return Invalid("action \"" + name + "\": \"from\" and \"to\" must be different clusters");
      }
      if (optional("one_way")) {
        auto b = BoolField(j, "one_way");
        if (!b) {
          return b.error();
        }
        a.one_way = *b;
      }
      if (a.kind == FaultKind::kLinkSlow) {
        if (auto s = required_delay(&a.delay); !s) {
          return s.error();
        }
      }
      break;
    }
    case FaultKind::kZoneDown:
    case FaultKind::kZoneUp: {
      const bool has_zone = optional("zone");
      const bool has_zones = optional("zones");
      if (has_zone == has_zones) {
        return Invalid("action \"" + name + "\" needs either \"zone\" or \"zones\"");
      }
      if (has_zone) {
        std::string zone;
        if (auto s = get_string("zone", &zone); !s) {
          return s.error();
        }
        a.zones.push_back(zone);
      } else {
        const json& zones = j.at("zones");
        if (!zones.is_array() || zones.empty()) {
          return Invalid("\"zones\" must be a non-empty list of zone names");
        }
        for (const json& z : zones) {
          if (!z.is_string()) {
            return Invalid("zone names in \"zones\" must be strings");
          }
          a.zones.push_back(z.get<std::string>());
        }
      }
      for (const auto& z : a.zones) {
        if (z.empty()) {
          return Invalid("action \"" + name + "\": empty zone name");
        }
      }
      if (optional("cluster")) {
        if (auto s = get_string("cluster", &a.cluster); !s) {
          return s.error();
        }
      }
      break;
    }
    case FaultKind::kRegionDown:
    case FaultKind::kRegionUp:
      if (auto s = required_string("region", &a.region); !s) {
        return s.error();
      }
      if (a.region.empty()) {
        return Invalid("action \"" + name + "\": empty region name");
      }
      break;
    case FaultKind::kRescheduleMember:
      if (auto s = required_string("member", &a.member); !s) {
        return s.error();
      }
      if (auto s = required_string("zone", &a.zone); !s) {
        return s.error();
      }
      if (a.zone.empty()) {
        return Invalid("action \"" + name + "\": empty zone name");
      }
      break;
    case FaultKind::kKubeApiDown:
    case FaultKind::kKubeApiUp:
      break;
    case FaultKind::kKubeToken:
      if (auto s = required_string("token", &a.token); !s) {
        return s.error();
      }
      break;
  }
  for (const auto& [key, value] : j.items()) {
    if (allowed.count(key) == 0) {
      return Invalid("unknown key \"" + key + "\" for action \"" + name + "\"");
    }
  }
  return a;
}

json FaultActionToJson(const FaultAction& a) {
  json j = json::object();
  j["action"] = std::string(FaultKindName(a.kind));
  switch (a.kind) {
    case FaultKind::kStopMember:
    case FaultKind::kRestartMember:
    case FaultKind::kHangMember:
    case FaultKind::kUnhangMember:
    case FaultKind::kUnslowMember:
    case FaultKind::kStallReplication:
    case FaultKind::kResumeReplication:
      j["member"] = a.member;
      break;
    case FaultKind::kSlowMember:
      j["member"] = a.member;
      j["delay"] = std::to_string(a.delay.count()) + "ms";
      break;
    case FaultKind::kPartition:
      j["groups"] = a.groups;
      break;
    case FaultKind::kHeal:
      if (!a.cluster.empty()) {
        j["cluster"] = a.cluster;
      }
      break;
    case FaultKind::kForceLeaderChange:
      if (!a.cluster.empty()) {
        j["cluster"] = a.cluster;
      }
      if (!a.database.empty()) {
        j["database"] = a.database;
      }
      if (!a.to.empty()) {
        j["to"] = a.to;
      }
      break;
    case FaultKind::kAnswerMode:
      j["member"] = a.member;
      j["mode"] = std::string(AnswerModeName(a.mode));
      if (a.mode == AnswerMode::kOversized) {
        j["size_mib"] = static_cast<double>(a.size_bytes) / (1024.0 * 1024.0);
      }
      if (!a.path_prefix.empty()) {
        j["path_prefix"] = a.path_prefix;
      }
      break;
    case FaultKind::kMetricsFault:
      j["member"] = a.member;
      j["mode"] = std::string(MetricsModeName(a.metrics_mode));
      if (a.metrics_mode == MetricsMode::kSlow) {
        j["delay"] = std::to_string(a.delay.count()) + "ms";
      }
      if (a.metrics_mode == MetricsMode::kHuge) {
        j["size_mib"] = static_cast<double>(a.size_bytes) / (1024.0 * 1024.0);
      }
      break;
    case FaultKind::kSetDatabaseState:
      if (!a.cluster.empty()) {
        j["cluster"] = a.cluster;
      }
      if (!a.member.empty()) {
        j["member"] = a.member;
      }
      j["database"] = a.database;
      j["state"] = std::string(DbStateName(a.state));
      break;
    case FaultKind::kReset:
      break;
    case FaultKind::kLinkSlow:
    case FaultKind::kLinkCut:
    case FaultKind::kLinkHeal:
      if (!a.from.empty()) {
        j["from"] = a.from;
      }
      if (!a.to.empty()) {
        j["to"] = a.to;
      }
      if (a.kind == FaultKind::kLinkSlow) {
        j["delay"] = std::to_string(a.delay.count()) + "ms";
      }
      if (a.one_way) {
        j["one_way"] = true;
      }
      break;
    case FaultKind::kZoneDown:
    case FaultKind::kZoneUp:
      j["zones"] = a.zones;
      if (!a.cluster.empty()) {
        j["cluster"] = a.cluster;
      }
      break;
    case FaultKind::kRegionDown:
    case FaultKind::kRegionUp:
      j["region"] = a.region;
      break;
    case FaultKind::kRescheduleMember:
      j["member"] = a.member;
      j["zone"] = a.zone;
      break;
    case FaultKind::kKubeApiDown:
    case FaultKind::kKubeApiUp:
      break;
    case FaultKind::kKubeToken:
      j["token"] = a.token;
      break;
  }
  return j;
}

Result<Scenario> ParseScenarioYaml(std::string_view yaml) {
  Scenario scenario;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    YAML::Node events;
    if (root.IsSequence()) {
      events = root;
    } else if (root.IsMap()) {
      for (const auto& kv : root) {
        auto key = kv.first.as<std::string>();
        if (key != "events" && key != "repeat_every") {
          return Invalid("unknown key \"" + key + "\" in scenario (events, repeat_every)");
        }
      }
      events = root["events"];
      if (root["repeat_every"]) {
        auto d = ParseDuration(root["repeat_every"].as<std::string>());
        if (!d) {
          return Invalid("scenario repeat_every: " + d.error().message);
        }
        scenario.repeat_every = *d;
      }
    } else if (!root.IsNull()) {
      return Invalid("a scenario must be a mapping with \"events\" or a list of events");
    }
    if (events && !events.IsNull()) {
      if (!events.IsSequence()) {
        return Invalid("scenario \"events\" must be a list");
      }
      for (std::size_t i = 0; i < events.size(); ++i) {
        const YAML::Node ev = events[i];
        const std::string where = "scenario event " + std::to_string(i + 1);
        if (!ev.IsMap() || !ev["at"]) {
          return Invalid(where + " needs \"at\" (e.g. at: 10s)");
        }
        auto at = ParseDuration(ev["at"].as<std::string>());
        if (!at) {
          return Invalid(where + ": " + at.error().message);
        }
        json j = YamlToJson(ev);
        j.erase("at");
        auto action = ParseFaultAction(j);
        if (!action) {
          return Invalid(where + ": " + action.error().message);
        }
        scenario.events.push_back({*at, std::move(*action)});
      }
    }
  } catch (const YAML::Exception& e) {
    return Invalid(std::string("invalid scenario YAML: ") + e.what());
  }
  std::stable_sort(scenario.events.begin(), scenario.events.end(),
                   [](const ScenarioEvent& a, const ScenarioEvent& b) { return a.at < b.at; });
  if (scenario.repeat_every) {
    if (*scenario.repeat_every <= Duration::zero() ||
        (!scenario.events.empty() && scenario.events.back().at >= *scenario.repeat_every)) {
      return Invalid("scenario repeat_every must be longer than the last event's \"at\"");
    }
  }
  return scenario;
}

Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Invalid("cannot read scenario file \"" + path + "\"");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ParseScenarioYaml(ss.str());
  if (!s) {
    return Invalid(path + ": " + s.error().message);
  }
  return s;
}

}  // namespace nca::sim
