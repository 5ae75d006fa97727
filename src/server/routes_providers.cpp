// Remote inference providers under /api/v1 (admin only): list, create,
// show, update, delete and refresh them; and GET /api/v1/usage, the token
// usage of providers per user (an admin sees everyone's, a user their own).
// API keys are accepted and stored sealed, never returned: only has_api_key.
// Providers of the config file can be shown and refreshed, not changed.
#include "providers/endpoint_address.h"
#include "providers/provider_registry.h"
#include "providers/provider_store.h"
#include "server/api_error.h"
#include "server/remote_generation.h"
#include "server/routes.h"

namespace pg::server {
namespace {

constexpr const char* kNamePattern = R"(/api/v1/providers/([A-Za-z0-9_-]{1,64}))";

nlohmann::json snapshot_json(const providers::ProviderSnapshot& s) {
  nlohmann::json j = providers::provider_to_json(s.config);
  j["source"] = s.source;
  nlohmann::json models = nlohmann::json::array();
  for (const std::string& m : s.models) models.push_back(s.config.name + "/" + m);
  j["models"] = models;
  j["refreshed_at"] = s.refreshed_unix ? nlohmann::json(rfc3339_from_unix(s.refreshed_unix)) : nlohmann::json(nullptr);
  j["last_error"] = s.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_error);
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& e : s.endpoints)
    endpoints.push_back({{"url", e.url},
                         {"breaker", e.breaker},
                         {"healthy", e.healthy},
                         {"outstanding", e.outstanding},
                         {"consecutive_failures", e.consecutive_failures},
                         {"requests", e.requests},
                         {"failures", e.failures}});
  j["endpoints"] = endpoints;
  return j;
}

// 400 when an endpoint is a link-local / cloud metadata address, unless the
// allow_link_local_providers key allows those.
void refuse_link_local(ServerContext& ctx, const providers::ProviderConfig& config) {
  if (ctx.config().allow_link_local_providers) return;
  if (Status s = providers::check_not_link_local(config); !s) throw ApiError(400, "invalid_provider", s.message());
}

providers::ProviderSnapshot provider_or_404(ServerContext& ctx, const std::string& name) {
  auto s = ctx.providers().get(name);
  if (!s) throw ApiError(404, "provider_not_found", "no provider is named '" + name + "'");
  return *s;
}

}  // namespace

void add_provider_routes(RouteTable& routes, ServerContext& ctx) {
  routes.add("GET", "/api/v1/providers", "/api/v1/providers", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : ctx.providers().list()) list.push_back(snapshot_json(s));
    send_json(res, 200, {{"providers", list}});
  });

  routes.add("POST", "/api/v1/providers", "/api/v1/providers", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    const nlohmann::json body = request_json(req);
    auto config = providers::provider_from_json(body, providers::ProviderConfig{});
    if (!config) throw ApiError(400, "invalid_provider", config.error());
    refuse_link_local(ctx, *config);
    if (!body.contains("name")) throw invalid_field("name", "is required");
    if (!body.contains("base_urls") && !body.contains("base_url")) throw invalid_field("base_urls", "is required");
    if (ctx.providers().get(config->name))
      throw ApiError(409, "provider_exists", "a provider named '" + config->name + "' exists already");
    if (Status s = ctx.provider_store().save(*config); !s) throw ApiError(500, "database_error", "the database failed: " + s.message());
    const std::string name = config->name;
    ctx.providers().put(std::move(*config), "api");
    (void)ctx.providers().refresh(name);  // its error shows as last_error
    send_json(res, 201, snapshot_json(provider_or_404(ctx, name)));
  });

  routes.add("GET", kNamePattern, "/api/v1/providers/{name}", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    send_json(res, 200, snapshot_json(provider_or_404(ctx, req.http.matches[1])));
  });

  routes.add("PATCH", kNamePattern, "/api/v1/providers/{name}", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    const providers::ProviderSnapshot old = provider_or_404(ctx, req.http.matches[1]);
    if (old.source != "api")
      throw ApiError(409, "provider_from_config", "provider '" + old.config.name + "' is defined in the config file; change it there");
    const nlohmann::json body = request_json(req);
    if (body.contains("name") && body["name"] != old.config.name) throw invalid_field("name", "cannot be changed");
    auto config = providers::provider_from_json(body, old.config);
    if (!config) throw ApiError(400, "invalid_provider", config.error());
    refuse_link_local(ctx, *config);
    if (Status s = ctx.provider_store().save(*config); !s) throw ApiError(500, "database_error", "the database failed: " + s.message());
    ctx.providers().put(std::move(*config), "api");
    (void)ctx.providers().refresh(old.config.name);
    send_json(res, 200, snapshot_json(provider_or_404(ctx, old.config.name)));
  });

  routes.add("DELETE", kNamePattern, "/api/v1/providers/{name}", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    const providers::ProviderSnapshot old = provider_or_404(ctx, req.http.matches[1]);
    if (old.source != "api")
      throw ApiError(409, "provider_from_config", "provider '" + old.config.name + "' is defined in the config file; remove it there");
    if (Status s = ctx.provider_store().remove(old.config.name); !s)
      throw ApiError(500, "database_error", "the database failed: " + s.message());
    ctx.providers().remove(old.config.name);
    send_json(res, 200, {{"name", old.config.name}, {"deleted", true}});
  });

  routes.add("POST", std::string(kNamePattern) + "/refresh", "/api/v1/providers/{name}/refresh",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               require_admin(req);
               const std::string name = req.http.matches[1];
               (void)provider_or_404(ctx, name);
               if (Status s = ctx.providers().refresh(name); !s) throw ApiError(502, "provider_refresh_failed", s.message());
               send_json(res, 200, snapshot_json(provider_or_404(ctx, name)));
             });

  routes.add("GET", "/api/v1/usage", "/api/v1/usage", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const bool all = req.user.is_admin();
    const std::string me = usage_user(req);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [key, c] : ctx.providers().usage().snapshot()) {
      if (!all && key.first != me) continue;
      rows.push_back({{"user", key.first},
                      {"provider", key.second},
                      {"requests", c.requests},
                      {"failures", c.failures},
                      {"tokens_in", c.tokens_in},
                      {"tokens_out", c.tokens_out}});
    }
    send_json(res, 200, {{"usage", rows}, {"scope", all ? "all" : "own"}});
  });
}

}  // namespace pg::server

