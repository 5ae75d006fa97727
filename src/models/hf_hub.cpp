// Hugging Face Hub planning and search; see hf_hub.h.
#include "util/sha256.h"
#include "models/hf_hub.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "models/download.h"
#include "models/http_fetch.h"
#include "models/reference_part.h"
#include "models/registry.h"
#include "util/json_guard.h"

namespace pg::models {
namespace {

bool repo_part_ok(const std::string& s) { return is_reference_part(s, 96); }

std::string percent_encode(const std::string& s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) out += static_cast<char>(c);
    else out += {'%', hex[c >> 4], hex[c & 15]};
  }
  return out;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string strip_prefix(const std::string& ref) {
  for (const char* p : {"https://hf.co/", "https://huggingface.co/", "hf.co/", "huggingface.co/"})
    if (ref.rfind(p, 0) == 0) return ref.substr(std::string(p).size());
  return ref;
}

struct RepoFile {
  std::string path;
  uint64_t size = 0;
  std::string sha256;
};

}  // namespace

SourceEndpoints endpoints_from(const EnvLookup& env) {
  SourceEndpoints e;
  if (auto v = env("HF_ENDPOINT"); v && !v->empty()) e.hf_endpoint = *v;
  while (e.hf_endpoint.size() > 1 && e.hf_endpoint.back() == '/') e.hf_endpoint.pop_back();
  if (auto v = env("HF_TOKEN"); v && !v->empty()) e.hf_token = *v;
  if (auto v = env("PLAYGROUND_OLLAMA_REGISTRY"); v && !v->empty()) e.ollama_registry = *v;
  while (e.ollama_registry.size() > 1 && e.ollama_registry.back() == '/') e.ollama_registry.pop_back();
  return e;
}

bool is_hf_reference(const std::string& ref) { return strip_prefix(ref) != ref; }

std::string quant_label(const std::string& file_name) {
  const std::string u = upper(std::filesystem::path(file_name).stem().string());
  // Longest labels first so Q4_K_M wins over Q4_K.
  static const std::vector<std::string> labels = {
      "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ3_XXS", "IQ3_XS", "IQ3_S", "IQ3_M", "IQ4_XS",
      "IQ4_NL", "Q2_K_S", "Q2_K_L", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q3_K_XL", "Q3_K", "Q4_K_S", "Q4_K_M",
      "Q4_K_L", "Q4_K", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "Q4_0", "Q4_1", "Q5_K_S", "Q5_K_M", "Q5_K_L", "Q5_K",
      "Q5_0", "Q5_1", "Q6_K_L", "Q6_K", "Q8_0", "Q8_K", "BF16", "F16", "F32", "FP16", "FP32"};
  std::string best;
  for (const std::string& l : labels) {
    for (size_t pos = u.find(l); pos != std::string::npos; pos = u.find(l, pos + 1)) {
      const bool left = pos == 0 || !std::isalnum(static_cast<unsigned char>(u[pos - 1]));
      const size_t end = pos + l.size();
      const bool right = end == u.size() || !std::isalnum(static_cast<unsigned char>(u[end])) || u[end] == '_';
      const bool right_ok = end == u.size() || u[end] == '.' || u[end] == '-';
      if (left && right && right_ok && l.size() > best.size()) best = l;
    }
  }
  if (best == "FP16") best = "F16";
  if (best == "FP32") best = "F32";
  return best;
}

Result<HfReference> parse_hf_reference(const std::string& ref) {
  const std::string rest = strip_prefix(ref);
  HfReference r;
  // OWNER/REPO[:QUANT] or OWNER/REPO/PATH.gguf
  const auto s1 = rest.find('/');
  if (s1 == std::string::npos) return Error{"'" + ref + "' is not hf.co/OWNER/REPO[:QUANT] or hf.co/OWNER/REPO/FILE.gguf"};
  const auto s2 = rest.find('/', s1 + 1);
  r.owner = rest.substr(0, s1);
  if (s2 != std::string::npos) {
    r.repo = rest.substr(s1 + 1, s2 - s1 - 1);
    r.file_path = rest.substr(s2 + 1);
    if (r.file_path.size() < 6 || !r.file_path.ends_with(".gguf"))
      return Error{"'" + ref + "': a file in a repository must end in .gguf"};
    if (r.file_path.find("..") != std::string::npos || r.file_path.find('\\') != std::string::npos)
      return Error{"'" + ref + "': the file path may not contain '..' or '\\'"};
  } else {
    r.repo = rest.substr(s1 + 1);
    if (auto colon = r.repo.find(':'); colon != std::string::npos) {
      r.quant = upper(r.repo.substr(colon + 1));
      r.repo.resize(colon);
    }
  }
  if (!repo_part_ok(r.owner) || !repo_part_ok(r.repo))
    return Error{"'" + ref + "': owner and repository may only hold letters, digits, '-', '_' and '.'"};
  if (r.quant == "LATEST") r.quant.clear();
  return r;
}

