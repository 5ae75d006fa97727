// Ollama registry planning; see ollama_registry.h.
#include "models/ollama_registry.h"

#include "models/download.h"
#include "models/http_fetch.h"
#include "models/reference_part.h"
#include "util/sha256.h"
#include "util/json_guard.h"

namespace pg::models {
namespace {

bool name_part_ok(const std::string& s) { return is_reference_part(s, 80); }

std::string strip_prefix(const std::string& ref) {
  for (const char* p : {"https://ollama.com/", "ollama.com/", "registry.ollama.ai/", "ollama:"})
    if (ref.rfind(p, 0) == 0) return ref.substr(std::string(p).size());
  return ref;
}

}  // namespace

bool is_ollama_reference(const std::string& ref) { return strip_prefix(ref) != ref; }

Result<OllamaReference> parse_ollama_reference(const std::string& ref) {
  std::string rest = strip_prefix(ref);
  OllamaReference r{"library", "", "latest"};
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    r.tag = rest.substr(colon + 1);
    rest.resize(colon);
  }
  r.name = rest;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    r.ns = rest.substr(0, slash);
    r.name = rest.substr(slash + 1);
  }
  if (!name_part_ok(r.ns) || !name_part_ok(r.name) || !name_part_ok(r.tag))
    return Error{"'" + ref + "' is not ollama.com/[NAMESPACE/]NAME[:TAG] (letters, digits, '-', '_', '.')"};
  return r;
}

Result<PullPlan> plan_ollama_pull(const std::string& ref, const SourceEndpoints& ep) {
  auto parsed = parse_ollama_reference(ref);
  if (!parsed) return Error{parsed.error()};
  const std::string &ns = parsed->ns, &name = parsed->name, &tag = parsed->tag;
  const std::string base = ep.ollama_registry + "/v2/" + ns + "/" + name;
  const std::string manifest_url = base + "/manifests/" + tag;
  auto reply = get_small(manifest_url, "", {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"}});
  if (!reply) return reply.status();
  if (reply->status != 200) return Error{"cannot read the manifest of " + ns + "/" + name + ":" + tag + ": " + explain_http_status(reply->status, manifest_url)};
  const auto manifest = parse_json_or_discarded(reply->body);
  if (!manifest.is_object() || !manifest.contains("layers") || !manifest["layers"].is_array())
    return Error{"the manifest of " + ns + "/" + name + ":" + tag + " has no layers array"};

  PullPlan plan;
  plan.reference = ref;
  const std::string display = (ns == "library" ? name : ns + "/" + name) + ":" + tag;
  std::string stem = (ns == "library" ? "" : ns + "-") + name + "-" + tag;
  plan.model_name = stem;
  nlohmann::json source = {{"type", "ollama"}, {"reference", ref}, {"name", display}};
  for (const auto& layer : manifest["layers"]) {
    if (!layer.is_object() || !layer.contains("digest") || !layer["digest"].is_string()) continue;
    const std::string media = layer.value("mediaType", "");
    const std::string digest = layer["digest"].get<std::string>();
    if (digest.rfind("sha256:", 0) != 0 || !is_sha256_hex(digest.substr(7)))
      return Error{"the manifest of " + display + " has a layer with digest '" + digest + "' (not sha256:<64 hex>)"};
    const uint64_t size = layer.contains("size") && layer["size"].is_number_unsigned() ? layer["size"].get<uint64_t>() : 0;
    const std::string blob_url = base + "/blobs/" + digest;
    if (media == "application/vnd.ollama.image.model") {
      if (!plan.files.empty()) return Error{"the manifest of " + display + " has more than one model layer (adapters are not supported)"};
      plan.files.push_back({blob_url, stem + ".gguf", digest.substr(7), size});
      continue;
    }
    const char* key = media == "application/vnd.ollama.image.template" ? "template"
                      : media == "application/vnd.ollama.image.system" ? "system"
                      : media == "application/vnd.ollama.image.params" ? "params" : nullptr;
    if (!key || size > (1u << 20)) continue;
    auto blob = get_small(blob_url, "", {}, 1u << 20);
    if (!blob) return blob.status();
    if (blob->status != 200) return Error{"cannot read the " + std::string(key) + " layer of " + display + ": " + explain_http_status(blob->status, blob_url)};
    if (sha256_hex(blob->body) != digest.substr(7))
      return Error{"the " + std::string(key) + " layer of " + display + " does not match its digest " + digest};
    if (std::string(key) == "params") {
      auto params = parse_json_or_discarded(blob->body);
      source["params"] = params.is_object() ? params : nlohmann::json(nullptr);
    } else {
      source[key] = blob->body;
    }
  }
  if (plan.files.empty()) return Error{"the manifest of " + display + " has no layer of type application/vnd.ollama.image.model"};
  plan.source = source;
  plan.aliases.push_back(display);
  if (ns == "library") plan.aliases.push_back("ollama.com/library/" + name + ":" + tag);
  return plan;
}

}  // namespace pg::models
