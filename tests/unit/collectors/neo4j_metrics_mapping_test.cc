// The mapping from Neo4j's Prometheus names to relayed names with the database as a label.
// Golden files: tests/fixtures/neo4j-metrics/<capture minus .txt>.mapped.golden hold a text dump of
// the MappingResult of each real capture (databases `neo4j` and `system`). Regenerate after an
// intended change with
//   NCA_UPDATE_GOLDEN=1 build/asan/tests/unit_tests --gtest_filter='Neo4jMetricsMapping*'
// and review the diff.

#include "collectors/neo4j_metrics_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "neo4j/prom_text.h"

namespace nca::collectors {
namespace {

using neo4j::PromFamily;
using neo4j::PromType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

std::string FixturePath(const std::string& name) {
  return std::string(NCA_FIXTURE_DIR) + "/neo4j-metrics/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<PromFamily> Parse(const std::string& text) {
  auto parsed = neo4j::ParsePromText(text);
  EXPECT_TRUE(parsed.ok()) << parsed.error().ToString();
  return parsed.ok() ? std::move(parsed).value() : std::vector<PromFamily>{};
}

MappingResult Map(const std::string& text, std::vector<std::string> databases,
                  std::string prefix = "neo4j") {
  Neo4jMetricsMappingOptions options;
  options.prefix = std::move(prefix);
  options.databases = std::move(databases);
  return MapNeo4jMetrics(Parse(text), options);
}

const RelayedFamily* Find(const MappingResult& r, const std::string& name) {
  for (const auto& f : r.families) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

std::vector<std::string> Names(const MappingResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.families) {
    out.push_back(f.name);
  }
  return out;
}

std::size_t NotRelayed(const MappingResult& r, NotRelayedReason reason) {
  auto it = r.not_relayed.find(reason);
  return it == r.not_relayed.end() ? 0 : it->second;
}

// ---------------------------------------------------------------------------------------------
// Deterministic dump of a MappingResult (the golden format).

std::string FormatLabels(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out += (i == 0 ? "" : ",") + labels[i].first + "=\"" + labels[i].second + "\"";
  }
  return out + "}";
}

// Shortest round-trip form (std::to_chars), so 0.95 prints as 0.95.
std::string FormatValue(double v) {
  std::array<char, 64> buf{};
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), result.ptr);
}

std::string ReasonName(NotRelayedReason reason) {
  switch (reason) {
    case NotRelayedReason::kUnknownDatabase:
      return "unknown_database";
    case NotRelayedReason::kConflict:
      return "conflict";
    case NotRelayedReason::kDuplicate:
      return "duplicate";
  }
  return "?";
}

std::string Dump(const MappingResult& r) {
  std::ostringstream out;
  for (const auto& f : r.families) {
    out << "# " << f.name << " " << neo4j::PromTypeName(f.type) << "\n";
    out << "#   " << f.help << "\n";
    for (const auto& s : f.samples) {
      out << f.name << FormatLabels(s.labels) << " " << FormatValue(s.value) << "\n";
    }
    for (const auto& s : f.summaries) {
      out << f.name << FormatLabels(s.labels);
      for (const auto& [q, v] : s.quantiles) {
        out << " q" << FormatValue(q) << "=" << FormatValue(v);
      }
      out << " count=" << (s.count ? FormatValue(*s.count) : "none");
      out << " sum=" << (s.sum ? FormatValue(*s.sum) : "none") << "\n";
    }
  }
  out << "# families " << r.families.size() << "\n";
  for (const auto& [reason, n] : r.not_relayed) {
    out << "# not_relayed " << ReasonName(reason) << " " << n << "\n";
  }
  return out.str();
}

