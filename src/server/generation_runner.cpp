// Shared generation plumbing; see generation_runner.h.
#include "server/generation_runner.h"

#include <chrono>

#include "app/generation.h"
#include "server/api_error.h"

namespace pg::server {
namespace {
constexpr auto kEventPoll = std::chrono::milliseconds(250);
// How often a non-streamed request looks whether its client hung up.
constexpr auto kDisconnectPoll = std::chrono::milliseconds(100);
constexpr auto kKeepaliveAfter = std::chrono::seconds(2);
}  // namespace

std::shared_ptr<GenerationJob> submit_generation(ServerContext& ctx, const std::shared_ptr<LoadedModel>& model,
                                                 const std::string& id, GenerationParams params,
                                                 const auth::Principal& owner) {
  return value_or_throw(app::submit_generation(ctx.core(), model, id, std::move(params),
                                               owner.anonymous() ? std::string() : owner.username));
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
    if (ev->kind == JobEvent::Kind::Failed) throw api_error(ev->error);
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
          bool ok = false;
          if (ev->kind == JobEvent::Kind::Done) {
            ok = write(fmt->done(ev->outcome));
          } else {
            const ApiError e = api_error(ev->error);
            ok = write(fmt->error(e.status, e.code, e.message));
          }
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