namespace pg::server {

std::string provider_metrics_text(ServerContext& ctx) {
  auto label = [](const std::string& v) {
    std::string out;
    for (char c : v) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out;
  };
  std::string t;
  const auto usage = ctx.providers().usage().snapshot();
  t += "# HELP playground_provider_requests_total Requests sent to remote providers, by user and provider.\n";
  t += "# TYPE playground_provider_requests_total counter\n";
  for (const auto& [k, c] : usage)
    t += "playground_provider_requests_total{user=\"" + label(k.first) + "\",provider=\"" + label(k.second) + "\"} " +
         std::to_string(c.requests) + "\n";
  t += "# HELP playground_provider_failures_total Remote provider requests that failed, by user and provider.\n";
  t += "# TYPE playground_provider_failures_total counter\n";
  for (const auto& [k, c] : usage)
    t += "playground_provider_failures_total{user=\"" + label(k.first) + "\",provider=\"" + label(k.second) + "\"} " +
         std::to_string(c.failures) + "\n";
  t += "# HELP playground_provider_tokens_total Tokens of remote providers, by user, provider and direction (in = prompt, out = completion).\n";
  t += "# TYPE playground_provider_tokens_total counter\n";
  for (const auto& [k, c] : usage) {
    const std::string base = "playground_provider_tokens_total{user=\"" + label(k.first) + "\",provider=\"" + label(k.second);
    t += base + "\",direction=\"in\"} " + std::to_string(c.tokens_in) + "\n";
    t += base + "\",direction=\"out\"} " + std::to_string(c.tokens_out) + "\n";
  }
  t += "# HELP playground_provider_endpoint_up Whether a provider endpoint's breaker admits requests and its last check passed (1) or not (0).\n";
  t += "# TYPE playground_provider_endpoint_up gauge\n";
  t += "# HELP playground_provider_endpoint_outstanding Requests in flight to a provider endpoint.\n";
  t += "# TYPE playground_provider_endpoint_outstanding gauge\n";
  for (const auto& s : ctx.providers().list())
    for (const auto& e : s.endpoints) {
      const std::string labels = "{provider=\"" + label(s.config.name) + "\",endpoint=\"" + label(e.url) + "\"}";
      t += "playground_provider_endpoint_up" + labels + " " + ((e.healthy && e.breaker != "open") ? "1" : "0") + "\n";
      t += "playground_provider_endpoint_outstanding" + labels + " " + std::to_string(e.outstanding) + "\n";
    }
  return t;
}

}  // namespace pg::server
