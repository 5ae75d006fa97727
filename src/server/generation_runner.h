// The wire side of a generation every API shares: reading the sampling
// fields and token ids, submitting a prepared job (app/generation.h) as the
// caller's, and then either waiting for the outcome or streaming it through a
// chunked HTTP response in the API's own wire format. Throws ApiError: the
// failures' Status codes through the one table (429 queue full, 503 shutting
// down, ...), inside src/server only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>

#include "app/generation_job.h"
#include "app/sampling_options.h"
#include "app/model_manager.h"
#include "server/request_fields.h"
#include "server/server_context.h"

namespace pg::server {

// The items of a JSON array as token ids within the vocabulary (400 naming
// field[i] and the value otherwise). The caller checks that it is an array.
std::vector<TokenId> read_token_ids(const nlohmann::json& array, const std::string& field, int64_t n_vocab);

// THE reader of the sampling fields (app/sampling_options.h's table, then
// seed, stop and ignore_eos), for local and remote models alike.
SamplingOptions read_sampling_options(const FieldReader& r);
// The JSON names read_sampling_options reads.
std::vector<std::string> sampling_field_names();
// Options as JSON, the fields that are set only (a random seed as -1).
nlohmann::json sampling_options_json(const SamplingOptions& options);
// Reads them and applies them to params (400 invalid_field when out of range).
void read_sampling_fields(const FieldReader& r, GenerationParams& params);

// Registers the job as `owner`'s (who may cancel it) and submits it (429
// queue full, 503 shutting down).
std::shared_ptr<GenerationJob> submit_generation(ServerContext& ctx, const std::shared_ptr<LoadedModel>& model,
                                                 const std::string& id, GenerationParams params,
                                                 const auth::Principal& owner);

// Blocks until the job ends; throws its failure as ApiError. When client_gone
// (may be empty) says the caller hung up, the job is cancelled (its slot freed
// within one decode step) and the request ends as 499 client_closed.
GenerationOutcome wait_for_outcome(ServerContext& ctx, const std::shared_ptr<GenerationJob>& job,
                                   const std::function<bool()>& client_gone);

// One API's streaming wire format. Each function returns the bytes to send ("" = nothing).
struct StreamFormat {
  std::string content_type;
  std::function<std::string()> start;
  std::function<std::string(const JobEvent& text)> text;  // a Text event: its text (and logprobs)
  std::function<std::string(const GenerationOutcome& outcome)> done;
  std::function<std::string(int status, const std::string& code, const std::string& message)> error;
  std::string keepalive;  // sent after a quiet while so a closed connection is noticed; "" = none
};

// Answers with a chunked stream of the job's events. A failed write (the
// client went away) cancels the job, which stops within one decode step.
void stream_generation(ServerContext& ctx, httplib::Response& res, std::shared_ptr<LoadedModel> model,
                       std::shared_ptr<GenerationJob> job, StreamFormat format);

// Several choices of one request (OpenAI's n), streamed one after another
// (each chunk names its choice); they generate side by side meanwhile.
struct ChoiceStreamFormat {
  std::string content_type;
  std::function<std::string()> start;
  std::function<std::string(size_t choice, const JobEvent& text)> text;
  std::function<std::string(size_t choice, const GenerationOutcome& outcome)> choice_done;  // may be empty
  std::function<std::string(const std::vector<GenerationOutcome>& outcomes)> done;
  std::function<std::string(int status, const std::string& code, const std::string& message)> error;
  std::string keepalive;
};
void stream_choices(ServerContext& ctx, httplib::Response& res, std::shared_ptr<LoadedModel> model,
                    std::vector<std::shared_ptr<GenerationJob>> jobs, ChoiceStreamFormat format);

}  // namespace pg::server
