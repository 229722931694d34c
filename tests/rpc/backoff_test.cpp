// rpc/backoff.hpp: the numbers of connection-backoff.md's pseudo-code with
// its parameters (INITIAL_BACKOFF 1 s, MULTIPLIER 1.6, JITTER 0.2,
// MAX_BACKOFF 120 s, MIN_CONNECT_TIMEOUT 20 s), worked out by hand:
// 1, 1.6, 2.56, 4.096, 6.5536, 10.48576, 16.777216, 26.8435456,
// 42.94967296, 68.719476736, 109.9511627776, then 120 (capped).
#include <chrono>
#include <cmath>
#include <vector>

#include <h2pb/rpc/backoff.hpp>
#include <h2pb/rpc/connectivity.hpp>

#include <catch2/catch.hpp>

using h2pb::rpc::backoff_settings;
using h2pb::rpc::connection_backoff;
using namespace std::chrono_literals;

namespace {

double seconds(connection_backoff::duration d) {
    return std::chrono::duration<double>(d).count();
}
/// Durations are whole nanoseconds: a microsecond of slack.
bool near(connection_backoff::duration d, double s) {
    return std::abs(seconds(d) - s) < 1e-6;
}

const std::vector<double> spec_backoffs = {
    1,          1.6,         2.56,         4.096,          6.5536, 10.48576, 16.777216,
    26.8435456, 42.94967296, 68.719476736, 109.9511627776, 120,    120};

}  // namespace

TEST_CASE("backoff: defaults are the spec's") {
    const backoff_settings s;
    CHECK(s.initial_backoff == 1s);
    CHECK(s.multiplier == 1.6);
    CHECK(s.jitter == 0.2);
    CHECK(s.max_backoff == 120s);
    CHECK(s.min_connect_timeout == 20s);
}

TEST_CASE("backoff: without jitter (random 0.5) the sequence is the spec's") {
    connection_backoff b({}, [] { return 0.5; });
    auto now = connection_backoff::time_point{} + 1000s;
    for (std::size_t i = 0; i < spec_backoffs.size(); ++i) {
        INFO("attempt " << i);
        const auto a = b.next_attempt(now);
        CHECK(near(a.backoff, spec_backoffs[i]));
        CHECK(near(a.retry_at - now, spec_backoffs[i]));
        // TryConnect(Max(current_deadline, now() + MIN_CONNECT_TIMEOUT)).
        CHECK(near(a.connect_deadline - now, std::max(spec_backoffs[i], 20.0)));
        now = a.retry_at;  // SleepUntil(current_deadline), then the next attempt
    }
}

TEST_CASE("backoff: jitter spreads +-20% around the backoff; the first has none") {
    double r = 0.0;
    connection_backoff b({}, [&] { return r; });
    const auto now = connection_backoff::time_point{};
    // The pseudo-code's first deadline is now + INITIAL_BACKOFF exactly.
    auto a = b.next_attempt(now);
    CHECK(near(a.retry_at - now, 1.0));
    r = 0.0;  // UniformRandom's low end: -JITTER * 1.6
    a = b.next_attempt(now);
    CHECK(near(a.retry_at - now, 1.6 * 0.8));
    r = 0.75;  // (2 * 0.75 - 1) * 0.2 = +0.1
    a = b.next_attempt(now);
    CHECK(near(a.retry_at - now, 2.56 * 1.1));
    r = 0.999999;  // just below the high end
    a = b.next_attempt(now);
    CHECK(seconds(a.retry_at - now) < 4.096 * 1.2);
    CHECK(seconds(a.retry_at - now) > 4.096 * 1.2 - 1e-5);
}

TEST_CASE("backoff: reset starts over at INITIAL_BACKOFF") {
    connection_backoff b({}, [] { return 0.5; });
    const auto now = connection_backoff::time_point{};
    (void)b.next_attempt(now);
    (void)b.next_attempt(now);
    CHECK(near(b.next_attempt(now).backoff, 2.56));
    b.reset();
    CHECK(near(b.next_attempt(now).backoff, 1.0));
    CHECK(near(b.next_attempt(now).backoff, 1.6));
}

TEST_CASE("backoff: settings (small values for tests)") {
    backoff_settings s;
    s.initial_backoff = 10ms;
    s.multiplier = 2;
    s.jitter = 0;
    s.max_backoff = 50ms;
    s.min_connect_timeout = 100ms;
    connection_backoff b(s, [] { return 0.9; });
    const auto now = connection_backoff::time_point{};
    const std::vector<connection_backoff::duration> want = {10ms, 20ms, 40ms, 50ms, 50ms};
    std::vector<connection_backoff::duration> got;
    got.reserve(want.size());
    for (std::size_t i = 0; i < want.size(); ++i) got.push_back(b.next_attempt(now).retry_at - now);
    CHECK(got == want);
    CHECK(b.next_attempt(now).connect_deadline - now == 100ms);
}

TEST_CASE("connectivity: state names as grpc prints them") {
    using h2pb::rpc::connectivity_state;
    using h2pb::rpc::name;
    CHECK(name(connectivity_state::idle) == "IDLE");
    CHECK(name(connectivity_state::connecting) == "CONNECTING");
    CHECK(name(connectivity_state::ready) == "READY");
    CHECK(name(connectivity_state::transient_failure) == "TRANSIENT_FAILURE");
    CHECK(name(connectivity_state::shutdown) == "SHUTDOWN");
}
