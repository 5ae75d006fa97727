// Auth policy; see auth_policy.h.
#include "server/auth/auth_policy.h"

#include <arpa/inet.h>

namespace pg::server::auth {

bool is_loopback_host(const std::string& host_in) {
  std::string host = host_in;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:127.x.x.x
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

Result<bool> auth_enabled(const std::string& mode, const std::string& host) {
  const bool loopback = is_loopback_host(host);
  if (mode == "on") return true;
  if (mode == "off") {
    if (!loopback)
      return Error{"auth = off is only allowed on a loopback address; the server binds to " + host +
                   " (use auth = auto or on, or bind to 127.0.0.1)"};
    return false;
  }
  return !loopback;  // auto
}

std::string no_admin_message(const std::string& host, const std::string& data_dir, const std::string& database) {
  std::string where = " --data-dir '" + data_dir + "'";
  if (!database.empty()) where += " --database '" + database + "'";
  return "authentication is required (the server binds to " + host +
         ", not a loopback address) but no admin user exists yet; create one with:\n  playground user add NAME --role admin" +
         where + "\nthen start the server again";
}

}  // namespace pg::server::auth