Result<PullPlan> plan_hf_pull(const std::string& ref, const SourceEndpoints& ep) {
  auto parsed = parse_hf_reference(ref);
  if (!parsed) return Error{parsed.error()};
  const std::string &owner = parsed->owner, &repo = parsed->repo, &quant = parsed->quant,
                    &file_path = parsed->file_path;

  const std::string listing_url = ep.hf_endpoint + "/api/models/" + owner + "/" + repo + "/tree/main?recursive=true";
  auto reply = get_small(listing_url, ep.hf_token);
  if (!reply) return reply.status();
  if (reply->status != 200) return Error{"cannot list hf.co/" + owner + "/" + repo + ": " + explain_http_status(reply->status, listing_url)};
  const auto listing = parse_json_or_discarded(reply->body);
  if (!listing.is_array()) return Error{"the Hub's listing of " + owner + "/" + repo + " is not a JSON array"};
  std::vector<RepoFile> ggufs;
  for (const auto& item : listing) {
    if (!item.is_object() || item.value("type", "") != "file" || !item.contains("path") || !item["path"].is_string()) continue;
    RepoFile f;
    f.path = item["path"].get<std::string>();
    if (!f.path.ends_with(".gguf") || f.path.find("..") != std::string::npos) continue;
    if (item.contains("size") && item["size"].is_number_unsigned()) f.size = item["size"].get<uint64_t>();
    if (item.contains("lfs") && item["lfs"].is_object()) {
      const auto& lfs = item["lfs"];
      if (lfs.contains("oid") && lfs["oid"].is_string() && is_sha256_hex(lfs["oid"].get<std::string>()))
        f.sha256 = lfs["oid"].get<std::string>();
      if (lfs.contains("size") && lfs["size"].is_number_unsigned()) f.size = lfs["size"].get<uint64_t>();
    }
    ggufs.push_back(std::move(f));
  }
  auto base_name = [](const std::string& p) { return std::filesystem::path(p).filename().string(); };
  std::vector<RepoFile> models;  // no projector files
  for (const auto& f : ggufs)
    if (upper(base_name(f.path)).find("MMPROJ") == std::string::npos) models.push_back(f);
  if (models.empty()) return Error{"hf.co/" + owner + "/" + repo + " has no GGUF files"};

  const RepoFile* chosen = nullptr;
  if (!file_path.empty()) {
    for (const auto& f : ggufs)
      if (f.path == file_path) chosen = &f;
    if (!chosen) return Error{"hf.co/" + owner + "/" + repo + " has no file '" + file_path + "'"};
  } else {
    std::vector<std::string> wanted;
    if (!quant.empty()) wanted = {quant};
    else wanted = {"Q4_K_M", "Q4_K_S", "Q5_K_M", "Q4_0", "Q5_K_S", "Q6_K", "Q8_0", "Q3_K_M", "F16", "BF16", "F32"};
    for (const std::string& w : wanted) {
      for (const auto& f : models)
        if (quant_label(f.path) == w) {
          auto sp = parse_split_name(std::filesystem::path(base_name(f.path)).stem().string());
          if (sp && sp->index != 1) continue;
          chosen = &f;
          break;
        }
      if (chosen) break;
    }
    if (!chosen && quant.empty() && models.size() == 1) chosen = &models[0];
    if (!chosen) {
      std::vector<std::string> have;
      for (const auto& f : models)
        if (auto q = quant_label(f.path); !q.empty() && std::find(have.begin(), have.end(), q) == have.end()) have.push_back(q);
      std::string list;
      for (const auto& q : have) list += (list.empty() ? "" : ", ") + q;
      return Error{"hf.co/" + owner + "/" + repo + " has no " + (quant.empty() ? "default" : quant) +
                   " GGUF; available: " + (list.empty() ? "(no quantization in the file names)" : list) +
                   "; pull hf.co/" + owner + "/" + repo + ":QUANT"};
    }
  }

  std::vector<RepoFile> files{*chosen};
  const std::string chosen_stem = std::filesystem::path(base_name(chosen->path)).stem().string();
  if (auto sp = parse_split_name(chosen_stem)) {
    if (sp->index != 1) return Error{"'" + ref + "' is part " + std::to_string(sp->index) + " of a split model; pull its first part"};
    const std::string dir = std::filesystem::path(chosen->path).parent_path().string();
    for (const auto& f : ggufs) {
      const auto fp = parse_split_name(std::filesystem::path(base_name(f.path)).stem().string());
      if (f.path != chosen->path && fp && fp->base == sp->base && fp->count == sp->count &&
          std::filesystem::path(f.path).parent_path().string() == dir)
        files.push_back(f);
    }
    std::sort(files.begin(), files.end(), [](const RepoFile& a, const RepoFile& b) { return a.path < b.path; });
    if (static_cast<int>(files.size()) != sp->count)
      return Error{"hf.co/" + owner + "/" + repo + ": split model " + sp->base + " lists " + std::to_string(files.size()) +
                   " of its " + std::to_string(sp->count) + " parts"};
  }

  PullPlan plan;
  plan.reference = ref;
  plan.model_name = chosen_stem;
  plan.bearer = ep.hf_token;
  for (const auto& f : files) {
    PlannedFile pf;
    pf.url = ep.hf_endpoint + "/" + owner + "/" + repo + "/resolve/main/" + percent_encode(f.path, true);
    pf.file_name = base_name(f.path);
    if (!ModelRegistry::valid_name(pf.file_name)) return Error{"the Hub file name '" + f.path + "' is not usable"};
    pf.sha256 = f.sha256;
    pf.size = f.size;
    plan.files.push_back(pf);
  }
  const std::string label = quant_label(chosen->path);
  const std::string canonical = "hf.co/" + owner + "/" + repo + (label.empty() ? "" : ":" + label);
  plan.aliases.push_back(canonical);
  if (file_path.empty() && !quant.empty() && ref != canonical) plan.aliases.push_back(ref);
  if (file_path.empty() && quant.empty()) plan.aliases.push_back("hf.co/" + owner + "/" + repo);
  plan.source = {{"type", "hf"}, {"reference", ref}, {"repository", owner + "/" + repo}, {"file", chosen->path},
                 {"quantization", label}};
  return plan;
}

