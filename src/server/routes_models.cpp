// Model management under /api/v1: the model list (local files; other kinds of
// models add their entries in model_list_json), one model's details, load,
// unload, delete, memory estimate, pulls (start, list, one, SSE events,
// cancel) and the Hub search; and Ollama's /api/pull and /api/delete. Only
// registers handlers; the work is in ModelManager and src/models.
#include <filesystem>
#include <thread>

#include "models/hf_hub.h"
#include "models/pull.h"
#include "providers/provider_registry.h"
#include "server/generation_runner.h"
#include "models/model_details.h"
#include "server/cache_type_fields.h"
#include "server/request_fields.h"
#include "server/query_params.h"
#include "server/routes.h"

namespace pg::server {
namespace {

// Names and aliases ("hf.co/owner/repo:Q4_K_M") may hold a slash; httplib decodes %2F before matching.
constexpr const char* kModelId = R"((.{1,300}))";
// The largest context an estimate may be asked for (?context_length=N): 16 Mi tokens.
constexpr int64_t kMaxEstimateContext = int64_t{1} << 24;

std::string path_model(const ApiRequest& req) {
  return req.http.matches[1];
}

nlohmann::json progress_json(const models::PullProgress& p) {
  return {{"status", p.status},
          {"file", p.file},
          {"file_index", p.file_index},
          {"file_count", p.file_count},
          {"completed_bytes", p.completed},
          {"total_bytes", p.total},
          {"bytes_per_second", p.bytes_per_second},
          {"eta_seconds", p.eta_seconds < 0 ? nlohmann::json(nullptr) : nlohmann::json(p.eta_seconds)}};
}

nlohmann::json pull_json(const models::PullJobInfo& j) {
  return {{"id", j.id},
          {"reference", j.reference},
          {"model", j.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(j.model)},
          {"state", j.state},
          {"error", j.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(j.error)},
          {"progress", progress_json(j.progress)},
          {"notices", j.notices},
          {"instance", j.instance.empty() ? nlohmann::json(nullptr) : nlohmann::json(j.instance)},
          {"created_at", rfc3339_from_unix(j.created_unix)},
          {"finished_at", j.finished_unix ? nlohmann::json(rfc3339_from_unix(j.finished_unix)) : nlohmann::json(nullptr)}};
}

nlohmann::json loaded_json(const LoadedModel& m) {
  const double ka = m.keep_alive_seconds.load();
  const int64_t expires = m.expires_unix();
  nlohmann::json j = cache_types_json(m.cache_types());
  j.update({{"memory_bytes", m.estimated_bytes},
            {"weights_bytes", m.weight_bytes()},
            {"context_length", m.context_size()},
            {"slots", m.scheduler ? m.scheduler->options().slots : 0},
            {"active", m.scheduler ? m.scheduler->status().active : 0},
            {"loaded_at", rfc3339_from_unix(m.loaded_unix)},
            {"keep_alive_seconds", ka < 0 ? nlohmann::json(-1) : nlohmann::json(ka)},
            {"expires_at", expires == INT64_MAX ? nlohmann::json(nullptr) : nlohmann::json(rfc3339_from_unix(expires))}});
  return j;
}

// The sampling options a model's params (source.params, an Ollama params
// layer) set, read by the one reader of sampling fields; nullopt when the model
// has none or any of them is unusable (then none apply: the built-in defaults).
std::optional<SamplingOptions> model_sampling_defaults(const nlohmann::json& source) {
  if (!source.is_object() || !source.contains("params") || !source.at("params").is_object()) return std::nullopt;
  try {
    SamplingOptions options = read_sampling_options(FieldReader(source.at("params"), "params."));
    GenerationParams scratch;
    if (!apply_sampling(options, scratch)) return std::nullopt;
    return options;
  } catch (const ApiError&) {
    return std::nullopt;
  }
}

nlohmann::json local_model_json(ServerContext& ctx, const ModelFile& f, const models::RegistryEntry* meta) {
  nlohmann::json j = {{"name", f.name},
                      {"kind", "local"},
                      {"file", std::filesystem::path(f.path).filename().string()},
                      {"size_bytes", f.size_bytes},
                      {"modified_at", rfc3339_from_unix(f.modified_unix)},
                      {"default", f.is_default},
                      {"aliases", f.aliases},
                      {"sha256", f.sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.sha256)},
                      {"source", f.source},
                      {"defaults", sampling_options_json(model_sampling_defaults(f.source).value_or(SamplingOptions{}))}};
  if (f.parts.size() > 1) j["parts"] = f.parts.size();
  const ModelState st = ctx.models().state(f.name);
  auto loaded = ctx.models().find_loaded(f.name);
  j["loaded"] = loaded != nullptr;
  j["status"] = loaded ? "loaded" : st.status;
  if (!st.reason.empty()) j["status_reason"] = st.reason;
  models::ModelDetails d;
  bool have = false;
  if (loaded) {
    d = models::describe_gguf(loaded->gguf()), have = true;
  } else if (meta && meta->error.empty()) {
    d.architecture = meta->architecture, d.parameters = meta->parameters, d.quantization = meta->quantization;
    d.context_length = meta->context_length, d.chat_template = meta->has_chat_template ? "x" : "";
    have = true;
  } else if (auto dd = models::describe_gguf_file(f.path)) {
    d = *dd, have = true;
  }
  if (have) {
    j["architecture"] = d.architecture;
    j["parameters"] = d.parameters;
    j["quantization"] = d.quantization;
    j["training_context_length"] = d.context_length;
    j["has_chat_template"] = !d.chat_template.empty();
  }
  if (loaded) {
    j["context_length"] = loaded->context_size();
    j["slots"] = loaded->scheduler ? loaded->scheduler->options().slots : 0;
    j["capabilities"] = loaded->is_encoder() ? nlohmann::json::array({"embedding"})
                                             : nlohmann::json::array({"completion", "embedding"});
    j["runtime"] = loaded_json(*loaded);
    j.update(cache_types_json(loaded->cache_types()));
  }
  return j;
}

}  // namespace

