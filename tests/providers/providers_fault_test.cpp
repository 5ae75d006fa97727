// RemoteClient against the fault-injecting server (real HTTP on loopback):
// retries before the first token only, Retry-After, the breaker opening,
// refusing and closing again, failover across endpoints, least-outstanding
// choice, and the first-byte, total and cancel limits, each with a bound on
// the time it took.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "providers/fault_server.h"
#include "providers/remote_client.h"

namespace pg::providers {
namespace {

using test::FaultServer;
using Clock = std::chrono::steady_clock;
using Mode = FaultServer::Mode;

ProviderConfig config_for(const std::vector<std::string>& urls) {
  ProviderConfig c;
  c.name = "fault";
  c.base_urls = urls;
  c.connect_timeout_ms = 500;
  c.first_byte_timeout_ms = 2000;
  c.total_timeout_ms = 10000;
  c.max_retries = 2;
  c.backoff_base_ms = 50;
  c.backoff_max_ms = 200;
  c.breaker_failures = 100;
  c.refresh_seconds = 0;
  return c;
}

RemoteGenerationRequest chat_request(const std::string& model = "good") {
  RemoteGenerationRequest r;
  r.model = model;
  r.chat = true;
  r.messages = nlohmann::json::array({{{"role", "user"}, {"content", "hi"}}});
  return r;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A loopback port nothing listens on (bound for a moment to learn a free number, then closed).
std::string dead_url() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
}

TEST(ProvidersFault, RetriesServerErrorsBeforeTheFirstTokenThenSucceeds) {
  FaultServer f;
  f.set(Mode::Fail500, 2);
  RemoteClient c(config_for({f.url()}));
  const auto t0 = Clock::now();
  RemoteCompletion r = c.generate(chat_request(), {});
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.text, "abc");
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_EQ(r.prompt_tokens, 5);
  EXPECT_EQ(r.completion_tokens, 3);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(f.requests(), 3);
  EXPECT_GE(seconds_since(t0), 0.025 + 0.05);  // two backoffs of at least half of 50 and 100 ms
}

TEST(ProvidersFault, GivesUpAfterMaxRetries) {
  FaultServer f;
  f.set(Mode::Fail500);
  RemoteClient c(config_for({f.url()}));
  RemoteCompletion r = c.generate(chat_request(), {});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->status, 502);
  EXPECT_TRUE(r.error->provider_unavailable);
  EXPECT_NE(r.error->message.find("injected failure"), std::string::npos) << r.error->message;
  EXPECT_EQ(f.requests(), 3);
}

TEST(ProvidersFault, HonoursRetryAfterOn429) {
  FaultServer f;
  f.set(Mode::Fail429, 1);
  RemoteClient c(config_for({f.url()}));
  const auto t0 = Clock::now();
  RemoteCompletion r = c.generate(chat_request(), {});
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.text, "abc");
  EXPECT_GE(seconds_since(t0), 1.0);  // Retry-After: 1, not the 25-50 ms backoff
  EXPECT_LT(seconds_since(t0), 3.0);
}

TEST(ProvidersFault, ADroppedConnectionIsRetriedOnlyBeforeTheFirstToken) {
  FaultServer f;
  f.set(Mode::DropBeforeText, 1);
  RemoteClient c(config_for({f.url()}));
  RemoteCompletion r = c.generate(chat_request(), {});
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.text, "abc");
  EXPECT_EQ(r.attempts, 2);

  f.set(Mode::DropAfterText, 1);
  std::string streamed;
  StreamCallbacks cb;
  cb.on_text = [&](const std::string& t) { streamed += t; };
  RemoteCompletion broken = c.generate(chat_request(), cb);
  ASSERT_TRUE(broken.error);  // the client has "a" already: no retry could take it back
  EXPECT_EQ(broken.attempts, 1);
  EXPECT_EQ(streamed, "a");
}

