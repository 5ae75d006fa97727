// Login as a denial-of-service lever (issue 18, defect 5): failed logins are
// throttled per account and per client address with 429 too_many_attempts
// and Retry-After, answered without computing a hash; a success clears the
// account; concurrent hashes never exceed the permits; the building blocks
// (FailureLimiter, HashPermits) on their own.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "server/auth/failure_limiter.h"
#include "server/auth/hash_permits.h"
#include "server_auth_support.h"

namespace pg::test {
namespace {

using server::auth::FailureLimiter;
using std::chrono::seconds;

const std::string kSecret = "server-login-throttle-test-secret-0123456789";

app::ServerConfig throttle_config(int account_failures, int ip_failures) {
  auto c = test_server_config();
  c.auth = "on";
  c.secret = kSecret;
  c.login_account_failures = account_failures;
  c.login_ip_failures = ip_failures;
  add_user_to(c.data_dir, "root", "Tr0ub4dor-and-3", "admin");
  add_user_to(c.data_dir, "alice", "correct-horse-battery", "user");
  return c;
}

// A metric of the server, read with an admin token made without logging in.
double metric(TestServer& srv, const app::ServerConfig& c, const std::string& name) {
  const std::string token = token_for(c.data_dir, "root", kSecret);
  return metric_value(get_json(srv, "/api/v1/metrics", bearer(token)).raw, name);
}

void expect_throttled(const JsonReply& r) {
  EXPECT_EQ(r.status, 429) << r.raw;
  ASSERT_TRUE(r.body.is_object()) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "too_many_attempts") << r.raw;
  auto it = r.headers.find("Retry-After");
  ASSERT_NE(it, r.headers.end());
  const long long after = std::stoll(it->second);
  EXPECT_GT(after, 0);
  EXPECT_LE(after, 900);
}

TEST(ServerLoginThrottle, AnAccountIsLockedAfterItsFailuresWithoutHashing) {
  const auto c = throttle_config(5, 1000);
  TestServer srv(c);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(try_login(srv, "alice", "wrong-guess-" + std::to_string(i)).status, 401);
  const double hashes = metric(srv, c, "playground_password_hashes_total");
  EXPECT_EQ(hashes, 5);
  expect_throttled(try_login(srv, "alice", "correct-horse-battery"));  // the right password too
  expect_throttled(try_login(srv, "alice", "wrong-again"));
  EXPECT_EQ(metric(srv, c, "playground_password_hashes_total"), hashes);  // no hash for a 429
  EXPECT_EQ(metric(srv, c, "playground_login_throttled_total"), 2);
  // Another account from the same address is not locked.
  EXPECT_FALSE(login_token(srv, "root", "Tr0ub4dor-and-3").empty());
}

TEST(ServerLoginThrottle, UnknownNamesAreThrottledLikeKnownOnes) {
  TestServer srv(throttle_config(3, 1000));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(try_login(srv, "mallory", "whatever-" + std::to_string(i)).status, 401);
  expect_throttled(try_login(srv, "mallory", "whatever-x"));
}

TEST(ServerLoginThrottle, ASuccessfulLoginResetsTheAccountsFailures) {
  TestServer srv(throttle_config(5, 1000));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) EXPECT_EQ(try_login(srv, "alice", "nope-nope-" + std::to_string(i)).status, 401);
    EXPECT_FALSE(login_token(srv, "alice", "correct-horse-battery").empty()) << "round " << round;
  }
}

TEST(ServerLoginThrottle, AnAddressIsLockedAcrossAccounts) {
  TestServer srv(throttle_config(100, 3));
  EXPECT_EQ(try_login(srv, "alice", "wrong-guess-1").status, 401);
  EXPECT_EQ(try_login(srv, "bob", "wrong-guess-2").status, 401);
  EXPECT_EQ(try_login(srv, "carol", "wrong-guess-3").status, 401);
  expect_throttled(try_login(srv, "root", "Tr0ub4dor-and-3"));
}