std::optional<double> request_keep_alive(const FieldReader& r) {
  const nlohmann::json* v = r.raw("keep_alive");
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_number()) {
    const double s = v->get<double>();
    return s < 0 || s >= models::kKeepAliveForever ? -1.0 : s;
  }
  if (v->is_string()) {
    auto parsed = models::parse_keep_alive(v->get<std::string>());
    if (!parsed) throw ApiError(400, "invalid_request", "field 'keep_alive': " + parsed.error());
    return *parsed;
  }
  throw ApiError(400, "invalid_request", "field 'keep_alive' must be a number of seconds or a duration string like \"5m\"");
}

std::optional<SamplingOptions> model_sampling_defaults(const LoadedModel& model) {
  return model_sampling_defaults(model.file.source);
}

nlohmann::json model_list_json(ServerContext& ctx) {
  nlohmann::json list = nlohmann::json::array();
  std::map<std::string, models::RegistryEntry> meta;
  for (auto& e : ctx.models().registry().list(false)) meta[e.name] = e;
  for (const ModelFile& f : ctx.models().available()) {
    auto it = meta.find(f.name);
    list.push_back(local_model_json(ctx, f, it == meta.end() ? nullptr : &it->second));
  }
  // Models still downloading: listed with their progress, never loadable yet.
  for (const models::PullJobInfo& p : ctx.models().pulls().active())
    list.push_back({{"name", p.model.empty() ? p.reference : p.model},
                    {"kind", "local"},
                    {"status", "downloading"},
                    {"loaded", false},
                    {"pull", pull_json(p)}});
  // Models of remote providers: the local entries' shape (clients rely on it),
  // with what is known of a remote model (what it can do is not known in advance).
  for (const std::string& name : ctx.providers().model_names())
    list.push_back({{"name", name},
                    {"kind", "remote"},
                    {"file", ""},
                    {"size_bytes", 0},
                    {"modified_at", rfc3339_from_unix(0)},
                    {"provider", name.substr(0, name.find('/'))},
                    {"remote", true},
                    {"status", "available"},
                    {"loaded", false},
                    {"default", false},
                    {"capabilities", nlohmann::json::array({"completion", "embedding"})}});
  return list;
}