void CheckGolden(const std::string& capture) {
  const MappingResult r = Map(ReadFile(FixturePath(capture)), {"neo4j", "system"});
  const std::string dump = Dump(r);
  const std::string golden =
      FixturePath(capture.substr(0, capture.size() - 4) + ".mapped.golden");  // minus ".txt"
  if (std::getenv("NCA_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden, std::ios::binary) << dump;
  }
  std::ifstream in(golden, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing " << golden << " (run with NCA_UPDATE_GOLDEN=1)";
  EXPECT_EQ(dump, ReadFile(golden)) << "the mapping of " << capture
                                    << " changed; regenerate with NCA_UPDATE_GOLDEN=1 if intended";
  for (const auto& f : r.families) {
    EXPECT_FALSE(IsAgentOwnName(f.name)) << f.name;
    EXPECT_THAT(f.help, Not(HasSubstr("system"))) << f.name;  // one help per family
  }
  // The mapper the collector keeps gives the same result on its first scrape and on the next,
  // when every family's plan comes from the first.
  Neo4jMetricsMapper mapper;
  Neo4jMetricsMappingOptions options;
  options.databases = {"neo4j", "system"};
  const std::vector<PromFamily> families = Parse(ReadFile(FixturePath(capture)));
  EXPECT_EQ(Dump(mapper.Map(families, options)), dump);
  const std::size_t plans = mapper.CachedPlans();
  EXPECT_GT(plans, 0u);
  EXPECT_EQ(Dump(mapper.Map(families, options)), dump);
  EXPECT_EQ(mapper.CachedPlans(), plans);
}

// ---------------------------------------------------------------------------------------------
// Real captures

TEST(Neo4jMetricsMappingGoldenTest, Neo4j5Capture) {
  CheckGolden("prometheus-standalone-5.11.0-enterprise.txt");
}

TEST(Neo4jMetricsMappingGoldenTest, Neo4j44Capture) {
  CheckGolden("prometheus-standalone-4.4.0-enterprise.txt");
}

TEST(Neo4jMetricsMappingGoldenTest, Neo4j34Capture) {
  CheckGolden("prometheus-standalone-3.4.0-enterprise.txt");
}

TEST(Neo4jMetricsMappingTest, Neo4j5And44CapturesGiveTheSameDatabaseSeries) {
  const auto v5 = Map(ReadFile(FixturePath("prometheus-standalone-5.11.0-enterprise.txt")),
                      {"neo4j", "system"});
  const auto v44 =
      Map(ReadFile(FixturePath("prometheus-standalone-4.4.0-enterprise.txt")), {"neo4j", "system"});
  for (const auto* r : {&v5, &v44}) {
    const RelayedFamily* committed = Find(*r, "neo4j_transaction_committed_total");
    ASSERT_NE(committed, nullptr);
    EXPECT_EQ(committed->type, PromType::kCounter);
    ASSERT_EQ(committed->samples.size(), 2u);
    EXPECT_THAT(committed->samples[0].labels, ElementsAre(Pair("database", "neo4j")));
    EXPECT_THAT(committed->samples[1].labels, ElementsAre(Pair("database", "system")));
    EXPECT_EQ(committed->help,
              "Neo4j metric neo4j" + std::string(r == &v5 ? ".database" : "") +
                  ".<db>.transaction.committed (counter), relayed by neo4j-cluster-agent with the "
                  "database as a label.");

    const RelayedFamily* latency = Find(*r, "neo4j_db_query_execution_latency_seconds");
    ASSERT_NE(latency, nullptr);
    EXPECT_EQ(latency->type, PromType::kSummary);
    ASSERT_EQ(latency->summaries.size(), 2u);
    EXPECT_EQ(latency->summaries[0].quantiles.size(), 6u);
    EXPECT_FALSE(latency->summaries[0].sum.has_value());
    EXPECT_TRUE(latency->summaries[0].count.has_value());

    EXPECT_NE(Find(*r, "neo4j_page_cache_hits_total"), nullptr);
    EXPECT_NE(Find(*r, "neo4j_vm_heap_used"), nullptr);
    EXPECT_NE(Find(*r, "neo4j_pool_bolt_free"), nullptr);  // 4.4 writes neo4j.dbms.pool.* too
    EXPECT_NE(Find(*r, "neo4j_pool_transaction_total_used"), nullptr);
    EXPECT_NE(Find(*r, "neo4j_check_point_total_time_seconds_total"), nullptr);
    EXPECT_NE(Find(*r, "neo4j_vm_gc_time_g1_young_generation_seconds_total"), nullptr);
    EXPECT_TRUE(r->not_relayed.empty());
  }
}

TEST(Neo4jMetricsMappingTest, Neo4j34IsGlobalAndKeepsItsGauges) {
  const auto r =
      Map(ReadFile(FixturePath("prometheus-standalone-3.4.0-enterprise.txt")), {"neo4j", "system"});
  const RelayedFamily* committed = Find(r, "neo4j_transaction_committed");
  ASSERT_NE(committed, nullptr);
  EXPECT_EQ(committed->type, PromType::kGauge);
  ASSERT_EQ(committed->samples.size(), 1u);
  EXPECT_THAT(committed->samples[0].labels, IsEmpty());
  EXPECT_EQ(committed->samples[0].value, 2);
  // vm_* without prefix become neo4j_vm_*; GC time in milliseconds becomes seconds.
  const RelayedFamily* gc = Find(r, "neo4j_vm_gc_time_g1_young_generation_seconds");
  ASSERT_NE(gc, nullptr);
  EXPECT_DOUBLE_EQ(gc->samples[0].value, 0.187);
  EXPECT_THAT(gc->help, HasSubstr("Neo4j metric vm.gc.time.g1_young_generation (gauge)"));
  EXPECT_THAT(gc->help, HasSubstr("Converted from milliseconds to seconds."));
}

// ---------------------------------------------------------------------------------------------
// Synthetic names: databases my_db and foo.bar.

// One counter in Neo4j's format: `name` Prometheus name, `dotted` the HELP's metric= name.
std::string Counter(const std::string& name, const std::string& dotted, double value) {
  return "# HELP " + name + " Generated from Dropwizard metric import (metric=" + dotted +
         ", type=com.neo4j.metrics.metric.MetricsCounter)\n# TYPE " + name + " counter\n" + name +
         " " + std::to_string(value) + "\n";
}

std::string Gauge(const std::string& name, const std::string& dotted, double value) {
  return "# HELP " + name + " Generated from Dropwizard metric import (metric=" + dotted +
         ", type=x)\n# TYPE " + name + " gauge\n" + name + " " + std::to_string(value) + "\n";
}

struct NamingCase {
  const char* label;
  const char* prefix;
  const char* db_segment;      // Prometheus: "database_" or ""
  const char* db_dotted;       // dotted: "database." or ""
  const char* global_segment;  // Prometheus: "dbms_" or ""
  const char* global_dotted;
};

// Printed by its label (the default would print the struct's bytes, pointers included, into
// the ctest test names, which would then change from build to build).
void PrintTo(const NamingCase& c, std::ostream* os) { *os << c.label; }

class NamingTest : public ::testing::TestWithParam<NamingCase> {};

TEST_P(NamingTest, MyDbAndFooBarMapToTheDatabaseLabel) {
  const NamingCase& c = GetParam();
  const std::string p = c.prefix;
  const std::string text = Counter(p + "_" + c.db_segment + "my_db_transaction_committed_total",
                                   p + "." + c.db_dotted + "my_db.transaction.committed", 5) +
                           Counter(p + "_" + c.db_segment + "foo_bar_transaction_committed_total",
                                   p + "." + c.db_dotted + "foo.bar.transaction.committed", 7) +
                           Counter(p + "_" + c.db_segment + "neo4j_transaction_committed_total",
                                   p + "." + c.db_dotted + "neo4j.transaction.committed", 9) +
                           Counter(p + "_" + c.global_segment + "page_cache_hits_total",
                                   p + "." + c.global_dotted + "page_cache.hits", 11);
  const auto r = Map(text, {"neo4j", "my_db", "foo.bar", "system"}, p);
  EXPECT_THAT(Names(r),
              ElementsAre("neo4j_page_cache_hits_total", "neo4j_transaction_committed_total"))
      << c.label;
  const RelayedFamily* committed = Find(r, "neo4j_transaction_committed_total");
  ASSERT_NE(committed, nullptr);
  ASSERT_EQ(committed->samples.size(), 3u);
  EXPECT_THAT(committed->samples[0].labels, ElementsAre(Pair("database", "foo.bar")));
  EXPECT_EQ(committed->samples[0].value, 7);
  EXPECT_THAT(committed->samples[1].labels, ElementsAre(Pair("database", "my_db")));
  EXPECT_EQ(committed->samples[1].value, 5);
  EXPECT_THAT(committed->samples[2].labels, ElementsAre(Pair("database", "neo4j")));
  EXPECT_EQ(committed->help, "Neo4j metric " + p + "." + c.db_dotted +
                                 "<db>.transaction.committed (counter), relayed by "
                                 "neo4j-cluster-agent with the database as a label.");
  EXPECT_THAT(Find(r, "neo4j_page_cache_hits_total")->samples[0].labels, IsEmpty());
  EXPECT_TRUE(r.not_relayed.empty()) << c.label;
}

TEST_P(NamingTest, WithoutHelpTextTheKnownNamesStillDecide) {
  const NamingCase& c = GetParam();
  const std::string p = c.prefix;
  const std::string text = p + "_" + c.db_segment + "my_db_transaction_committed_total 5\n" + p +
                           "_" + c.db_segment + "foo_bar_transaction_committed_total 7\n" + p +
                           "_" + c.global_segment + "vm_heap_used 3\n";
  const auto r = Map(text, {"my_db", "foo.bar"}, p);
  EXPECT_THAT(Names(r), ElementsAre("neo4j_transaction_committed_total", "neo4j_vm_heap_used"));
  const RelayedFamily* committed = Find(r, "neo4j_transaction_committed_total");
  ASSERT_EQ(committed->samples.size(), 2u);
  EXPECT_THAT(committed->samples[0].labels, ElementsAre(Pair("database", "foo.bar")));
  EXPECT_THAT(committed->samples[1].labels, ElementsAre(Pair("database", "my_db")));
}

INSTANTIATE_TEST_SUITE_P(
    Neo4jMetricsMapping, NamingTest,
    ::testing::Values(NamingCase{"4.x namespaces off", "neo4j", "", "", "", ""},
                      NamingCase{"4.x namespaces on / 5.x / 2025.x", "neo4j", "database_",
                                 "database.", "dbms_", "dbms."},
                      NamingCase{"custom prefix, 4.x namespaces off", "mycompany", "", "", "", ""},
                      NamingCase{"custom prefix, 5.x", "mycompany", "database_", "database.",
                                 "dbms_", "dbms."}),
    [](const ::testing::TestParamInfo<NamingCase>& param_info) {
      return std::string(param_info.param.prefix) +
             (param_info.param.db_segment[0] != 0 ? "_namespaced" : "_ns_off");
    });

TEST(Neo4jMetricsMappingTest, DottedPrefixIsSanitized) {
  const auto r = Map(Counter("my_company_database_neo4j_transaction_committed_total",
                             "my.company.database.neo4j.transaction.committed", 1),
                     {"neo4j"}, "my.company");
  ASSERT_NE(Find(r, "neo4j_transaction_committed_total"), nullptr);
}

TEST(Neo4jMetricsMappingTest, DatabaseThatIsAPrefixOfAnother) {
  // foo and foo_bar: longest match first, and foo's own metrics still resolve to foo.
  for (const bool help : {true, false}) {
    auto make = [&](const std::string& name, const std::string& dotted) {
      return help ? Counter(name, dotted, 1) : name + " 1\n";
    };
    const std::string text =
        make("neo4j_database_foo_transaction_committed_total",
             "neo4j.database.foo.transaction.committed") +
        make("neo4j_database_foo_bar_transaction_committed_total",
             "neo4j.database.foo_bar.transaction.committed") +
        make("neo4j_foo_bar_transaction_rollbacks_total", "neo4j.foo_bar.transaction.rollbacks") +
        make("neo4j_foo_transaction_rollbacks_total", "neo4j.foo.transaction.rollbacks");
    const auto r = Map(text, {"foo", "foo_bar"});
    for (const char* name :
         {"neo4j_transaction_committed_total", "neo4j_transaction_rollbacks_total"}) {
      const RelayedFamily* f = Find(r, name);
      ASSERT_NE(f, nullptr) << name;
      ASSERT_EQ(f->samples.size(), 2u) << name;
      EXPECT_THAT(f->samples[0].labels, ElementsAre(Pair("database", "foo")));
      EXPECT_THAT(f->samples[1].labels, ElementsAre(Pair("database", "foo_bar")));
    }
  }
}

TEST(Neo4jMetricsMappingTest, FooBarAndFooUnderscoreBarAreToldApartByTheHelpText) {
  const std::string text = Counter("neo4j_database_foo_bar_transaction_committed_total",
                                   "neo4j.database.foo.bar.transaction.committed", 1) +
                           Counter("neo4j_database_foo_bar_transaction_rollbacks_total",
                                   "neo4j.database.foo_bar.transaction.rollbacks", 2);
  const auto r = Map(text, {"foo.bar", "foo_bar"});
  EXPECT_THAT(Find(r, "neo4j_transaction_committed_total")->samples[0].labels,
              ElementsAre(Pair("database", "foo.bar")));
  EXPECT_THAT(Find(r, "neo4j_transaction_rollbacks_total")->samples[0].labels,
              ElementsAre(Pair("database", "foo_bar")));
}

TEST(Neo4jMetricsMappingTest, GlobalMetricThatStartsLikeADatabaseName) {
  // 4.x namespaces off; databases named vm, page and bolt.
  for (const bool help : {true, false}) {
    const std::string text =
        (help ? Gauge("neo4j_vm_heap_used", "neo4j.vm.heap.used", 1) : "neo4j_vm_heap_used 1\n") +
        (help ? Counter("neo4j_page_cache_hits_total", "neo4j.page_cache.hits", 2)
              : "neo4j_page_cache_hits_total 2\n") +
        (help ? Counter("neo4j_bolt_connections_opened_total", "neo4j.bolt.connections_opened", 3)
              : "neo4j_bolt_connections_opened_total 3\n") +
        (help ? Counter("neo4j_vm_transaction_committed_total", "neo4j.vm.transaction.committed", 4)
              : "neo4j_vm_transaction_committed_total 4\n");
    const auto r = Map(text, {"vm", "page", "bolt"});
    EXPECT_THAT(Names(r),
                ElementsAre("neo4j_bolt_connections_opened_total", "neo4j_page_cache_hits_total",
                            "neo4j_transaction_committed_total", "neo4j_vm_heap_used"))
        << help;
    EXPECT_THAT(Find(r, "neo4j_vm_heap_used")->samples[0].labels, IsEmpty());
    EXPECT_THAT(Find(r, "neo4j_page_cache_hits_total")->samples[0].labels, IsEmpty());
    EXPECT_THAT(Find(r, "neo4j_transaction_committed_total")->samples[0].labels,
                ElementsAre(Pair("database", "vm")));
  }
}

TEST(Neo4jMetricsMappingTest, UnknownDatabaseIsNotRelayed) {
  const std::string text = Counter("neo4j_database_newdb_transaction_committed_total",
                                   "neo4j.database.newdb.transaction.committed", 1) +
                           "neo4j_database_other_db_check_point_events_total 1\n"  // no HELP
                           "neo4j_newdb_transaction_rollbacks_total 2\n"  // 4.x namespaces off
                           "neo4j_dbms_vm_heap_used 3\n";
  const auto r = Map(text, {"neo4j"});
  EXPECT_THAT(Names(r), ElementsAre("neo4j_vm_heap_used"));
  EXPECT_EQ(NotRelayed(r, NotRelayedReason::kUnknownDatabase), 3u);
}

TEST(Neo4jMetricsMappingTest, ConflictsWithTheAgentsOwnNames) {
  const std::string text =
      // 5.0-era cluster.core.is_leader maps onto the agent's own neo4j_cluster_core_is_leader.
      Gauge("neo4j_database_neo4j_cluster_core_is_leader",
            "neo4j.database.neo4j.cluster.core.is_leader", 1) +
      // Later 5.x cluster.raft.is_leader does not.
      Gauge("neo4j_database_neo4j_cluster_raft_is_leader",
            "neo4j.database.neo4j.cluster.raft.is_leader", 1) +
      Gauge("neo4j_dbms_up", "neo4j.dbms.up", 1) +
      Gauge("neo4j_dbms_agent_thing", "neo4j.dbms.agent_thing", 1) +
      Gauge("neo4j_dbms_causal_clustering_core_is_leader",
            "neo4j.dbms.causal_clustering.core.is_leader", 1);
  const auto r = Map(text, {"neo4j"});
  EXPECT_THAT(Names(r), ElementsAre("neo4j_causal_clustering_core_is_leader",
                                    "neo4j_cluster_raft_is_leader"));
  EXPECT_EQ(NotRelayed(r, NotRelayedReason::kConflict), 3u);
}

TEST(Neo4jMetricsMappingTest, IsAgentOwnName) {
  for (const char* own :
       {"neo4j_up", "neo4j_cluster_core_is_leader", "neo4j_cluster_leader_info",
        "neo4j_cluster_member_available", "neo4j_cluster_servers", "neo4j_member_info",
        "neo4j_member_database_role", "neo4j_quorum_ok", "neo4j_replication_lag_seconds",
        "neo4j_failover_events_total", "neo4j_zone_skew", "neo4j_zones_without_primary",
        "neo4j_cross_cluster_latency_seconds", "neo4j_agent_build_info",
        "neo4j_kubernetes_discovered_members", "neo4j_metrics_scrape_success"}) {
    EXPECT_TRUE(IsAgentOwnName(own)) << own;
  }
  for (const char* relayed :
       {"neo4j_cluster_raft_is_leader", "neo4j_cluster_raft_commit_index", "neo4j_upgrade",
        "neo4j_transaction_committed_total", "neo4j_causal_clustering_core_is_leader",
        "neo4j_cluster_discovery_memberset_reachable"}) {
    EXPECT_FALSE(IsAgentOwnName(relayed)) << relayed;
  }
}

TEST(Neo4jMetricsMappingTest, DuplicatesAreCountedNotRelayedTwice) {
  // The same global metric in 5.x (dbms) and 4.x form, and one database twice.
  const std::string text =
      Gauge("neo4j_dbms_vm_heap_used", "neo4j.dbms.vm.heap.used", 1) +
      Gauge("neo4j_vm_heap_used", "neo4j.vm.heap.used", 2) +
      Counter("neo4j_database_neo4j_transaction_committed_total",
              "neo4j.database.neo4j.transaction.committed", 3) +
      Counter("neo4j_neo4j_transaction_committed_total", "neo4j.neo4j.transaction.committed", 4) +
      "# TYPE neo4j_dbms_threads gauge\nneo4j_dbms_threads 1\n"
      "# TYPE neo4j_threads counter\nneo4j_threads 1\n";
  const auto r = Map(text, {"neo4j"});
  EXPECT_THAT(Names(r), ElementsAre("neo4j_threads", "neo4j_transaction_committed_total",
                                    "neo4j_vm_heap_used"));
  EXPECT_EQ(Find(r, "neo4j_vm_heap_used")->samples[0].value, 1);  // the first one wins
  EXPECT_EQ(Find(r, "neo4j_transaction_committed_total")->samples.size(), 1u);
  EXPECT_EQ(NotRelayed(r, NotRelayedReason::kDuplicate), 3u);  // incl. a type clash
}

TEST(Neo4jMetricsMappingTest, MillisSummaryBecomesSeconds) {
  const std::string text =
      "# HELP neo4j_database_my_db_db_query_execution_latency_millis Generated from Dropwizard "
      "metric import (metric=neo4j.database.my_db.db.query.execution.latency.millis, "
      "type=com.codahale.metrics.Histogram)\n"
      "# TYPE neo4j_database_my_db_db_query_execution_latency_millis summary\n"
      "neo4j_database_my_db_db_query_execution_latency_millis{quantile=\"0.99\",} 250.0\n"
      "neo4j_database_my_db_db_query_execution_latency_millis{quantile=\"0.5\",} 12.0\n"
      "neo4j_database_my_db_db_query_execution_latency_millis_count 42.0\n";
  const auto r = Map(text, {"my_db"});
  const RelayedFamily* f = Find(r, "neo4j_db_query_execution_latency_seconds");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, PromType::kSummary);
  ASSERT_EQ(f->summaries.size(), 1u);
  const RelayedSummary& s = f->summaries[0];
  EXPECT_THAT(s.labels, ElementsAre(Pair("database", "my_db")));
  ASSERT_EQ(s.quantiles.size(), 2u);
  EXPECT_EQ(s.quantiles[0].first, 0.5);  // ascending; the quantile itself is unchanged
  EXPECT_DOUBLE_EQ(s.quantiles[0].second, 0.012);
  EXPECT_EQ(s.quantiles[1].first, 0.99);
  EXPECT_DOUBLE_EQ(s.quantiles[1].second, 0.25);
  EXPECT_EQ(s.count, 42);  // a count is not a duration
  EXPECT_FALSE(s.sum.has_value());
  EXPECT_EQ(f->help,
            "Neo4j metric neo4j.database.<db>.db.query.execution.latency.millis (summary), "
            "relayed by neo4j-cluster-agent with the database as a label. Converted from "
            "milliseconds to seconds.");
}

TEST(Neo4jMetricsMappingTest, MillisCountersAndGaugesGainSeconds) {
  const std::string text =
      Counter("neo4j_database_neo4j_check_point_total_time_total",
              "neo4j.database.neo4j.check_point.total_time", 1500) +
      Gauge("neo4j_database_neo4j_check_point_duration",
            "neo4j.database.neo4j.check_point.duration", 250) +
      Gauge("neo4j_database_neo4j_check_point_limit_millis",
            "neo4j.database.neo4j.check_point.limit_millis", 20) +
      Gauge("neo4j_database_neo4j_cluster_raft_last_leader_message",
            "neo4j.database.neo4j.cluster.raft.last_leader_message", 3000) +
      Gauge("neo4j_neo4j_causal_clustering_core_last_leader_message",
            "neo4j.neo4j.causal_clustering.core.last_leader_message", 100) +
      Counter("neo4j_dbms_vm_gc_time_g1_old_generation_total",
              "neo4j.dbms.vm.gc.time.g1_old_generation", 2000) +
      // Documented in seconds (cypher.replan_wait_time) or without a unit: left as they are.
      Counter("neo4j_database_neo4j_cypher_replan_wait_time_total",
              "neo4j.database.neo4j.cypher.replan_wait_time", 7) +
      Counter("neo4j_dbms_vm_pause_time_total", "neo4j.dbms.vm.pause_time", 8);
  const auto r = Map(text, {"neo4j"});
  EXPECT_THAT(
      Names(r),
      ElementsAre("neo4j_causal_clustering_core_last_leader_message_seconds",
                  "neo4j_check_point_duration_seconds", "neo4j_check_point_limit_seconds",
                  "neo4j_check_point_total_time_seconds_total",
                  "neo4j_cluster_raft_last_leader_message_seconds",
                  "neo4j_cypher_replan_wait_time_total",
                  "neo4j_vm_gc_time_g1_old_generation_seconds_total", "neo4j_vm_pause_time_total"));
  EXPECT_DOUBLE_EQ(Find(r, "neo4j_check_point_total_time_seconds_total")->samples[0].value, 1.5);
  EXPECT_DOUBLE_EQ(Find(r, "neo4j_check_point_duration_seconds")->samples[0].value, 0.25);
  EXPECT_DOUBLE_EQ(Find(r, "neo4j_check_point_limit_seconds")->samples[0].value, 0.02);
  EXPECT_DOUBLE_EQ(Find(r, "neo4j_cluster_raft_last_leader_message_seconds")->samples[0].value, 3);
  EXPECT_DOUBLE_EQ(Find(r, "neo4j_vm_gc_time_g1_old_generation_seconds_total")->samples[0].value,
                   2);
  EXPECT_DOUBLE_EQ(Find(r, "neo4j_cypher_replan_wait_time_total")->samples[0].value, 7);
}

TEST(Neo4jMetricsMappingTest, HistogramIsRelayedAsUntypedSeries) {
  const std::string text =
      "# TYPE neo4j_database_neo4j_db_query_execution_latency_millis histogram\n"
      "neo4j_database_neo4j_db_query_execution_latency_millis_bucket{le=\"100\"} 3\n"
      "neo4j_database_neo4j_db_query_execution_latency_millis_bucket{le=\"+Inf\"} 4\n"
      "neo4j_database_neo4j_db_query_execution_latency_millis_sum 500\n"
      "neo4j_database_neo4j_db_query_execution_latency_millis_count 4\n";
  const auto r = Map(text, {"neo4j"});
  EXPECT_THAT(Names(r), ElementsAre("neo4j_db_query_execution_latency_seconds_bucket",
                                    "neo4j_db_query_execution_latency_seconds_count",
                                    "neo4j_db_query_execution_latency_seconds_sum"));
  const RelayedFamily* buckets = Find(r, "neo4j_db_query_execution_latency_seconds_bucket");
  EXPECT_EQ(buckets->type, PromType::kUntyped);
  EXPECT_THAT(buckets->samples[0].labels,
              ElementsAre(Pair("database", "neo4j"), Pair("le", "+Inf")));
  EXPECT_THAT(buckets->samples[1].labels,
              ElementsAre(Pair("database", "neo4j"), Pair("le", "0.1")));
  EXPECT_EQ(buckets->samples[1].value, 3);
  EXPECT_DOUBLE_EQ(Find(r, "neo4j_db_query_execution_latency_seconds_sum")->samples[0].value, 0.5);
  EXPECT_EQ(Find(r, "neo4j_db_query_execution_latency_seconds_count")->samples[0].value, 4);
}

TEST(Neo4jMetricsMappingTest, ReservedLabelsAreRenamed) {
  const auto r = Map("neo4j_dbms_x{member=\"a\",neo4j_cluster=\"b\",database=\"c\",zone=\"z\"} 1\n",
                     {"neo4j"});
  EXPECT_THAT(Find(r, "neo4j_x")->samples[0].labels,
              ElementsAre(Pair("exported_member", "a"), Pair("exported_neo4j_cluster", "b"),
                          Pair("exported_database", "c"), Pair("zone", "z")));
}

// Gauges whose names end in a suffix Prometheus reserves are renamed (promtool check metrics
// rejects them otherwise): the known ones by meaning, any other with `_value`. Counters keep
// `_total`.
TEST(Neo4jMetricsMappingTest, GaugesWithReservedSuffixesAreRenamed) {
  const std::string text =
      Gauge("neo4j_database_neo4j_store_size_total", "neo4j.database.neo4j.store.size.total", 1) +
      Gauge("neo4j_dbms_vm_thread_count", "neo4j.dbms.vm.thread.count", 2) +
      Gauge("neo4j_dbms_vm_thread_total", "neo4j.dbms.vm.thread.total", 3) +
      Gauge("neo4j_dbms_vm_file_descriptors_count", "neo4j.dbms.vm.file.descriptors.count", 4) +
      Gauge("neo4j_dbms_future_thing_sum", "neo4j.dbms.future.thing.sum", 5) +
      Counter("neo4j_database_neo4j_transaction_committed_total",
              "neo4j.database.neo4j.transaction.committed", 6);
  const auto r = Map(text, {"neo4j"});
  EXPECT_THAT(Names(r),
              ElementsAre("neo4j_future_thing_sum_value", "neo4j_store_size_total_bytes",
                          "neo4j_transaction_committed_total", "neo4j_vm_file_descriptors_open",
                          "neo4j_vm_threads_active", "neo4j_vm_threads_live"));
  EXPECT_NE(Find(r, "neo4j_vm_threads_live")->help.find("Renamed"), std::string::npos);
}

// The mapper's plans are per set of options and per family as Neo4j wrote it: a database that
// appears, another prefix, or a family whose type or HELP changed is planned again, never mapped
// with a plan made for something else.
TEST(Neo4jMetricsMapperTest, PlansFollowTheOptionsAndTheFamily) {
  const std::string text = Counter("neo4j_database_newdb_transaction_committed_total",
                                   "neo4j.database.newdb.transaction.committed", 1) +
                           "neo4j_newdb_transaction_rollbacks_total 2\n";
  Neo4jMetricsMapper mapper;
  Neo4jMetricsMappingOptions neo4j_only;
  neo4j_only.databases = {"neo4j"};
  Neo4jMetricsMappingOptions with_newdb;
  with_newdb.databases = {"neo4j", "newdb"};
  for (int round = 0; round < 2; ++round) {  // the second round from the plans
    EXPECT_THAT(Names(mapper.Map(Parse(text), neo4j_only)), IsEmpty());
    const auto r = mapper.Map(Parse(text), with_newdb);
    EXPECT_THAT(Names(r), ElementsAre("neo4j_transaction_committed_total",
                                      "neo4j_transaction_rollbacks_total"));
    EXPECT_EQ(Dump(r), Dump(MapNeo4jMetrics(Parse(text), with_newdb)));
  }
  Neo4jMetricsMappingOptions other_prefix = with_newdb;
  other_prefix.prefix = "acme";
  EXPECT_EQ(Dump(mapper.Map(Parse(text), other_prefix)),
            Dump(MapNeo4jMetrics(Parse(text), other_prefix)));
  EXPECT_THAT(Names(mapper.Map(Parse(text), other_prefix)),
              ElementsAre("neo4j_neo4j_database_newdb_transaction_committed_total",
                          "neo4j_neo4j_newdb_transaction_rollbacks_total"));

  // Same name, another type: planned again (a gauge keeps no counter `_total` handling).
  const std::string as_gauge = Gauge("neo4j_database_neo4j_check_point_duration",
                                     "neo4j.database.neo4j.check_point.duration", 1500);
  const std::string as_counter = Counter("neo4j_database_neo4j_check_point_duration",
                                         "neo4j.database.neo4j.check_point.duration", 1500);
  for (const std::string* t : {&as_gauge, &as_counter, &as_gauge}) {
    EXPECT_EQ(Dump(mapper.Map(Parse(*t), with_newdb)), Dump(MapNeo4jMetrics(Parse(*t), with_newdb)))
        << *t;
  }
  // Same name and type, another HELP (the dotted name decides the origin in the help text).
  const std::string help_a = Gauge("neo4j_dbms_page_cache_hits", "neo4j.dbms.page_cache.hits", 1);
  const std::string help_b = Gauge("neo4j_dbms_page_cache_hits", "neo4j.dbms.page.cache.hits", 1);
  const auto a = mapper.Map(Parse(help_a), with_newdb);
  const auto b = mapper.Map(Parse(help_b), with_newdb);
  EXPECT_EQ(Dump(a), Dump(MapNeo4jMetrics(Parse(help_a), with_newdb)));
  EXPECT_EQ(Dump(b), Dump(MapNeo4jMetrics(Parse(help_b), with_newdb)));
  EXPECT_NE(Find(a, "neo4j_page_cache_hits")->help, Find(b, "neo4j_page_cache_hits")->help);
}

// A member writing ever new family names, or ever new database lists, does not grow the mapper
// without bound.
TEST(Neo4jMetricsMapperTest, PlansAreBounded) {
  Neo4jMetricsMapper mapper;
  Neo4jMetricsMappingOptions options;
  options.databases = {"neo4j"};
  std::string text;
  for (std::size_t i = 0; i < Neo4jMetricsMapper::kMaxPlans + 100; ++i) {
    text += "neo4j_dbms_generated_" + std::to_string(i) + " 1\n";
  }
  const auto r = mapper.Map(Parse(text), options);
  EXPECT_EQ(r.families.size(), Neo4jMetricsMapper::kMaxPlans + 100);  // all relayed
  EXPECT_LE(mapper.CachedPlans(), Neo4jMetricsMapper::kMaxPlans);
  for (std::size_t i = 0; i < 2 * Neo4jMetricsMapper::kMaxOptionSets; ++i) {
    options.databases = {"db" + std::to_string(i)};
    (void)mapper.Map(Parse("neo4j_dbms_x 1\n"), options);
  }
  EXPECT_LE(mapper.CachedPlans(), Neo4jMetricsMapper::kMaxOptionSets);
}

}  // namespace
}  // namespace nca::collectors