TEST(ProvidersFault, BreakerOpensRefusesWithoutCallingAndClosesAfterATrial) {
  FaultServer f;
  f.set(Mode::Fail500);
  ProviderConfig cfg = config_for({f.url()});
  cfg.max_retries = 0;
  cfg.breaker_failures = 2;
  cfg.breaker_open_ms = 300;
  RemoteClient c(cfg);
  EXPECT_TRUE(c.generate(chat_request(), {}).error);
  EXPECT_TRUE(c.generate(chat_request(), {}).error);
  EXPECT_EQ(c.endpoint_status()[0].breaker, "open");
  const auto t0 = Clock::now();
  RemoteCompletion refused = c.generate(chat_request(), {});
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->status, 503);
  EXPECT_EQ(refused.error->code, "provider_unavailable");
  EXPECT_EQ(f.requests(), 2);  // the open breaker answered without a request
  EXPECT_LT(seconds_since(t0), 0.05);

  f.set(Mode::Ok);
  std::this_thread::sleep_for(std::chrono::milliseconds(320));
  EXPECT_EQ(c.endpoint_status()[0].breaker, "half_open");
  RemoteCompletion trial = c.generate(chat_request(), {});
  ASSERT_FALSE(trial.error) << trial.error->message;
  EXPECT_EQ(c.endpoint_status()[0].breaker, "closed");
  EXPECT_EQ(f.requests(), 3);
}

TEST(ProvidersFault, FailsOverToTheLiveEndpointAndStopsTryingTheDeadOne) {
  FaultServer f;
  ProviderConfig cfg = config_for({dead_url(), f.url()});
  cfg.breaker_failures = 2;
  cfg.breaker_open_ms = 60000;
  RemoteClient c(cfg);
  for (int i = 0; i < 4; ++i) {
    RemoteCompletion r = c.generate(chat_request(), {});
    ASSERT_FALSE(r.error) << r.error->message;
    EXPECT_EQ(r.endpoint, f.url());
  }
  const auto st = c.endpoint_status();
  EXPECT_EQ(st[0].breaker, "open");
  EXPECT_EQ(st[0].requests, 2u);  // tried until its breaker opened, then left alone
  EXPECT_EQ(st[1].requests, 4u);
  EXPECT_EQ(f.requests(), 4);
}

TEST(ProvidersFault, SpreadsConcurrentRequestsByOutstandingCount) {
  FaultServer a, b;
  a.set(Mode::Drip);
  b.set(Mode::Drip);
  ProviderConfig cfg = config_for({a.url(), b.url()});
  RemoteClient c(cfg);
  std::atomic<bool> stop{false};
  StreamCallbacks cb;
  cb.should_stop = [&] { return stop.load(); };
  auto r1 = std::async(std::launch::async, [&] { return c.generate(chat_request(), cb); });
  auto r2 = std::async(std::launch::async, [&] { return c.generate(chat_request(), cb); });
  auto r3 = std::async(std::launch::async, [&] { return c.generate(chat_request(), cb); });
  const auto end = Clock::now() + std::chrono::seconds(3);
  while (a.active() + b.active() < 3 && Clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(a.active() + b.active(), 3);
  EXPECT_GE(a.active(), 1);
  EXPECT_GE(b.active(), 1);
  stop = true;
  EXPECT_EQ(r1.get().finish_reason, "cancelled");
  EXPECT_EQ(r2.get().finish_reason, "cancelled");
  EXPECT_EQ(r3.get().finish_reason, "cancelled");
}

TEST(ProvidersFault, NothingHangsPastItsTimeout) {
  FaultServer f;
  ProviderConfig cfg = config_for({f.url()});
  cfg.max_retries = 0;
  cfg.first_byte_timeout_ms = 300;
  RemoteClient slow(cfg);
  f.set(Mode::SlowHeaders);
  auto t0 = Clock::now();
  RemoteCompletion r = slow.generate(chat_request(), {});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->status, 503);
  EXPECT_LT(seconds_since(t0), 0.8);  // first_byte_timeout_ms 300

  cfg.first_byte_timeout_ms = 2000;
  cfg.total_timeout_ms = 700;
  RemoteClient total(cfg);
  f.set(Mode::Drip);
  t0 = Clock::now();
  RemoteCompletion dripped = total.generate(chat_request(), {});
  EXPECT_FALSE(dripped.error);
  EXPECT_EQ(dripped.finish_reason, "timeout");
  EXPECT_EQ(dripped.text.substr(0, 1), "a");
  EXPECT_GE(seconds_since(t0), 0.65);
  EXPECT_LT(seconds_since(t0), 1.0);  // total_timeout_ms 700
}

