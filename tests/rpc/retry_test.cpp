// rpc/retry.hpp: gRFC A6's retry decision, backoff, pushback and throttling,
// with the numbers computed here from A6's formulas.
#include <chrono>

#include <h2pb/rpc/retry.hpp>

#include <catch2/catch.hpp>

namespace rpc = h2pb::rpc;
using namespace std::chrono_literals;
using rpc::status_code;

namespace {

rpc::retry_policy policy(int attempts = 5) {
    rpc::retry_policy p;
    p.max_attempts = attempts;
    p.initial_backoff = 100ms;
    p.max_backoff = 1s;
    p.backoff_multiplier = 3;
    p.retryable_status_codes = {status_code::unavailable};
    return p;
}

const rpc::pushback none{};

}  // namespace

TEST_CASE("retry: pushback parsing (gRFC A6)") {
    CHECK(rpc::parse_pushback(std::nullopt).what == rpc::pushback::kind::absent);
    const auto p = rpc::parse_pushback("250");
    CHECK(p.what == rpc::pushback::kind::wait);
    CHECK(p.delay == 250ms);
    CHECK(rpc::parse_pushback("0").delay == 0ms);
    for (const char* bad : {"-1", "", "1.5", "abc", " 1", "99999999999"})
        CHECK(rpc::parse_pushback(bad).what == rpc::pushback::kind::stop);
}

TEST_CASE("retry: backoff is random(0, min(initial * multiplier^(n-1), max))") {
    const auto p = policy();
    CHECK(rpc::backoff_ceiling(p, 1) == 100ms);
    CHECK(rpc::backoff_ceiling(p, 2) == 300ms);
    CHECK(rpc::backoff_ceiling(p, 3) == 900ms);
    CHECK(rpc::backoff_ceiling(p, 4) == 1s);    // capped at maxBackoff
    CHECK(rpc::backoff_ceiling(p, 400) == 1s);  // no overflow

    rpc::retry_state s(p);
    CHECK(s.attempts() == 1);
    auto d = s.on_attempt_end(status_code::unavailable, none, 0.5);
    CHECK(d.retry);
    CHECK(d.delay == 50ms);
    CHECK(s.attempts() == 2);
    d = s.on_attempt_end(status_code::unavailable, none, 0.5);
    CHECK(d.delay == 150ms);
    d = s.on_attempt_end(status_code::unavailable, none, 0.0);
    CHECK(d.delay == 0ms);
    d = s.on_attempt_end(status_code::unavailable, none, 0.999);
    CHECK(d.retry);
    CHECK(d.delay == 999ms);
    CHECK(s.attempts() == 5);
    d = s.on_attempt_end(status_code::unavailable, none, 0.5);
    CHECK(!d.retry);
    CHECK(d.why == "attempts exhausted");
}

TEST_CASE("retry: codes, maxAttempts, pushback") {
    {
        rpc::retry_state s(policy(3));
        CHECK(!s.on_attempt_end(status_code::ok, none, 0.5).retry);
        const auto d = s.on_attempt_end(status_code::internal, none, 0.5);
        CHECK(!d.retry);
        CHECK(d.why == "not retryable");
    }
    {
        rpc::retry_state s(policy(3));
        CHECK(s.on_attempt_end(status_code::unavailable, none, 0.5).retry);
        CHECK(s.on_attempt_end(status_code::unavailable, none, 0.5).retry);
        CHECK(!s.on_attempt_end(status_code::unavailable, none, 0.5).retry);  // 3 made
    }
    {  // A valid pushback replaces the backoff and restarts its exponent.
        rpc::retry_state s(policy());
        (void)s.on_attempt_end(status_code::unavailable, none, 0.5);  // n=1
        (void)s.on_attempt_end(status_code::unavailable, none, 0.5);  // n=2
        auto d = s.on_attempt_end(status_code::unavailable, rpc::parse_pushback("1234"), 0.5);
        CHECK(d.retry);
        CHECK(d.delay == 1234ms);
        d = s.on_attempt_end(status_code::unavailable, none, 0.5);
        CHECK(d.delay == 50ms);  // n=1 again
    }
    {  // A negative pushback: no retry.
        rpc::retry_state s(policy());
        const auto d = s.on_attempt_end(status_code::unavailable, rpc::parse_pushback("-1"), 0.5);
        CHECK(!d.retry);
        CHECK(d.why == "pushback");
    }
}

TEST_CASE("retry: throttling token bucket (gRFC A6)") {
    rpc::retry_throttling_policy tp;
    tp.max_tokens = 4;
    tp.token_ratio = 0.5;
    rpc::retry_throttle t(tp);
    CHECK(t.tokens() == 4);
    CHECK(t.allows_retries());
    // 4 -> 3: still > 2.
    CHECK(t.on_failure());
    // 3 -> 2: not > 2, retries stop.
    CHECK(!t.on_failure());
    CHECK(!t.allows_retries());
    t.on_success();  // 2.5
    CHECK(t.allows_retries());
    for (int i = 0; i < 10; ++i) t.on_success();
    CHECK(t.tokens() == 4);  // never above maxTokens

    rpc::retry_throttle t2(tp);
    rpc::retry_state s(policy(), &t2);
    CHECK(s.on_attempt_end(status_code::unavailable, none, 0.5).retry);    // 3 left
    const auto d = s.on_attempt_end(status_code::unavailable, none, 0.5);  // 2 left
    CHECK(!d.retry);
    CHECK(d.why == "throttled");
    // Non-retryable codes take no token; OK gives tokenRatio.
    rpc::retry_state s2(policy(), &t2);
    (void)s2.on_attempt_end(status_code::internal, none, 0.5);
    CHECK(t2.tokens() == 2);
    (void)s2.on_attempt_end(status_code::ok, none, 0.5);
    CHECK(t2.tokens() == 2.5);
}
