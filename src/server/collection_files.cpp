// A collection's stored files; see collection_files.h.
#include "server/collection_files.h"

#include <filesystem>

#include "util/json_guard.h"
#include "rag/ingest_submit.h"
#include "server/api_error.h"
#include "server/rag_json.h"
#include "server/request_fields.h"
#include "server/routes.h"

namespace pg::server {
namespace {

constexpr int kMaxTags = 32;
constexpr size_t kMaxMetadata = 32;

}  // namespace

std::vector<std::string> read_tags(const FieldReader& r, const std::string& key) {
  auto tags = r.string_list(key, kMaxTags);
  std::vector<std::string> out;
  if (!tags) return out;
  for (const std::string& t : *tags) {
    if (t.empty() || t.size() > 64) throw invalid_field(key, "has a tag that is empty or longer than 64 bytes");
    out.push_back(t);
  }
  return out;
}

std::map<std::string, std::string> read_metadata(const FieldReader& r, const std::string& key) {
  std::map<std::string, std::string> out;
  const nlohmann::json* m = r.raw(key);
  if (!m) return out;
  if (!m->is_object()) throw invalid_field(key, "must be an object of string values, got " + describe_json(*m));
  if (m->size() > kMaxMetadata) throw invalid_field(key, "has more than 32 keys");
  for (const auto& [k, v] : m->items()) {
    if (k.empty() || k.size() > 64) throw invalid_field(key, "has a key that is empty or longer than 64 bytes");
    if (!v.is_string() && !v.is_number() && !v.is_boolean())
      throw invalid_field(key + "." + k, "must be a string, number or boolean, got " + describe_json(v));
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (text.size() > 1024) throw invalid_field(key + "." + k, "is longer than 1024 bytes");
    out[k] = std::move(text);
  }
  return out;
}

bool answer_collection_upload(ServerContext& ctx, const rag::Collection& c, Upload& upload, httplib::Response& res) {
  RagServices& rag = ctx.rag();
  if (upload.files.empty())
    throw ApiError(400, "no_files", "the upload has no file parts (send them as multipart files)");
  rag::SubmitOptions options;
  options.max_file_bytes = static_cast<uint64_t>(ctx.config().max_upload_bytes);
  nlohmann::json form = nlohmann::json::object();
  if (auto t = upload.fields.find("tags"); t != upload.fields.end()) {
    if (Status depth = check_json_depth(t->second); !depth)
      throw invalid_field("tags", depth.message());
    Result<nlohmann::json> json_tags = parse_json_guarded(t->second, "field 'tags'");
    nlohmann::json parsed = json_tags ? std::move(json_tags).value() : nlohmann::json();
    if (!json_tags) {  // a comma-separated list
      parsed = nlohmann::json::array();
      size_t pos = 0;
      while (pos <= t->second.size()) {
        size_t comma = t->second.find(',', pos);
        if (comma == std::string::npos) comma = t->second.size();
        std::string tag = t->second.substr(pos, comma - pos);
        tag.erase(0, tag.find_first_not_of(' '));
        tag.erase(tag.find_last_not_of(' ') + 1);
        if (!tag.empty()) parsed.push_back(tag);
        pos = comma + 1;
      }
    }
    form["tags"] = parsed;
  }
  if (auto m = upload.fields.find("metadata"); m != upload.fields.end()) {
    Result<nlohmann::json> parsed = parse_json_guarded(m->second, "field 'metadata'");
    if (!parsed) throw invalid_field("metadata", "must be a JSON object: " + parsed.error());
    form["metadata"] = std::move(parsed).value();
  }
  FieldReader r(form);
  options.tags = read_tags(r, "tags");
  options.metadata = read_metadata(r, "metadata");
  std::vector<rag::IncomingFile> files;
  for (const UploadedFile& f : upload.files)
    files.push_back({f.file_name, f.temp_path, true, f.too_large});
  auto out = rag::submit_files(*rag.collections, *rag.jobs, rag.documents_dir, c, files, options,
                               ctx.new_id("job-"));
  if (!out) throw ApiError(500, "database_error", "the upload could not be stored: " + out.error());
  if (out->job) rag.worker->wake();
  nlohmann::json docs = nlohmann::json::array();
  for (const rag::DocumentRecord& d : out->documents) docs.push_back(document_json(d));
  nlohmann::json refused = nlohmann::json::array();
  for (const rag::RefusedFile& f : out->refused)
    refused.push_back({{"file_name", f.file_name}, {"error", {{"code", f.code}, {"message", f.message}}}});
  const bool accepted = out->job.has_value();
  send_json(res, accepted ? 202 : 400,
            {{"job", accepted ? job_json(*out->job, std::nullopt) : nlohmann::json(nullptr)},
             {"documents", docs},
             {"refused", refused},
             {"error", accepted ? nlohmann::json(nullptr)
                                : nlohmann::json{{"code", "no_file_accepted"},
                                                 {"message", "every file of the upload was refused"}}}});
  return accepted;
}

void remove_document_files(const RagServices& rag, const std::vector<int64_t>& document_ids) {
  for (int64_t id : document_ids) {
    std::error_code ec;
    std::filesystem::remove(rag::document_file_path(rag.documents_dir, id), ec);
  }
}

void delete_collection_and_files(ServerContext& ctx, const rag::Collection& c) {
  RagServices& rag = ctx.rag();
  std::vector<int64_t> ids;
  for (const rag::DocumentRecord& d : db_checked(rag.collections->list_documents(c.id))) ids.push_back(d.id);
  for (const rag::IngestJob& j : db_checked(rag.jobs->list(c.id, 1000))) (void)rag.worker->cancel(j.id);
  if (Status s = rag.vectors->delete_collection(c.id); !s) throw store_error(s, c.name);
  remove_document_files(rag, ids);
}

}  // namespace pg::server
