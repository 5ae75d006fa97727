// Unit tests of the robustness parts of remote providers: the backoff
// schedule and Retry-After, the circuit breaker's state machine (time passed
// in, no sleeping) and the endpoint pool's least-outstanding choice.
#include <gtest/gtest.h>

#include <chrono>

#include "providers/backoff.h"
#include "providers/circuit_breaker.h"
#include "providers/endpoint_pool.h"

namespace pg::providers {
namespace {

using std::chrono::milliseconds;

TEST(ProvidersBackoff, DoublesFromTheBaseUpToTheMaximum) {
  const BackoffPolicy p{200, 5000};
  EXPECT_EQ(nominal_backoff_ms(p, 0), 200);
  EXPECT_EQ(nominal_backoff_ms(p, 1), 400);
  EXPECT_EQ(nominal_backoff_ms(p, 2), 800);
  EXPECT_EQ(nominal_backoff_ms(p, 4), 3200);
  EXPECT_EQ(nominal_backoff_ms(p, 5), 5000);
  EXPECT_EQ(nominal_backoff_ms(p, 60), 5000);  // no overflow
  EXPECT_EQ(nominal_backoff_ms(BackoffPolicy{0, 100}, 3), 0);
}

TEST(ProvidersBackoff, JitterKeepsTheWaitBetweenHalfAndAllOfTheNominal) {
  const BackoffPolicy p{200, 5000};
  EXPECT_EQ(backoff_ms(p, 0, 0.0), 100);
  EXPECT_EQ(backoff_ms(p, 0, 0.5), 150);
  EXPECT_EQ(backoff_ms(p, 0, 0.999999), 199);
  EXPECT_EQ(backoff_ms(p, 2, 0.0), 400);
  EXPECT_EQ(backoff_ms(p, 9, 1.0), 5000);
  EXPECT_EQ(backoff_ms(p, 1, -3.0), 200);  // a draw out of range is clamped
}

TEST(ProvidersBackoff, RetryAfterSecondsOnly) {
  EXPECT_EQ(parse_retry_after_ms("2"), 2000);
  EXPECT_EQ(parse_retry_after_ms(" 0 "), 0);
  EXPECT_EQ(parse_retry_after_ms("999999999"), 86400000);  // capped at a day
  EXPECT_FALSE(parse_retry_after_ms(""));
  EXPECT_FALSE(parse_retry_after_ms("-1"));
  EXPECT_FALSE(parse_retry_after_ms("1.5"));
  EXPECT_FALSE(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(ProvidersBreaker, OpensAfterTheThresholdAndHalfOpensAfterTheOpenPeriod) {
  CircuitBreaker b(3, milliseconds(1000));
  const auto t0 = SteadyTime{} + std::chrono::hours(1);
  EXPECT_EQ(b.state(t0), BreakerState::Closed);
  b.record_failure(t0);
  b.record_failure(t0);
  EXPECT_EQ(b.state(t0), BreakerState::Closed);
  b.record_success();  // a success resets the count
  b.record_failure(t0);
  b.record_failure(t0);
  EXPECT_TRUE(b.try_acquire(t0));
  b.record_failure(t0);
  EXPECT_EQ(b.state(t0), BreakerState::Open);
  EXPECT_FALSE(b.try_acquire(t0 + milliseconds(999)));
  EXPECT_EQ(b.state(t0 + milliseconds(1000)), BreakerState::HalfOpen);
  // Half-open admits one trial at a time.
  EXPECT_TRUE(b.try_acquire(t0 + milliseconds(1000)));
  EXPECT_FALSE(b.try_acquire(t0 + milliseconds(1001)));
  // The trial fails: open again for a whole period from then.
  b.record_failure(t0 + milliseconds(1100));
  EXPECT_EQ(b.state(t0 + milliseconds(2000)), BreakerState::Open);
  EXPECT_EQ(b.state(t0 + milliseconds(2100)), BreakerState::HalfOpen);
  EXPECT_TRUE(b.try_acquire(t0 + milliseconds(2100)));
  b.record_success();
  EXPECT_EQ(b.state(t0 + milliseconds(2100)), BreakerState::Closed);
  EXPECT_EQ(b.consecutive_failures(), 0);
}

TEST(ProvidersBreaker, AnUnreportedTrialIsReleased) {
  CircuitBreaker b(1, milliseconds(10));
  const auto t0 = SteadyTime{} + std::chrono::hours(1);
  b.record_failure(t0);
  ASSERT_TRUE(b.try_acquire(t0 + milliseconds(10)));
  EXPECT_FALSE(b.would_admit(t0 + milliseconds(10)));
  b.release_trial();  // e.g. the request was cancelled
  EXPECT_TRUE(b.would_admit(t0 + milliseconds(10)));
}

TEST(ProvidersPool, TakesTheLeastOutstandingEndpointAndRoundRobinsTies) {
  EndpointPool pool({"http://a", "http://b", "http://c"}, 2, milliseconds(1000));
  const auto now = SteadyTime{} + std::chrono::hours(1);
  auto l1 = pool.acquire(now, {});
  auto l2 = pool.acquire(now, {});
  auto l3 = pool.acquire(now, {});
  ASSERT_TRUE(l1 && l2 && l3);
  EXPECT_EQ(l1->endpoint().url, "http://a");
  EXPECT_EQ(l2->endpoint().url, "http://b");
  EXPECT_EQ(l3->endpoint().url, "http://c");
  {
    Lease done = std::move(*l2);  // b finishes
  }
  auto l4 = pool.acquire(now, {});
  ASSERT_TRUE(l4);
  EXPECT_EQ(l4->endpoint().url, "http://b");  // the only one with nothing outstanding
  EXPECT_EQ(pool.endpoints()[0]->outstanding.load(), 1);
  EXPECT_EQ(pool.endpoints()[1]->outstanding.load(), 1);
}

TEST(ProvidersPool, PrefersUntriedEndpointsAndSkipsOpenBreakers) {
  EndpointPool pool({"http://a", "http://b"}, 1, milliseconds(1000));
  const auto now = SteadyTime{} + std::chrono::hours(1);
  {
    auto l = pool.acquire(now, {});
    ASSERT_TRUE(l);
    EXPECT_EQ(l->endpoint().url, "http://a");
    l->failed(now);  // threshold 1: a's breaker opens
  }
  auto l = pool.acquire(now, {"http://b"});  // b was tried, but a is open: b again
  ASSERT_TRUE(l);
  EXPECT_EQ(l->endpoint().url, "http://b");
  l->failed(now);
  *l = Lease();
  EXPECT_FALSE(pool.acquire(now, {}));  // both open
  auto later = pool.acquire(now + milliseconds(1000), {});  // half-open: one trial
  ASSERT_TRUE(later);
  EXPECT_EQ(pool.endpoints()[0]->failures.load() + pool.endpoints()[1]->failures.load(), 2u);
}

}  // namespace
}  // namespace pg::providers
