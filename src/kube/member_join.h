// The join of Kubernetes pods and Neo4j members: which pod is the same server as a member the
// agent monitors, or as a server Neo4j lists in its cluster view (SHOW SERVERS / SHOW DATABASES
// `address`, 4.4 dbms.cluster.overview() `addresses`). Members may be configured by pod name, by
// pod IP or by a DNS name (e.g. http://graph-eu-0.graph-eu-headless.neo4j.svc.cluster.local:7474,
// the StatefulSet pod's stable name under its headless Service), and Neo4j advertises whatever
// `server.cluster.advertised_address` / `server.bolt.advertised_address` say -- with the Neo4j
// Helm chart and operator, the pod's DNS name under the headless Service. A pod is the same
// server when any of these agree:
//   1. pod name = member name;
//   2. pod IP = the member URL's host (and, when several pods share that IP as on a test
//      machine, one of the pod's named container ports = the URL's port);
//   3. the first DNS label of the member URL's host = pod name;
//   4. the first DNS label of the server's advertised address in Neo4j = pod name, or that
//      address is the pod IP and one of its named container ports.
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/objects.h"

namespace nca::kube {

// "host:port" of "scheme://host:port[/...]" or of a bare "host:port" ("" when empty); IPv6 hosts
// keep their brackets.
std::string HostPortOf(std::string_view url);

// The host of "host:port", "[v6]:port", "host" or a URL, without brackets.
std::string HostOf(std::string_view host_port_or_url);

// The port of "host:port" or of a URL; nullopt when there is none.
std::optional<int> PortOf(std::string_view host_port_or_url);

// "host:port", bracketing an IPv6 host.
std::string JoinHostPort(const std::string& host, int port);

// The first label of a DNS name ("graph-eu-0" of "graph-eu-0.graph-eu-headless.neo4j.svc");
// nullopt for IP literals and empty hosts.
std::optional<std::string> FirstDnsLabel(std::string_view host);

// What is known of a member or server to join it to a pod. Empty fields are not compared.
struct ServerIdentity {
  std::string name;                     // configured member name (key 1)
  std::string url;                      // configured HTTP(S) URL (keys 2, 3)
  std::vector<std::string> advertised;  // addresses Neo4j advertises for it (key 4)
};

// Which of the four keys joined the pod; nullopt when none did.
enum class JoinKey { kPodName, kPodIp, kUrlDnsLabel, kAdvertisedAddress };
std::string_view JoinKeyName(JoinKey key);  // "pod_name", "pod_ip", "url_dns_label", "advertised"

std::optional<JoinKey> JoinPod(const Pod& pod, const ServerIdentity& server,
                               const std::vector<Pod>& all_pods);

// The pod that is the same server as `server`, or nullptr.
const Pod* FindPod(const std::vector<Pod>& pods, const ServerIdentity& server);

}  // namespace nca::kube
