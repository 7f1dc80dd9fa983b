#include "sim/cypher.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace nca::sim {
namespace {

using ojson = nlohmann::ordered_json;

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool AtLeast(const SimCluster& c, int major, int minor) {
  auto v = ParseVersionNumbers(c.spec.version);
  return v && (v->first > major || (v->first == major && v->second >= minor));
}

std::string Address(const SimMember& m) { return "127.0.0.1:" + std::to_string(m.bolt_port); }

// What member `a` knows about member `m`: itself, or a member it reaches over the network.
bool Visible(const Model& model, MemberIndex a, int m) {
  return a.member == m || model.Reaches(a.cluster, a.member, m);
}

std::string CurrentStatus(DbState s, VersionFamily family) {
  switch (s) {
    case DbState::kOnline:
      return "online";
    case DbState::kStopped:
      return "offline";
    case DbState::kInitial:
      return "initial";
    case DbState::kDirty:
      return "dirty";
    case DbState::kQuarantined:
      return family == VersionFamily::kV4 ? "dirty" : "quarantined";
    case DbState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string StatusMessage(DbState s) {
  switch (s) {
    case DbState::kDirty:
      return "An error occurred! Unable to start the database (simulated store failure).";
    case DbState::kQuarantined:
      return "Quarantined: database was quarantined (simulated).";
    default:
      return "";
  }
}

// Role column: 4.x leader/follower/read_replica, 5.x primary/secondary; "unknown" offline.
std::string RoleColumn(RaftRole role, VersionFamily family) {
  if (family == VersionFamily::kV4) {
    switch (role) {
      case RaftRole::kLeader:
        return "leader";
      case RaftRole::kFollower:
      case RaftRole::kCandidate:
        return "follower";
      case RaftRole::kSecondary:
        return "read_replica";
    }
  }
  return role == RaftRole::kSecondary ? "secondary" : "primary";
}

// Procedure role (4.x dbms.cluster.role / overview databases map).
std::string ProcedureRole(RaftRole role) {
  switch (role) {
    case RaftRole::kLeader:
      return "LEADER";
    case RaftRole::kFollower:
    case RaftRole::kCandidate:
      return "FOLLOWER";
    case RaftRole::kSecondary:
      return "READ_REPLICA";
  }
  return "UNKNOWN";
}

Table Project(const std::vector<ojson>& objects, const std::vector<std::string>& columns) {
  Table t;
  t.columns = columns;
  for (const auto& o : objects) {
    std::vector<ojson> row;
    row.reserve(columns.size());
    for (const auto& col : columns) {
      row.push_back(o.contains(col) ? o.at(col) : ojson(nullptr));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<std::string> AllColumns(const std::vector<ojson>& objects) {
  std::vector<std::string> cols;
  if (!objects.empty()) {
    for (const auto& [k, v] : objects.front().items()) {
      cols.push_back(k);
    }
  }
  return cols;
}

std::vector<ojson> DatabaseRows(const Model& model, MemberIndex a, SystemTime created) {
  const SimCluster& c = model.cluster(a.cluster);
  const VersionFamily family = c.family;
  const bool v4 = family == VersionFamily::kV4;
  const bool default_language = family == VersionFamily::kCalendar && AtLeast(c, 2025, 6);
  const bool shards = family == VersionFamily::kCalendar && AtLeast(c, 2025, 12);
  const std::string created_s = FormatIsoTime(created);
  int requested_primaries = 0;
  int requested_secondaries = 0;
  for (const auto& m : c.members) {
    (m.spec.mode == MemberMode::kPrimary ? requested_primaries : requested_secondaries)++;
  }
  std::vector<ojson> rows;
  for (std::size_t di = 0; di < c.dbs.size(); ++di) {
    const SimDatabase& d = c.dbs[di];
    const int dbi = static_cast<int>(di);
    // Counts and the most up-to-date copy, as this member sees them.
    int current_primaries = 0;
    int current_secondaries = 0;
    int64_t best = INT64_MIN;
    for (std::size_t m = 0; m < c.members.size(); ++m) {
      const int mi = static_cast<int>(m);
      if (!Visible(model, a, mi) || c.members[m].dbs[di].state != DbState::kOnline) {
        continue;
      }
      (c.members[m].spec.mode == MemberMode::kPrimary ? current_primaries : current_secondaries)++;
      best = std::max(best, c.members[m].dbs[di].applied);
    }
    for (std::size_t m = 0; m < c.members.size(); ++m) {
      const SimMember& mem = c.members[m];
      const int mi = static_cast<int>(m);
      const bool visible = Visible(model, a, mi);
      const MemberDbView v = model.View(a.cluster, mi, dbi);
      const bool online = visible && v.state == DbState::kOnline;
      ojson row = ojson::object();
      row["name"] = d.name;
      if (!v4) {
        row["type"] = d.name == "system" ? "system" : "standard";
      }
      row["aliases"] = ojson::array();
      row["access"] = "read-write";
      row["databaseID"] = online ? ojson(d.database_id) : ojson(nullptr);
      row["serverID"] = mem.server_id;
      row["address"] = visible ? ojson(Address(mem)) : ojson(nullptr);
      row["role"] = online ? ojson(RoleColumn(v.role, family)) : ojson("unknown");
      if (!v4) {
        row["writer"] = online && v.role == RaftRole::kLeader;
      }
      row["requestedStatus"] = visible && v.state == DbState::kStopped ? "offline" : "online";
      row["currentStatus"] = visible ? CurrentStatus(v.state, family) : "unknown";
      row[v4 ? "error" : "statusMessage"] =
          visible ? StatusMessage(v.state) : std::string("Server is unavailable");
      row["default"] = d.name == "neo4j";
      row["home"] = d.name == "neo4j";
      if (!v4) {
        row["currentPrimariesCount"] = current_primaries;
        row["currentSecondariesCount"] = current_secondaries;
        if (shards) {
          row["currentPropertyShardReplicas"] = 0;
        }
        row["requestedPrimariesCount"] = requested_primaries;
        row["requestedSecondariesCount"] = requested_secondaries;
        if (shards) {
          row["requestedPropertyShardReplicas"] = 0;
        }
        row["creationTime"] = created_s;
        row["lastStartTime"] = created_s;
        row["lastStopTime"] = nullptr;
        row["store"] =
            family == VersionFamily::kCalendar ? "block-block-1.1" : "record-aligned-1.1";
      }
      row["lastCommittedTxn"] = online ? ojson(v.applied) : ojson(nullptr);
      row["replicationLag"] = online ? ojson(v.applied - best) : ojson(nullptr);
      if (!v4) {
        if (shards) {
          row["shardTxnLag"] = nullptr;
        }
        row["constituents"] = ojson::array();
        if (shards) {
          row["graphShards"] = ojson::array({d.name});
          row["propertyShards"] = ojson::array();
        }
        if (default_language) {
          row["defaultLanguage"] = "CYPHER 5";
        }
        row["options"] = ojson::object();
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::vector<ojson> ServerRows(const Model& model, MemberIndex a) {
  const SimCluster& c = model.cluster(a.cluster);
  std::vector<std::string> all;
  all.push_back("system");
  std::vector<std::string> others;
  for (const auto& d : c.dbs) {
    if (d.name != "system") {
      others.push_back(d.name);
    }
  }
  std::sort(others.begin(), others.end());
  all.insert(all.end(), others.begin(), others.end());
  std::vector<ojson> rows;
  for (std::size_t m = 0; m < c.members.size(); ++m) {
    const SimMember& mem = c.members[m];
    const bool visible = Visible(model, a, static_cast<int>(m));
    ojson hosting = ojson::array();
    if (visible) {
      for (const auto& name : all) {
        auto di = model.FindDatabase(a.cluster, name);
        if (di && mem.dbs[static_cast<std::size_t>(*di)].state == DbState::kOnline) {
          hosting.push_back(name);
        }
      }
    }
    ojson row = ojson::object();
    row["serverId"] = mem.server_id;
    row["name"] = mem.spec.name;
    row["address"] = Address(mem);
    row["httpAddress"] = "127.0.0.1:" + std::to_string(mem.http_port);
    row["httpsAddress"] = nullptr;
    row["state"] = "Enabled";
    row["health"] = visible ? "Available" : "Unavailable";
    row["hosting"] = hosting;
    row["requestedHosting"] = all;
    row["tags"] = ServerTags(mem);
    row["allowedDatabases"] = ojson::array();
    row["deniedDatabases"] = ojson::array();
    row["modeConstraint"] = "NONE";
    row["version"] = c.spec.version;
    rows.push_back(std::move(row));
  }
  return rows;
}

Table OverviewTable(const Model& model, MemberIndex a) {
  const SimCluster& c = model.cluster(a.cluster);
  Table t;
  t.columns = {"id", "addresses", "groups", "databases"};
  for (std::size_t m = 0; m < c.members.size(); ++m) {
    const int mi = static_cast<int>(m);
    if (!Visible(model, a, mi)) {
      continue;  // discovery forgets unreachable members
    }
    const SimMember& mem = c.members[m];
    ojson dbs = ojson::object();
    for (std::size_t di = 0; di < c.dbs.size(); ++di) {
      const MemberDbView v = model.View(a.cluster, mi, static_cast<int>(di));
      if (v.state == DbState::kOnline) {
        dbs[c.dbs[di].name] = ProcedureRole(v.role);
      }
    }
    t.rows.push_back({ojson(mem.server_id),
                      ojson::array({"bolt://127.0.0.1:" + std::to_string(mem.bolt_port),
                                    "http://127.0.0.1:" + std::to_string(mem.http_port)}),
                      ojson(ServerTags(mem)), dbs});
  }
  return t;
}

CypherError ProcedureNotFound(std::string_view name) {
  return {"Neo.ClientError.Procedure.ProcedureNotFound",
          "There is no procedure with the name `" + std::string(name) +
              "` registered for this database instance. Please ensure you've spelled the "
              "procedure name correctly and that the procedure is properly deployed."};
}

}  // namespace

std::string FormatIsoTime(SystemTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string NormaliseStatement(std::string_view text, bool upper) {
  std::string collapsed;
  bool space = false;
  char quote = 0;
  for (char ch : text) {
    if (quote != 0) {
      collapsed.push_back(ch);
      if (ch == quote) {
        quote = 0;
      }
      continue;
    }
    if (ch == '\'' || ch == '"' || ch == '`') {
      quote = ch;
    }
    if (std::isspace(static_cast<unsigned char>(ch))) {
      space = true;
      continue;
    }
    if (space && !collapsed.empty()) {
      collapsed.push_back(' ');
    }
    space = false;
    collapsed.push_back(
        upper && quote == 0 ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch);
  }
  while (!collapsed.empty() && (collapsed.back() == ';' || collapsed.back() == ' ')) {
    collapsed.pop_back();
  }
  // Drop spaces around ( ) , outside quotes.
  std::string out;
  quote = 0;
  for (std::size_t i = 0; i < collapsed.size(); ++i) {
    char ch = collapsed[i];
    if (quote != 0) {
      out.push_back(ch);
      if (ch == quote) {
        quote = 0;
      }
      continue;
    }
    if (ch == '\'' || ch == '"' || ch == '`') {
      quote = ch;
    }
    if (ch == ' ') {
      char prev = out.empty() ? '\0' : out.back();
      char next = i + 1 < collapsed.size() ? collapsed[i + 1] : '\0';
      if (prev == '(' || prev == ',' || next == '(' || next == ')' || next == ',') {
        continue;
      }
    }
    out.push_back(ch);
  }
  return out;
}

namespace {

// `arg` (case preserved) as a parameter reference ($name) or a quoted string literal into `st`;
// false when it is neither, or when anything follows it (`$a AND name = 'x'`: a statement the
// agent never sends, not a parameter named "a AND ...").
bool TakeArgument(std::string_view arg, Statement& st) {
  if (arg.size() >= 2 && arg[0] == '$') {
    const std::string_view name = arg.substr(1);
    if (!std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; })) {
      return false;
    }
    st.argument_is_parameter = true;
    st.argument = std::string(name);
    return true;
  }
  if (arg.size() >= 2 && (arg.front() == '\'' || arg.front() == '"') && arg.back() == arg.front() &&
      arg.find(arg.front(), 1) == arg.size() - 1) {
    st.argument = std::string(arg.substr(1, arg.size() - 2));
    return true;
  }
  return false;
}

}  // namespace

Statement ClassifyStatement(std::string_view text) {
  Statement st;
  const std::string u = NormaliseStatement(text, true);
  static constexpr std::string_view kAtAddress = "SHOW DATABASES YIELD * WHERE ADDRESS";
  if (std::string_view(u).substr(0, kAtAddress.size()) == kAtAddress) {
    // "= arg" with or without spaces; the argument from the case-preserving form (same offsets).
    std::size_t i = kAtAddress.size();
    i += i < u.size() && u[i] == ' ' ? 1 : 0;
    if (i < u.size() && u[i] == '=') {
      ++i;
      i += i < u.size() && u[i] == ' ' ? 1 : 0;
      const std::string keep = NormaliseStatement(text, false);
      if (TakeArgument(std::string_view(keep).substr(i), st)) {
        st.kind = StatementKind::kShowDatabasesAtAddress;
      }
    }
  } else if (u == "SHOW DATABASES YIELD *") {
    st.kind = StatementKind::kShowDatabasesYieldStar;
  } else if (u == "SHOW DATABASES") {
    st.kind = StatementKind::kShowDatabases;
  } else if (u == "SHOW SERVERS YIELD *") {
    st.kind = StatementKind::kShowServersYieldStar;
  } else if (u == "SHOW SERVERS") {
    st.kind = StatementKind::kShowServers;
  } else if (u == "CALL DBMS.CLUSTER.OVERVIEW()" || u == "CALL DBMS.CLUSTER.OVERVIEW") {
    st.kind = StatementKind::kClusterOverview;
  } else if (u == "RETURN 1") {
    st.kind = StatementKind::kReturnOne;
  } else {
    static constexpr std::string_view kRole = "CALL DBMS.CLUSTER.ROLE(";
    std::string_view rest(u);
    if (rest.substr(0, kRole.size()) == kRole) {
      std::string_view tail = rest.substr(kRole.size());
      std::size_t close = tail.rfind(')');
      std::string_view after = close == std::string_view::npos ? "" : tail.substr(close + 1);
      if (close != std::string_view::npos &&
          (after.empty() || after == " YIELD ROLE" || after == " YIELD *")) {
        // Take the argument from the case-preserving form (database names keep their case).
        const std::string keep = NormaliseStatement(text, false);
        if (TakeArgument(std::string_view(keep).substr(kRole.size(), close), st)) {
          st.kind = StatementKind::kClusterRole;
        }
      }
    }
  }
  return st;
}

CypherError SyntaxError(std::string_view statement, std::size_t offset, std::string_view token,
                        std::string_view expected) {
  std::string message = "Invalid input '" + std::string(token) + "': expected " +
                        std::string(expected) + " (line 1, column " + std::to_string(offset + 1) +
                        " (offset: " + std::to_string(offset) + "))\n\"" + std::string(statement) +
                        "\"\n" + std::string(offset + 1, ' ') + "^";
  return {"Neo.ClientError.Statement.SyntaxError", message};
}

CypherError ParameterMissing(std::string_view name) {
  return {"Neo.ClientError.Statement.ParameterMissing",
          "Expected parameter(s): " + std::string(name)};
}

CypherError DatabaseNotFound(std::string_view db) {
  return {"Neo.ClientError.Database.DatabaseNotFound",
          "Database does not exist. Database name: '" + std::string(db) + "'."};
}

CypherError DatabaseUnavailable(std::string_view db) {
  return {"Neo.TransientError.General.DatabaseUnavailable",
          "Database '" + std::string(db) + "' is unavailable."};
}

std::variant<Table, CypherError> RunStatement(const Model& model, MemberIndex m,
                                              std::string_view db, std::string_view text,
                                              const nlohmann::json& parameters,
                                              SystemTime created) {
  (void)db;
  const SimCluster& c = model.cluster(m.cluster);
  const bool v4 = c.family == VersionFamily::kV4;
  const Statement st = ClassifyStatement(text);
  const std::string trimmed = NormaliseStatement(text, false);
  switch (st.kind) {
    case StatementKind::kShowDatabasesYieldStar: {
      auto rows = DatabaseRows(model, m, created);
      return Project(rows, AllColumns(rows));
    }
    case StatementKind::kShowDatabasesAtAddress: {
      // WHERE address = x keeps the rows whose address equals x; a null on either side is no
      // match (Cypher's three-valued equality), a non-string x matches no address.
      ojson value = st.argument;
      if (st.argument_is_parameter) {
        if (!parameters.is_object() || !parameters.contains(st.argument)) {
          return ParameterMissing(st.argument);
        }
        value = parameters.at(st.argument);
      }
      auto all = DatabaseRows(model, m, created);
      const std::vector<std::string> columns = AllColumns(all);  // even when no row matches
      std::vector<ojson> rows;
      for (auto& row : all) {
        const auto address = row.find("address");
        if (value.is_string() && address != row.end() && *address == value) {
          rows.push_back(std::move(row));
        }
      }
      return Project(rows, columns);
    }
    case StatementKind::kShowDatabases: {
      auto rows = DatabaseRows(model, m, created);
      std::vector<std::string> cols =
          v4 ? std::vector<std::string>{"name",          "aliases", "access",
                                        "address",       "role",    "requestedStatus",
                                        "currentStatus", "error",   "default",
                                        "home"}
             : std::vector<std::string>{
                   "name",    "type",   "aliases",         "access",        "address",
                   "role",    "writer", "requestedStatus", "currentStatus", "statusMessage",
                   "default", "home",   "constituents"};
      return Project(rows, cols);
    }
    case StatementKind::kShowServersYieldStar:
    case StatementKind::kShowServers: {
      if (v4) {
        std::size_t offset = Upper(trimmed).find("SERVERS");
        return SyntaxError(trimmed, offset == std::string::npos ? 0 : offset, "SERVERS",
                           "\"ALL\", \"BUILT\", \"CONSTRAINT\", \"CONSTRAINTS\", \"CURRENT\", "
                           "\"DATABASE\", \"DATABASES\", \"DEFAULT\", \"FUNCTION\", "
                           "\"FUNCTIONS\", \"HOME\", \"INDEX\", \"INDEXES\", \"PRIVILEGE\", "
                           "\"PRIVILEGES\", \"PROCEDURE\", \"PROCEDURES\", \"ROLE\", \"ROLES\", "
                           "\"TRANSACTION\", \"TRANSACTIONS\", \"USER\" or \"USERS\"");
      }
      auto rows = ServerRows(model, m);
      if (st.kind == StatementKind::kShowServersYieldStar) {
        return Project(rows, AllColumns(rows));
      }
      return Project(rows, {"name", "address", "state", "health", "hosting"});
    }
    case StatementKind::kClusterOverview:
      if (!v4) {
        return ProcedureNotFound("dbms.cluster.overview");
      }
      return OverviewTable(model, m);
    case StatementKind::kClusterRole: {
      if (!v4) {
        return ProcedureNotFound("dbms.cluster.role");
      }
      std::string database = st.argument;
      if (st.argument_is_parameter) {
        if (!parameters.is_object() || !parameters.contains(st.argument) ||
            !parameters.at(st.argument).is_string()) {
          return ParameterMissing(st.argument);
        }
        database = parameters.at(st.argument).get<std::string>();
      }
      auto di = model.FindDatabase(m.cluster, database);
      if (!di) {
        return DatabaseNotFound(database);
      }
      const MemberDbView v = model.View(m.cluster, m.member, *di);
      if (v.state != DbState::kOnline) {
        return DatabaseUnavailable(database);
      }
      Table t;
      t.columns = {"role"};
      t.rows.push_back({ojson(ProcedureRole(v.role))});
      return t;
    }
    case StatementKind::kReturnOne: {
      Table t;
      t.columns = {"1"};
      t.rows.push_back({ojson(1)});
      return t;
    }
    case StatementKind::kUnknown:
      break;
  }
  std::string token = trimmed.substr(0, trimmed.find(' '));
  if (token.empty()) {
    token = "<EOF>";
  }
  return SyntaxError(trimmed, 0, token, "<init>");
}

}  // namespace nca::sim