Result<nlohmann::json> search_hf(const std::string& query, int limit, const SourceEndpoints& ep) {
  limit = std::clamp(limit, 1, 100);
  const std::string url = ep.hf_endpoint + "/api/models?search=" + percent_encode(query, false) +
                          "&filter=gguf&sort=downloads&direction=-1&limit=" + std::to_string(limit);
  auto reply = get_small(url, ep.hf_token);
  if (!reply) return reply.status();
  if (reply->status != 200) return Error{"Hub search failed: " + explain_http_status(reply->status, url)};
  const auto body = parse_json_or_discarded(reply->body);
  if (!body.is_array()) return Error{"the Hub's search reply is not a JSON array"};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : body) {
    if (!m.is_object()) continue;
    const std::string id = m.contains("id") && m["id"].is_string() ? m["id"].get<std::string>()
                           : m.contains("modelId") && m["modelId"].is_string() ? m["modelId"].get<std::string>() : "";
    if (id.empty()) continue;
    out.push_back({{"id", id},
                   {"downloads", m.value("downloads", 0)},
                   {"likes", m.value("likes", 0)},
                   {"updated_at", m.contains("lastModified") && m["lastModified"].is_string() ? m["lastModified"] : nlohmann::json(nullptr)},
                   {"pull", "hf.co/" + id}});
  }
  return out;
}

}  // namespace pg::models
