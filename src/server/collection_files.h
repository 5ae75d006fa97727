// A collection's stored files, for the routes that fill or empty a collection
// (collections, and conversations with files dropped into them): an upload's
// files submitted for ingestion with the answer POST
// /api/v1/collections/{id}/documents gives, the stored copies of documents
// removed, and a whole collection deleted with its jobs, vectors and files.
// Throws ApiError; never decides who may do it (the routes do).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "app/rag_services.h"
#include "rag/collection_store.h"
#include "server/http_util.h"
#include "server/request_fields.h"
#include "server/server_context.h"

namespace pg::server {

// Submits the upload's files (tags and metadata from its form fields) to the
// collection and answers 202 with the job, the documents and the refused
// files, or 400 when every file was refused or there were none. True when
// any file was accepted.
bool answer_collection_upload(ServerContext& ctx, const rag::Collection& c, Upload& upload, httplib::Response& res);

// A document's `tags` (at most 32, each 1-64 bytes) and `metadata` (at most 32
// keys of 1-64 bytes; string, number or boolean values up to 1024 bytes) read
// from a request or an upload's form fields; 400 naming the field otherwise.
std::vector<std::string> read_tags(const FieldReader& r, const std::string& key);
std::map<std::string, std::string> read_metadata(const FieldReader& r, const std::string& key);

// Removes the stored copies of these documents (missing ones are fine).
void remove_document_files(const RagServices& rag, const std::vector<int64_t>& document_ids);

// Cancels the collection's jobs, deletes it (documents, chunks, vectors) and its documents' files.
void delete_collection_and_files(ServerContext& ctx, const rag::Collection& c);

}  // namespace pg::server
