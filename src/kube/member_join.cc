#include "kube/member_join.h"

#include <algorithm>
#include <charconv>

namespace nca::kube {
namespace {

bool IsIpLiteral(std::string_view host) {
  if (host.find(':') != std::string_view::npos) {
    return true;  // IPv6
  }
  // IPv4: digits and dots only (a DNS label may not be all-numeric at the top level).
  return !host.empty() && std::all_of(host.begin(), host.end(),
                                      [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

int PodsWithIp(const std::vector<Pod>& pods, const std::string& ip) {
  return static_cast<int>(
      std::count_if(pods.begin(), pods.end(), [&](const Pod& p) { return p.pod_ip == ip; }));
}

bool HasContainerPort(const Pod& pod, int port) {
  return std::any_of(pod.container_ports.begin(), pod.container_ports.end(),
                     [&](const auto& kv) { return kv.second == port; });
}

// Key 2 and the IP form of key 4: `host_port` names the pod by IP.
bool SameIp(const Pod& pod, std::string_view host_port, const std::vector<Pod>& all_pods) {
  if (pod.pod_ip.empty()) {
    return false;
  }
  if (HostOf(host_port) != pod.pod_ip) {
    return false;
  }
  if (PodsWithIp(all_pods, pod.pod_ip) <= 1) {
    return true;
  }
  const std::optional<int> port = PortOf(host_port);
  return port && HasContainerPort(pod, *port);
}

bool SameDnsLabel(const Pod& pod, std::string_view host_port) {
  const std::optional<std::string> label = FirstDnsLabel(HostOf(host_port));
  return label && *label == pod.name;
}

}  // namespace

std::string HostPortOf(std::string_view url) {
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    url = url.substr(0, slash);
  }
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    url.remove_prefix(at + 1);
  }
  return std::string(url);
}

std::string HostOf(std::string_view host_port_or_url) {
  const std::string hp = HostPortOf(host_port_or_url);
  std::string_view s = hp;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    return std::string(s.substr(1, close == std::string_view::npos ? s.npos : close - 1));
  }
  if (std::count(s.begin(), s.end(), ':') > 1) {
    return std::string(s);  // bare IPv6 without a port
  }
  return std::string(s.substr(0, s.find(':')));
}

std::optional<int> PortOf(std::string_view host_port_or_url) {
  const std::string hp = HostPortOf(host_port_or_url);
  std::string_view s = hp;
  std::size_t colon;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return std::nullopt;
    }
    colon = close + 1;
  } else {
    if (std::count(s.begin(), s.end(), ':') != 1) {
      return std::nullopt;
    }
    colon = s.find(':');
  }
  std::string_view digits = s.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port <= 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

std::string JoinHostPort(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<std::string> FirstDnsLabel(std::string_view host) {
  if (host.empty() || IsIpLiteral(host)) {
    return std::nullopt;
  }
  std::string_view label = host.substr(0, host.find('.'));
  if (label.empty()) {
    return std::nullopt;
  }
  return std::string(label);
}

std::string_view JoinKeyName(JoinKey key) {
  switch (key) {
    case JoinKey::kPodName:
      return "pod_name";
    case JoinKey::kPodIp:
      return "pod_ip";
    case JoinKey::kUrlDnsLabel:
      return "url_dns_label";
    case JoinKey::kAdvertisedAddress:
      return "advertised";
  }
  return "unknown";
}

std::optional<JoinKey> JoinPod(const Pod& pod, const ServerIdentity& server,
                               const std::vector<Pod>& all_pods) {
  if (!server.name.empty() && server.name == pod.name) {
    return JoinKey::kPodName;
  }
  if (!server.url.empty()) {
    if (SameIp(pod, server.url, all_pods)) {
      return JoinKey::kPodIp;
    }
    if (SameDnsLabel(pod, server.url)) {
      return JoinKey::kUrlDnsLabel;
    }
  }
  for (const std::string& address : server.advertised) {
    if (!address.empty() && (SameDnsLabel(pod, address) || SameIp(pod, address, all_pods))) {
      return JoinKey::kAdvertisedAddress;
    }
  }
  return std::nullopt;
}

const Pod* FindPod(const std::vector<Pod>& pods, const ServerIdentity& server) {
  for (const Pod& p : pods) {
    if (JoinPod(p, server, pods)) {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace nca::kube