TEST(ServerLoginThrottle, ConcurrentWrongLoginsStayWithinTheHashPermits) {
  auto c = throttle_config(100, 1000);
  c.password_hash_concurrency = 2;
  c.password_hash_wait = 120;
  // A costlier hash (64 MiB) so that the logins overlap.
  add_user_to(c.data_dir, "erin", "erin-is-not-here-1", "user", server::auth::PasswordCost::Interactive);
  TestServer srv(c);
  std::vector<std::thread> threads;
  std::vector<int> status(8);
  for (size_t i = 0; i < status.size(); ++i)
    threads.emplace_back([&, i] { status[i] = try_login(srv, "erin", "guess-number-" + std::to_string(i)).status; });
  for (auto& t : threads) t.join();
  for (int s : status) EXPECT_EQ(s, 401);
  EXPECT_EQ(metric(srv, c, "playground_password_hash_permits"), 2);
  EXPECT_EQ(metric(srv, c, "playground_password_hashes_total"), 8);
  EXPECT_GE(metric(srv, c, "playground_password_hashes_peak"), 1);
  EXPECT_LE(metric(srv, c, "playground_password_hashes_peak"), 2);
  EXPECT_EQ(metric(srv, c, "playground_password_hashes_running"), 0);
}

TEST(ServerFailureLimiter, LocksAfterTheLimitWithinTheWindowAndBacksOff) {
  FailureLimiter::Options o;
  o.max_failures = 3;
  o.window = seconds(60);
  o.max_lockout = seconds(200);
  o.max_keys = 100;
  FailureLimiter lim(o);
  const auto t0 = FailureLimiter::Clock::time_point{} + std::chrono::hours(1000);
  // Failures spread wider than the window never lock.
  for (int i = 0; i < 10; ++i) lim.record_failure("a", t0 + seconds(i * 31));
  EXPECT_EQ(lim.locked_for("a", t0 + seconds(310)), FailureLimiter::Clock::duration::zero());
  // Three within the window: locked for one window.
  auto t = t0 + seconds(1000);
  for (int i = 0; i < 3; ++i) lim.record_failure("b", t + seconds(i));
  EXPECT_EQ(lim.locked_for("b", t + seconds(2)), seconds(60));
  EXPECT_EQ(lim.locked_for("c", t + seconds(2)), FailureLimiter::Clock::duration::zero());
  // The next lockout lasts twice as long, then four times, capped at max_lockout.
  t += seconds(62);
  EXPECT_EQ(lim.locked_for("b", t), FailureLimiter::Clock::duration::zero());
  for (int i = 0; i < 3; ++i) lim.record_failure("b", t);
  EXPECT_EQ(lim.locked_for("b", t), seconds(120));
  t += seconds(120);
  for (int i = 0; i < 3; ++i) lim.record_failure("b", t);
  EXPECT_EQ(lim.locked_for("b", t), seconds(200));
  // A success forgets everything.
  lim.reset("b");
  EXPECT_EQ(lim.locked_for("b", t), FailureLimiter::Clock::duration::zero());
  for (int i = 0; i < 3; ++i) lim.record_failure("b", t);
  EXPECT_EQ(lim.locked_for("b", t), seconds(60));
}

TEST(ServerFailureLimiter, TracksAtMostMaxKeysForgettingTheOldestFirst) {
  FailureLimiter::Options o;
  o.max_failures = 2;
  o.window = seconds(60);
  o.max_keys = 16;
  FailureLimiter lim(o);
  const auto t = FailureLimiter::Clock::time_point{} + std::chrono::hours(1000);
  lim.record_failure("first", t);
  lim.record_failure("first", t);
  EXPECT_GT(lim.locked_for("first", t), FailureLimiter::Clock::duration::zero());
  for (int i = 0; i < 1000; ++i) lim.record_failure("key-" + std::to_string(i), t);
  EXPECT_EQ(lim.tracked_keys(), 16u);
  EXPECT_EQ(lim.locked_for("first", t), FailureLimiter::Clock::duration::zero());  // forgotten
}

TEST(ServerHashPermits, NoMoreThanCapacityAtOnceAndWaitingIsBounded) {
  server::auth::HashPermits permits(2);
  auto a = permits.acquire(std::chrono::milliseconds(0));
  auto b = permits.acquire(std::chrono::milliseconds(0));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(permits.in_use(), 2);
  EXPECT_FALSE(permits.acquire(std::chrono::milliseconds(20)));
  EXPECT_EQ(permits.timed_out(), 1u);
  std::thread freeing([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    a.reset();
  });
  auto c = permits.acquire(std::chrono::seconds(30));  // woken when `a` goes
  freeing.join();
  EXPECT_TRUE(c);
  EXPECT_EQ(permits.peak(), 2);
  EXPECT_EQ(permits.granted(), 3u);
  b.reset();
  c.reset();
  EXPECT_EQ(permits.in_use(), 0);
}

}  // namespace
}  // namespace pg::test
