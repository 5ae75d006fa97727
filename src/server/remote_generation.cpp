// Remote generations as GenerationJobs; see remote_generation.h.
#include "server/remote_generation.h"

#include <condition_variable>
#include <mutex>

#include "server/api_error.h"

namespace pg::server {
namespace {

// A provider's failure as a Status for the job (the upstream's status becomes
// the nearest code; its error code is kept as the reason).
Status status_of(const providers::RemoteError& e) {
  StatusCode code = StatusCode::kUpstreamFailed;
  switch (e.status) {
    case 401: code = StatusCode::kUnauthenticated; break;
    case 403: code = StatusCode::kPermissionDenied; break;
    case 404: code = StatusCode::kNotFound; break;
    case 409: code = StatusCode::kConflict; break;
    case 429: code = StatusCode::kBusy; break;
    case 500: code = StatusCode::kInternal; break;
    case 503: code = StatusCode::kUnavailable; break;
    case 504: code = StatusCode::kDeadlineExceeded; break;
    default: code = e.status >= 400 && e.status < 500 ? StatusCode::kInvalidArgument : StatusCode::kUpstreamFailed;
  }
  return Status(code, e.message, e.code);
}

}  // namespace

namespace {

// What the worker tells the waiting handler.
struct StartSignal {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;  // text came, or the generation ended without error
  std::optional<providers::RemoteError> error;
  std::string used, reason;
};

}  // namespace

std::optional<providers::RemoteModelRef> find_remote(app::Core& ctx, const std::string& name) {
  if (name.find('/') == std::string::npos) return std::nullopt;
  return ctx.providers().resolve(name);
}

nlohmann::json RemoteStart::fallback_json() const {
  if (fallback_reason.empty()) return nullptr;
  return {{"requested", requested}, {"used", job->model()}, {"reason", fallback_reason}};
}

void RemoteStart::set_headers(httplib::Response& res) const {
  res.set_header("X-Model", job->model());
  if (fallback_reason.empty()) return;
  res.set_header("X-Model-Fallback", job->model());
  res.set_header("X-Model-Requested", requested);
  res.set_header("X-Model-Fallback-Reason", fallback_reason);
}

std::string usage_user(const ApiRequest& req) {
  return req.user.username.empty() ? std::string("anonymous") : req.user.username;
}

RemoteStart start_remote_generation(ServerContext& ctx, const ApiRequest& req, const providers::RemoteModelRef& ref,
                                    providers::RemoteGenerationRequest request, const std::string& id) {
  if (ctx.shutting_down()) throw ApiError(503, "shutting_down", "the server is shutting down");
  providers::ProviderRegistry& registry = ctx.providers();
  providers::RemoteModelRef first = ref;
  std::string reason;
  if (!registry.may_have(ref)) {
    if (auto fb = registry.fallback_for(ref)) {
      first = *fb;
      reason = "model_not_listed";
    }
  }
  auto job = std::make_shared<GenerationJob>(id, first.full_name(), GenerationParams{},
                                             std::chrono::seconds(ctx.config().request_timeout));
  auto signal = std::make_shared<StartSignal>();
  signal->used = first.full_name();
  signal->reason = reason;
  ctx.register_job(job, req.user);
  const std::string user = usage_user(req);
  Metrics* metrics = &ctx.metrics();
  auto work = [job, signal, first, ref, request, user, metrics, &registry]() mutable {
    auto should_stop = [&] {
      return job->cancel_reason() != CancelReason::None || registry.stopping() || Clock::now() >= job->deadline();
    };
    auto announce = [&] {
      std::lock_guard lock(signal->mu);
      if (signal->started || signal->error) return;
      signal->started = true;
      signal->cv.notify_all();
    };
    providers::StreamCallbacks cb;
    cb.on_accepted = announce;
    cb.on_text = [&](const std::string& t) { job->push_text(t); };
    cb.should_stop = should_stop;
    providers::RemoteModelRef used = first;
    request.model = used.model;
    providers::RemoteCompletion res = used.client->generate(request, cb);
    bool started;
    {
      std::lock_guard lock(signal->mu);
      started = signal->started;
    }
    if (res.error && !started && (res.error->model_unavailable || res.error->provider_unavailable) &&
        first.full_name() == ref.full_name()) {
      if (auto fb = registry.fallback_for(ref)) {
        registry.usage().record(user, used.provider, 0, 0, true);
        used = *fb;
        {
          std::lock_guard lock(signal->mu);
          signal->used = used.full_name();
          signal->reason = res.error->model_unavailable ? "model_unavailable" : "provider_unavailable";
        }
        request.model = used.model;
        res = used.client->generate(request, cb);
      }
    }
    registry.usage().record(user, used.provider, res.prompt_tokens, res.completion_tokens, res.error.has_value());
    if (res.error) {
      {
        std::lock_guard lock(signal->mu);
        if (!signal->started) signal->error = res.error;
        signal->cv.notify_all();
      }
      job->fail(status_of(*res.error));
      return;
    }
    GenerationOutcome o;
    o.text = std::move(res.text);
    o.finish_reason = res.finish_reason;
    if (o.finish_reason == "cancelled" && job->cancel_reason() == CancelReason::Timeout) o.finish_reason = "timeout";
    if (o.finish_reason == "cancelled" && Clock::now() >= job->deadline()) o.finish_reason = "timeout";
    o.stats.prompt_tokens = res.prompt_tokens;
    o.stats.generated_tokens = res.completion_tokens;
    o.first_token_seconds = res.first_token_seconds;
    o.stats.time_to_first_token = res.first_token_seconds > 0 ? res.first_token_seconds : 0;
    o.stats.generation_seconds = res.first_token_seconds > 0 ? res.total_seconds - res.first_token_seconds : res.total_seconds;
    metrics->record_generation(used.full_name(), o);
    announce();
    job->finish(std::move(o));
  };
  auto guarded = [work = std::move(work), signal, job]() mutable {
    try {
      work();
    } catch (const std::exception& e) {
      providers::RemoteError err;
      err.status = 500;
      err.code = "internal_error";
      err.message = std::string("the remote generation failed: ") + e.what();
      {
        std::lock_guard lock(signal->mu);
        if (!signal->started) signal->error = err;
        signal->cv.notify_all();
      }
      job->fail(status_of(err));
    }
  };
  if (!registry.spawn(std::move(guarded))) {
    ctx.unregister_job(id);
    throw ApiError(503, "shutting_down", "the server is shutting down");
  }
  std::unique_lock lock(signal->mu);
  signal->cv.wait(lock, [&] { return signal->started || signal->error.has_value(); });
  if (signal->error) {
    ctx.unregister_job(id);
    const providers::RemoteError e = *signal->error;
    throw ApiError(e.status == 499 ? 503 : e.status, e.code, e.message);
  }
  RemoteStart out;
  out.requested = ref.full_name();
  out.fallback_reason = signal->reason;
  if (signal->used != job->model()) {
    // The fallback came after the job was made: a job carries its model's name, so remake its identity.
    job->rename_model(signal->used);
  }
  out.job = job;
  return out;
}

std::vector<std::vector<float>> remote_embeddings(app::Core& ctx, const std::string& user,
                                                  const providers::RemoteModelRef& ref,
                                                  const std::vector<std::string>& texts, int64_t* prompt_tokens) {
  providers::ProviderRegistry& registry = ctx.providers();
  // Shutdown ends the call at once (an ingestion file cut short this way is redone at the next start).
  providers::EmbeddingReply reply =
      ref.client->embed(ref.model, texts, [&] { return registry.stopping() || ctx.shutting_down(); });
  registry.usage().record(user, ref.provider, reply.prompt_tokens, 0, reply.error.has_value());
  if (reply.error) throw ApiError(reply.error->status == 499 ? 503 : reply.error->status, reply.error->code, reply.error->message);
  if (prompt_tokens) *prompt_tokens = reply.prompt_tokens;
  return std::move(reply.vectors);
}

}  // namespace pg::server
