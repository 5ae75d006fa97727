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
  auto f = std::make_shared<StreamFormat>(std::move(format));
  ChoiceStreamFormat c;
  c.content_type = f->content_type;
  c.keepalive = f->keepalive;
  if (f->start) c.start = [f] { return f->start(); };
  c.text = [f](size_t, const JobEvent& ev) { return f->text(ev); };
  c.done = [f](const std::vector<GenerationOutcome>& outcomes) { return f->done(outcomes.front()); };
  c.error = [f](int status, const std::string& code, const std::string& message) {
    return f->error(status, code, message);
  };
  stream_choices(ctx, res, std::move(model), {std::move(job)}, std::move(c));
}

void stream_choices(ServerContext& ctx, httplib::Response& res, std::shared_ptr<LoadedModel> model,
                    std::vector<std::shared_ptr<GenerationJob>> jobs, ChoiceStreamFormat format) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_header("X-Generation-Id", jobs.front()->id());
  auto fmt = std::make_shared<ChoiceStreamFormat>(std::move(format));
  auto shared_jobs = std::make_shared<std::vector<std::shared_ptr<GenerationJob>>>(std::move(jobs));
  const std::string content_type = fmt->content_type;
  res.set_chunked_content_provider(
      content_type,
      [shared_jobs, fmt, model](size_t, httplib::DataSink& sink) {
        const auto& jobs = *shared_jobs;
        auto write = [&](const std::string& bytes) { return bytes.empty() || sink.write(bytes.data(), bytes.size()); };
        auto gone = [&] {
          for (const auto& job : jobs) job->cancel(CancelReason::Disconnected);
          return false;
        };
        if (fmt->start && !write(fmt->start())) return gone();
        std::vector<GenerationOutcome> outcomes;
        for (size_t choice = 0; choice < jobs.size(); ++choice) {
          GenerationJob& job = *jobs[choice];
          auto quiet_since = std::chrono::steady_clock::now();
          for (;;) {
            auto ev = job.next_event(kEventPoll);
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
              if (!write(fmt->text(choice, *ev))) return gone();
              continue;
            }
            if (ev->kind == JobEvent::Kind::Failed) {
              for (const auto& other : jobs) other->cancel(CancelReason::Requested);
              const ApiError e = api_error(ev->error);
              if (!write(fmt->error(e.status, e.code, e.message))) return false;
              sink.done();
              return true;
            }
            if (fmt->choice_done && !write(fmt->choice_done(choice, ev->outcome))) return gone();
            outcomes.push_back(std::move(ev->outcome));
            break;
          }
        }
        if (!write(fmt->done(outcomes))) return false;
        sink.done();
        return true;
      },
      [&ctx, shared_jobs](bool) {
        for (const auto& job : *shared_jobs) {
          if (!job->finished()) job->cancel(CancelReason::Disconnected);
          ctx.unregister_job(job->id());
        }
      });
}

}  // namespace pg::server
