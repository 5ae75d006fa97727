// Shared generation plumbing; see generation_runner.h.
#include "server/generation_runner.h"

#include <chrono>

#include "server/api_error.h"

namespace pg::server {
namespace {
constexpr size_t kMaxStopSequences = 16;
constexpr size_t kMaxStopBytes = 1024;
constexpr auto kEventPoll = std::chrono::milliseconds(250);
// How often a non-streamed request looks whether its client hung up.
constexpr auto kDisconnectPoll = std::chrono::milliseconds(100);
constexpr auto kKeepaliveAfter = std::chrono::seconds(2);
}  // namespace

std::vector<TokenId> tokenize_prompt(const LoadedModel& model, const std::string& text, const std::string& field) {
  const Tokenizer& tok = model.decoder().tokenizer();
  std::vector<TokenId> ids = tok.encode(text, true, true);
  if (ids.empty() && tok.bos_id() >= 0) ids.push_back(tok.bos_id());
  if (ids.empty()) throw invalid_field(field, "is empty and model '" + model.file.name + "' has no BOS token to start from");
  return ids;
}

std::vector<TokenId> read_token_ids(const nlohmann::json& array, const std::string& field, int64_t n_vocab) {
  std::vector<TokenId> ids;
  ids.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const nlohmann::json& t = array[i];
    const std::string name = field + "[" + std::to_string(i) + "]";
    if (!t.is_number_integer()) throw invalid_field(name, "must be an integer token id, got " + describe_json(t));
    const int64_t id = t.is_number_unsigned() && t.get<uint64_t>() > INT64_MAX ? -1 : t.get<int64_t>();
    if (id < 0 || id >= n_vocab)
      throw invalid_field(name, "is " + t.dump() + ", outside the vocabulary 0 to " + std::to_string(n_vocab - 1));
    ids.push_back(static_cast<TokenId>(id));
  }
  return ids;
}

void read_sampling_fields(const FieldReader& r, GenerationParams& p) {
  SamplerParams& s = p.sampling;
  if (auto v = r.number("temperature", 0, 5)) s.temperature = static_cast<float>(*v);
  if (auto v = r.number("top_p", 0, 1)) {
    // top_p 0 keeps only the most likely token: the same as greedy.
    if (*v == 0) s.temperature = 0;
    else s.top_p = static_cast<float>(*v);
  }
  if (auto v = r.integer("top_k", 0, 1 << 24)) s.top_k = static_cast<int>(*v);
  if (auto v = r.number("min_p", 0, 1)) s.min_p = static_cast<float>(*v);
  if (auto v = r.number("repeat_penalty", 0, 10)) {
    if (*v == 0) throw invalid_field(r.name("repeat_penalty"), "must be greater than 0 (1 = off)");
    s.repeat_penalty = static_cast<float>(*v);
  }
  if (auto v = r.integer("repeat_last_n", -1, 1 << 20)) s.repeat_last_n = static_cast<int>(*v);
  if (auto v = r.number("frequency_penalty", -2, 2)) s.frequency_penalty = static_cast<float>(*v);
  if (auto v = r.number("presence_penalty", -2, 2)) s.presence_penalty = static_cast<float>(*v);
  // Seeds are 64-bit: a seed the server picked (returned as `seed`) may exceed INT64_MAX and must replay.
  if (const nlohmann::json* v = r.raw("seed"); v && v->is_number_unsigned()) s.seed = v->get<uint64_t>();
  else if (auto i = r.integer("seed", -1, INT64_MAX)) s.seed = *i < 0 ? kRandomSeed : static_cast<uint64_t>(*i);
  if (auto v = r.string_list("stop", kMaxStopSequences)) {
    for (size_t i = 0; i < v->size(); ++i)
      if ((*v)[i].size() > kMaxStopBytes)
        throw invalid_field(r.name("stop") + "[" + std::to_string(i) + "]",
                            "is longer than " + std::to_string(kMaxStopBytes) + " bytes");
    p.stop = std::move(*v);
  }
  if (auto v = r.boolean("ignore_eos")) p.ignore_eos = *v;
  if (Status st = s.validate(); !st) throw ApiError(400, "invalid_field", st.message());
}

