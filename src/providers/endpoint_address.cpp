// Link-local / metadata address checks of provider endpoints; see endpoint_address.h.
#include "providers/endpoint_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace pg::providers {
namespace {

bool link_local_v4(const unsigned char* b) { return b[0] == 169 && b[1] == 254; }

bool link_local_v6(const unsigned char* b) {
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10
  // fd00:ec2::254, the instance metadata service of AWS over IPv6.
  static const unsigned char kAwsMetadata[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  if (std::memcmp(b, kAwsMetadata, 16) == 0) return true;
  static const unsigned char kZero[10] = {};
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible).
  if (std::memcmp(b, kZero, 10) == 0 && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)))
    return link_local_v4(b + 12);
  // 64:ff9b::a.b.c.d (NAT64).
  static const unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kNat64, 12) == 0) return link_local_v4(b + 12);
  return false;
}

bool link_local_sockaddr(const sockaddr* sa) {
  if (sa->sa_family == AF_INET)
    return link_local_v4(reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr));
  if (sa->sa_family == AF_INET6)
    return link_local_v6(reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr));
  return false;
}

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

}  // namespace

std::string url_host(std::string_view url) {
  if (const size_t scheme = url.find("://"); scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (const size_t at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() == '[') {
    const size_t close = url.find(']');
    return std::string(url.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  return std::string(url.substr(0, url.rfind(':')));
}

bool is_link_local_literal(std::string_view host_view) {
  std::string host(host_view);
  if (const size_t zone = host.find('%'); zone != std::string::npos) host.resize(zone);  // fe80::1%eth0
  in_addr v4{};
  // inet_aton takes the legacy spellings too (one number, hex, octal), as resolvers do.
  if (inet_aton(host.c_str(), &v4) != 0) return link_local_v4(reinterpret_cast<const unsigned char*>(&v4));
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return link_local_v6(reinterpret_cast<const unsigned char*>(&v6));
  return false;
}

Status check_not_link_local(const ProviderConfig& config) {
  for (const std::string& url : config.base_urls) {
    const std::string host = url_host(url);
    const std::string refused = "provider '" + config.name + "': base URL '" + url + "' ";
    const std::string allow = " (link-local and cloud metadata addresses are refused; set allow_link_local_providers "
                              "= true to allow them)";
    if (is_link_local_literal(host)) return Status::error(refused + "points at a link-local address" + allow);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    // A name that does not resolve now is not refused: it may exist later.
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found) continue;
    std::string bad;
    for (const addrinfo* a = found; a && bad.empty(); a = a->ai_next)
      if (a->ai_addr && link_local_sockaddr(a->ai_addr)) bad = address_text(a->ai_addr);
    freeaddrinfo(found);
    if (!bad.empty()) return Status::error(refused + "resolves to the link-local address " + bad + allow);
  }
  return Status::ok();
}

}  // namespace pg::providers