TEST(ProvidersFault, StopClosesTheUpstreamRequestPromptly) {
  FaultServer f;
  f.set(Mode::Drip);
  RemoteClient c(config_for({f.url()}));
  std::atomic<bool> stop{false};
  StreamCallbacks cb;
  std::atomic<int> pieces{0};
  cb.on_text = [&](const std::string&) { pieces.fetch_add(1); };
  cb.should_stop = [&] { return stop.load(); };
  auto running = std::async(std::launch::async, [&] { return c.generate(chat_request(), cb); });
  while (pieces.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto t0 = Clock::now();
  stop = true;
  RemoteCompletion r = running.get();
  EXPECT_LT(seconds_since(t0), 0.2);
  EXPECT_EQ(r.finish_reason, "cancelled");
  const auto end = Clock::now() + std::chrono::seconds(2);
  while (f.hangups() == 0 && Clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(f.hangups(), 1);  // the upstream saw the connection close
}

TEST(ProvidersFault, HealthChecksMarkEndpointsAndCloseAHalfOpenBreaker) {
  FaultServer f;
  ProviderConfig cfg = config_for({dead_url(), f.url()});
  cfg.breaker_failures = 1;
  cfg.breaker_open_ms = 100;
  RemoteClient c(cfg);
  c.check_health();
  auto st = c.endpoint_status();
  EXPECT_FALSE(st[0].healthy);
  EXPECT_EQ(st[0].breaker, "open");  // a failed check counts as a failure
  EXPECT_TRUE(st[1].healthy);
  EXPECT_EQ(st[1].breaker, "closed");
  // The live endpoint's breaker opened by a request failure closes on a passing check once half-open.
  f.set(Mode::Fail500, 1);
  ProviderConfig single = config_for({f.url()});
  single.max_retries = 0;
  single.breaker_failures = 1;
  single.breaker_open_ms = 100;
  RemoteClient s(single);
  EXPECT_TRUE(s.generate(chat_request(), {}).error);
  EXPECT_EQ(s.endpoint_status()[0].breaker, "open");
  s.check_health();  // still open: a check does not cut the open period short
  EXPECT_EQ(s.endpoint_status()[0].breaker, "open");
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  s.check_health();
  EXPECT_EQ(s.endpoint_status()[0].breaker, "closed");
}

TEST(ProvidersFault, MissingModelIsReportedForFallbackAndNotRetried) {
  FaultServer f;
  RemoteClient c(config_for({f.url()}));
  RemoteCompletion r = c.generate(chat_request("missing"), {});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->status, 404);
  EXPECT_TRUE(r.error->model_unavailable);
  EXPECT_EQ(f.requests(), 1);
  auto models = c.list_models();
  ASSERT_TRUE(models) << models.error();
  EXPECT_EQ(*models, (std::vector<std::string>{"good", "missing", "other"}));
  EmbeddingReply e = c.embed("good", {"x", "y"}, nullptr);
  ASSERT_FALSE(e.error) << e.error->message;
  ASSERT_EQ(e.vectors.size(), 2u);
  EXPECT_EQ(e.vectors[1], (std::vector<float>{1, 2, 2}));
}

}  // namespace
}  // namespace pg::providers