void set_max_tokens(GenerationParams& p, std::optional<int64_t> requested, const std::string& field,
                    const LoadedModel& model) {
  const int64_t n_ctx = model.generation_scheduler().context_size();
  const int64_t n_prompt = static_cast<int64_t>(p.prompt_ids.size());
  if (n_prompt > n_ctx)
    throw ApiError(400, "context_length_exceeded",
                   "the prompt has " + std::to_string(n_prompt) + " tokens, more than the context size " +
                       std::to_string(n_ctx) + " of model '" + model.file.name + "'");
  if (requested) {
    if (*requested < 1 || *requested > n_ctx)
      throw invalid_field(field, "is " + std::to_string(*requested) + ", outside the allowed range 1 to " +
                                     std::to_string(n_ctx) + " (the context size)");
    p.max_tokens = *requested;
  } else {
    p.max_tokens = std::max<int64_t>(1, n_ctx - n_prompt);
  }
}

std::shared_ptr<GenerationJob> submit_generation(ServerContext& ctx, const std::shared_ptr<LoadedModel>& model,
                                                 const std::string& id, GenerationParams params,
                                                 const auth::Principal& owner) {
  if (ctx.shutting_down()) throw ApiError(503, "shutting_down", "the server is shutting down");
  Scheduler& scheduler = model->generation_scheduler();
  auto job = std::make_shared<GenerationJob>(id, model->file.name, std::move(params),
                                             std::chrono::seconds(ctx.config().request_timeout));
  ctx.register_job(job, owner);
  switch (scheduler.submit(job)) {
    case SubmitResult::Accepted: break;
    case SubmitResult::QueueFull:
      ctx.unregister_job(id);
      throw ApiError(429, "queue_full",
                     "all " + std::to_string(scheduler.options().slots) + " slots and " +
                         std::to_string(scheduler.options().queue_size) + " queue places of model '" +
                         model->file.name + "' are taken; retry later");
    case SubmitResult::ShuttingDown:
      ctx.unregister_job(id);
      throw ApiError(503, "shutting_down", "the server is shutting down");
  }
  return job;
}

GenerationOutcome wait_for_outcome(ServerContext& ctx, const std::shared_ptr<GenerationJob>& job,
                                   const std::function<bool()>& client_gone) {
  auto next_check = std::chrono::steady_clock::now();
  bool gone = false;
  for (;;) {
    auto ev = job->next_event(kDisconnectPoll);
    if (!gone && client_gone && std::chrono::steady_clock::now() >= next_check) {
      next_check = std::chrono::steady_clock::now() + kDisconnectPoll;
      if (client_gone()) {
        gone = true;
        job->cancel(CancelReason::Disconnected);
      }
    }
    if (!ev || ev->kind == JobEvent::Kind::Text) continue;
    if (gone) {
      ctx.unregister_job(job->id());
      throw ApiError(499, "client_closed", "the client closed the connection; the generation was cancelled");
    }
    ctx.unregister_job(job->id());
    if (ev->kind == JobEvent::Kind::Failed) throw ApiError(ev->status, ev->code, ev->message);
    return std::move(ev->outcome);
  }
}

void stream_generation(ServerContext& ctx, httplib::Response& res, std::shared_ptr<LoadedModel> model,
                       std::shared_ptr<GenerationJob> job, StreamFormat format) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_header("X-Generation-Id", job->id());
  auto fmt = std::make_shared<StreamFormat>(std::move(format));
  const std::string content_type = fmt->content_type;
  res.set_chunked_content_provider(
      content_type,
      [job, fmt, model](size_t, httplib::DataSink& sink) {
        auto write = [&](const std::string& bytes) { return bytes.empty() || sink.write(bytes.data(), bytes.size()); };
        auto gone = [&] {
          job->cancel(CancelReason::Disconnected);
          return false;
        };
        if (fmt->start && !write(fmt->start())) return gone();
        auto quiet_since = std::chrono::steady_clock::now();
        for (;;) {
          auto ev = job->next_event(kEventPoll);
          if (!ev) {
            if (!sink.is_writable()) return gone();
            if (!fmt->keepalive.empty() && std::chrono::steady_clock::now() - quiet_since > kKeepaliveAfter) {
              if (!write(fmt->keepalive)) return gone();
              quiet_since = std::chrono::steady_clock::now();
            }
            continue;
          }
          quiet_since = std::chrono::steady_clock::now();
          if (ev->kind == JobEvent::Kind::Text) {
            if (!write(fmt->text(ev->text))) return gone();
            continue;
          }
          const bool ok = ev->kind == JobEvent::Kind::Done ? write(fmt->done(ev->outcome))
                                                           : write(fmt->error(ev->status, ev->code, ev->message));
          if (!ok) return false;
          sink.done();
          return true;
        }
      },
      [&ctx, job](bool) {
        if (!job->finished()) job->cancel(CancelReason::Disconnected);
        ctx.unregister_job(job->id());
      });
}

}  // namespace pg::server