void add_model_routes(RouteTable& routes, ServerContext& ctx) {
  routes.add("GET", "/api/v1/models", "/api/v1/models", [&ctx](const ApiRequest&, httplib::Response& res) {
    send_json(res, 200,
              {{"models", model_list_json(ctx)},
               {"default", ctx.models().default_name()},
               {"memory", {{"budget_bytes", ctx.models().memory_budget()}, {"in_use_bytes", ctx.models().memory_in_use()}}}});
  });

  routes.add("GET", "/api/v1/models/search", "/api/v1/models/search", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const std::string q = req.http.get_param_value("q");
    if (q.empty() || q.size() > 200) throw ApiError(400, "invalid_request", "query parameter 'q' must be 1-200 characters");
    const auto limit = static_cast<int>(query_integer(req, "limit", 1, 100).value_or(20));
    auto found = models::search_hf(q, limit, ctx.config().endpoints);
    if (!found) throw ApiError(502, "search_failed", found.error());
    send_json(res, 200, {{"query", q}, {"source", "huggingface"}, {"results", *found}});
  });

  routes.add("POST", "/api/v1/models/pull", "/api/v1/models/pull", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    auto ref = r.string("model", 400);
    if (!ref) ref = r.string("reference", 400);
    if (!ref || ref->empty()) throw ApiError(400, "invalid_request", "field 'model' (what to pull, e.g. hf.co/OWNER/REPO:Q4_K_M) is required");
    if (Status valid = models::check_pull_reference(*ref); !valid)
      throw ApiError(400, "invalid_reference", valid.message());
    auto id = ctx.models().pulls().start(*ref);
    if (!id) throw ApiError(409, "pull_in_progress", id.error());
    auto job = ctx.models().pulls().get(*id);
    res.set_header("Location", "/api/v1/models/pulls/" + *id);
    send_json(res, 202, pull_json(*job));
  });

  routes.add("GET", "/api/v1/models/pulls", "/api/v1/models/pulls", [&ctx](const ApiRequest&, httplib::Response& res) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& j : ctx.models().pulls().list()) list.push_back(pull_json(j));
    send_json(res, 200, {{"pulls", list}});
  });

  routes.add("GET", R"(/api/v1/models/pulls/(pull-[0-9a-f]{1,64}))", "/api/v1/models/pulls/{id}",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               auto job = ctx.models().pulls().get(req.http.matches[1]);
               if (!job) throw ApiError(404, "pull_not_found", "no pull has id '" + std::string(req.http.matches[1]) + "'");
               send_json(res, 200, pull_json(*job));
             });

  routes.add("DELETE", R"(/api/v1/models/pulls/(pull-[0-9a-f]{1,64}))", "/api/v1/models/pulls/{id}",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               require_admin(req);
               const std::string id = req.http.matches[1];
               if (!ctx.models().pulls().get(id)) throw ApiError(404, "pull_not_found", "no pull has id '" + id + "'");
               if (!ctx.models().pulls().cancel(id))
                 throw ApiError(409, "pull_finished", "pull '" + id + "' has already ended");
               send_json(res, 200, {{"id", id}, {"cancelled", true}});
             });

  routes.add("GET", R"(/api/v1/models/pull/(pull-[0-9a-f]{1,64})/events)", "/api/v1/models/pull/{id}/events",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const std::string id = req.http.matches[1];
               if (!ctx.models().pulls().get(id)) throw ApiError(404, "pull_not_found", "no pull has id '" + id + "'");
               res.set_header("Cache-Control", "no-cache");
               res.set_chunked_content_provider(
                   "text/event-stream", [&ctx, id, seen = uint64_t{0}](size_t, httplib::DataSink& sink) mutable {
                     if (ctx.shutting_down()) {
                       sink.done();
                       return true;
                     }
                     auto change = ctx.models().pulls().wait_change(id, seen, std::chrono::seconds(10));
                     if (!change) {
                       sink.done();
                       return true;
                     }
                     if (change->second == seen) {
                       static const std::string keepalive = ": keep-alive\n\n";
                       return sink.write(keepalive.data(), keepalive.size());
                     }
                     seen = change->second;
                     const bool ended = change->first.terminal();
                     const std::string e = sse_event(ended ? "done" : "progress", pull_json(change->first));
                     if (!sink.write(e.data(), e.size())) return false;
                     if (ended) sink.done();
                     return true;
                   });
             });

  routes.add("GET", std::string("/api/v1/models/") + kModelId, "/api/v1/models/{name}",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const std::string name = ctx.models().resolve_name(path_model(req));
               for (const ModelFile& f : ctx.models().available())
                 if (f.name == name) {
                   auto entry = ctx.models().registry().find(name, true);
                   nlohmann::json j = local_model_json(ctx, f, entry ? &*entry : nullptr);
                   if (entry) j["sha256"] = entry->sha256;
                   // At the context the caller asks about (?context_length=N), else the configured one.
                   const std::optional<int64_t> n_ctx = query_integer(req, "context_length", 1, kMaxEstimateContext);
                   // And in the KV cache types asked about (?cache_type_k=q8_0), else the configured ones.
                   const auto types = query_cache_types(req, ctx.models().default_cache_types());
                   const models::MemoryEstimate e = value_or_throw(ctx.models().estimate(name, n_ctx, types));
                   // Whether it fits: the memory it needs against the budget (or the
                   // machine's memory without one), with or without the other loaded models.
                   auto self = ctx.models().find_loaded(name);
                   const uint64_t others = ctx.models().memory_in_use() - (self ? std::min(self->estimated_bytes, ctx.models().memory_in_use()) : 0);
                   const models::MemoryFit fit =
                       models::fit_in_memory(e.required(), ctx.models().memory_budget(), others, models::physical_memory_bytes());
                   j["memory_estimate"] = {{"total_bytes", e.total()}, {"weights_bytes", e.weights},
                                           {"kv_cache_bytes", e.kv_cache}, {"scratch_bytes", e.scratch},
                                           {"required_bytes", e.required()},
                                           {"active_weights_bytes", e.active_weights},
                                           {"expert_weights_bytes", e.expert_weights},
                                           {"context_length", e.context}, {"slots", e.slots},
                                           {"limit_bytes", fit.limit}, {"limit_source", fit.from_budget ? "memory_budget" : "physical_memory"},
                                           {"other_models_bytes", others},
                                           {"fits", fit.fits}, {"fits_without_unloading", fit.fits_now}};
                   j["memory_estimate"].update(cache_types_json(e.cache_types));
                   // What a details view shows besides the list's fields: the chat template and the license.
                   if (auto d = models::describe_gguf_file(f.path)) {
                     j["chat_template"] = d->chat_template.empty() ? nlohmann::json(nullptr) : nlohmann::json(d->chat_template);
                     const auto license = d->metadata.find("general.license");
                     j["license"] = license != d->metadata.end() && license->is_string() ? *license : nlohmann::json(nullptr);
                   }
                   send_json(res, 200, j);
                   return;
                 }
               throw ApiError(404, "model_not_found", "model '" + path_model(req) + "' not found; GET /api/v1/models lists the models");
             });

  // Loading and unloading on request are for admins (with auth off, the local
  // caller is one); a generation naming a model still loads it implicitly.
  routes.add("POST", std::string("/api/v1/models/") + kModelId + "/load", "/api/v1/models/{name}/load",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               require_admin(req);
               std::optional<double> keep_alive;
               std::optional<models::KvCacheTypes> cache_types;
               if (!req.body.empty()) {
                 const nlohmann::json body = request_json(req);
                 const FieldReader r(body);
                 keep_alive = request_keep_alive(r);
                 cache_types = request_cache_types(r, ctx.models().default_cache_types());
               }
               // Loaded already, with the KV cache types asked for (else acquire loads it again).
               // The reference goes before acquire: a held model counts as busy.
               bool was = false;
               if (auto before = ctx.models().find_loaded(path_model(req))) was = before->uses_cache_types(cache_types);
               auto m = value_or_throw(ctx.models().acquire(path_model(req), keep_alive, cache_types));
               nlohmann::json j = {{"name", m->file.name}, {"status", "loaded"}, {"already_loaded", was},
                                   {"load_seconds", was ? 0.0 : m->load_seconds}};
               j["runtime"] = loaded_json(*m);
               send_json(res, 200, j);
             });

  routes.add("POST", std::string("/api/v1/models/") + kModelId + "/unload", "/api/v1/models/{name}/unload",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               require_admin(req);
               const std::string name = ctx.models().resolve_name(path_model(req));
               bool known = false;
               for (const ModelFile& f : ctx.models().available()) known = known || f.name == name;
               if (!known) throw ApiError(404, "model_not_found", "model '" + path_model(req) + "' not found");
               // A request that just ended may still be letting go of the model: a short grace.
               const bool was = value_or_throw(ctx.models().unload(name, std::chrono::milliseconds(250)));
               send_json(res, 200, {{"name", name}, {"status", "downloaded"}, {"was_loaded", was}});
             });

  routes.add("DELETE", std::string("/api/v1/models/") + kModelId, "/api/v1/models/{name}",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               require_admin(req);
               const auto removed = value_or_throw(ctx.models().remove(path_model(req)));
               nlohmann::json files = nlohmann::json::array();
               for (const auto& p : removed) files.push_back(std::filesystem::path(p).filename().string());
               send_json(res, 200, {{"name", ctx.models().resolve_name(path_model(req))}, {"deleted", true}, {"files", files}});
             });

  // Ollama: POST /api/pull streams JSON lines {"status":...} (stream:false: one object at the end).
  routes.add("POST", "/api/pull", "/api/pull", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    auto ref = r.string("model", 400);
    if (!ref) ref = r.string("name", 400);
    if (!ref || ref->empty()) throw ApiError(400, "invalid_request", "field 'model' is required");
    const bool stream = r.boolean("stream").value_or(true);
    if (Status valid = models::check_pull_reference(*ref); !valid)
      throw ApiError(400, "invalid_reference", valid.message());
    auto id = ctx.models().pulls().start(*ref);
    if (!id) throw ApiError(409, "pull_in_progress", id.error());
    auto line = [](const models::PullJobInfo& j) -> nlohmann::json {
      if (j.state == "success") return {{"status", "success"}};
      if (j.state == "failed") return {{"error", j.error}};
      if (j.state == "cancelled") return {{"error", "pull cancelled"}};
      const auto& p = j.progress;
      if (p.status == "downloading")
        return {{"status", "pulling " + p.file}, {"digest", p.file}, {"total", p.total}, {"completed", p.completed}};
      if (p.status == "verifying") return {{"status", "verifying sha256 digest"}};
      return {{"status", "pulling manifest"}};
    };
    if (!stream) {
      for (uint64_t seen = 0;;) {
        auto change = ctx.models().pulls().wait_change(*id, seen, std::chrono::seconds(5));
        if (!change) throw ApiError(500, "pull_failed", "the pull disappeared");
        seen = change->second;
        if (change->first.terminal()) {
          const nlohmann::json l = line(change->first);
          if (l.contains("error")) throw ApiError(500, "pull_failed", l["error"].get<std::string>());
          send_json(res, 200, l);
          return;
        }
      }
    }
    res.set_chunked_content_provider(
        "application/x-ndjson", [&ctx, id = *id, line, seen = uint64_t{0}, last = std::string()](
                                     size_t, httplib::DataSink& sink) mutable {
          auto change = ctx.models().pulls().wait_change(id, seen, std::chrono::seconds(10));
          if (!change || ctx.shutting_down()) {
            sink.done();
            return true;
          }
          if (change->second == seen) return true;
          seen = change->second;
          const std::string text = dump_json(line(change->first)) + "\n";
          if (text != last) {
            last = text;
            if (!sink.write(text.data(), text.size())) return false;
          }
          if (change->first.terminal()) sink.done();
          return true;
        });
  });

  routes.add("DELETE", "/api/delete", "/api/delete", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    auto name = r.string("model", 400);
    if (!name) name = r.string("name", 400);
    if (!name || name->empty()) throw ApiError(400, "invalid_request", "field 'model' is required");
    value_or_throw(ctx.models().remove(*name));
    res.status = 200;
  });
}

}  // namespace pg::server
