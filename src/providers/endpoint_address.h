// Whether a provider endpoint points at a link-local address, where clouds
// serve instance metadata and credentials (169.254.169.254, fd00:ec2::254):
// 169.254.0.0/16, fe80::/10, their IPv4-mapped/compatible/NAT64 forms, and the
// legacy IPv4 spellings resolvers accept (2852039166, 0xa9fea9fe, 0251.0376...).
// Hostnames are resolved once, at the check. Only answers; never connects.
// (A name whose DNS answer changes later is not caught: resolve-time checks
// cannot see DNS rebinding; a firewall rule is the complete defence.)
#pragma once

#include <string>
#include <string_view>

#include "providers/provider_config.h"
#include "util/result.h"

namespace pg::providers {

// The host of an http(s) URL: no scheme, userinfo, port, path or IPv6 brackets.
std::string url_host(std::string_view url);

// True when `host` is a literal address (any spelling above) that is link-local
// or a cloud metadata address.
bool is_link_local_literal(std::string_view host);

// Ok unless a base URL's host is, or resolves to, such an address; the error
// names the provider, the URL and the address, and the config key that allows it.
Status check_not_link_local(const ProviderConfig& config);

}  // namespace pg::providers
