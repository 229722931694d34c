// h2pb::rpc — gRPC connection backoff (connection-backoff.md), without I/O:
// the caller gives the time and the random numbers.
//
// The spec's algorithm:
//
//   ConnectWithBackoff()
//     current_backoff = INITIAL_BACKOFF
//     current_deadline = now() + INITIAL_BACKOFF
//     while (TryConnect(Max(current_deadline, now() + MIN_CONNECT_TIMEOUT))
//            != SUCCESS)
//       SleepUntil(current_deadline)
//       current_backoff = Min(current_backoff * MULTIPLIER, MAX_BACKOFF)
//       current_deadline = now() + current_backoff +
//         UniformRandom(-JITTER * current_backoff, JITTER * current_backoff)
//
// Here each TryConnect is one call of next_attempt(now): it says until when
// the attempt may take (its connect deadline) and from when the one after
// it may start. reset() (a connection succeeded: the spec resets "when the
// SETTINGS frame is received") starts over at INITIAL_BACKOFF.
//
//   rpc::connection_backoff b(settings, [&] { return dist(rng); });
//   auto a = b.next_attempt(now);   // a.connect_deadline, a.retry_at
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>

namespace h2pb::rpc {

/// connection-backoff.md's parameters, with its values as defaults.
struct backoff_settings {
    using duration = std::chrono::steady_clock::duration;
    static constexpr duration default_initial_backoff = std::chrono::seconds(1);
    static constexpr double default_multiplier = 1.6;
    static constexpr double default_jitter = 0.2;
    static constexpr duration default_max_backoff = std::chrono::seconds(120);
    static constexpr duration default_min_connect_timeout = std::chrono::seconds(20);

    backoff_settings() {}  // NOLINT(modernize-use-equals-default): not an aggregate (g++ 12)

    /// How long to wait after the first failure before retrying.
    duration initial_backoff = default_initial_backoff;
    /// Factor by which the backoff grows after each failed retry.
    double multiplier = default_multiplier;
    /// By how much (a fraction) each backoff is randomized, both ways.
    double jitter = default_jitter;
    /// Upper bound of the backoff (before jitter).
    duration max_backoff = default_max_backoff;
    /// The least time one connection attempt is given.
    duration min_connect_timeout = default_min_connect_timeout;
};

class connection_backoff {
  public:
    using clock = std::chrono::steady_clock;
    using duration = clock::duration;
    using time_point = clock::time_point;
    /// Returns a number in [0, 1).
    using random_source = std::function<double()>;

    struct attempt {
        /// The attempt gives up here: Max(current_deadline, now + MIN_CONNECT_TIMEOUT).
        time_point connect_deadline;
        /// If it fails, the next attempt starts no earlier than this
        /// (current_deadline).
        time_point retry_at;
        /// The backoff this attempt's retry_at was computed from (no jitter).
        duration backoff;
    };

    explicit connection_backoff(backoff_settings s = {}, random_source r = {})
        : s_(s), random_(std::move(r)) {}

    /// A connection attempt starts at `now`.
    attempt next_attempt(time_point now) {
        if (first_) {
            first_ = false;
            current_ = s_.initial_backoff;
            deadline_ = now + current_;
        } else {
            current_ = std::min(scale(current_, s_.multiplier), s_.max_backoff);
            // UniformRandom(-JITTER * b, JITTER * b) from r in [0, 1).
            const double r = random_ ? random_() : 0.5;
            const double spread = (2.0 * r - 1.0) * s_.jitter;
            deadline_ = now + current_ + scale(current_, spread);
        }
        return {std::max(deadline_, now + s_.min_connect_timeout), deadline_, current_};
    }

    /// A connection succeeded: the next attempt starts the sequence again.
    void reset() noexcept { first_ = true; }

    const backoff_settings& settings() const noexcept { return s_; }

  private:
    static duration scale(duration d, double f) {
        return std::chrono::duration_cast<duration>(
            std::chrono::duration<double, duration::period>(static_cast<double>(d.count()) * f));
    }

    backoff_settings s_;
    random_source random_;
    bool first_ = true;
    duration current_{};
    time_point deadline_{};
};

}  // namespace h2pb::rpc
