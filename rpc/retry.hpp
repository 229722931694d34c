// h2pb::rpc — the retry rules of gRFC A6 (client retries), sans-IO: whether
// an attempt that failed is tried again, how long to wait first, and the
// retry throttling token bucket. No clock and no random source of its own:
// the caller passes a number in [0, 1) for the jitter and does the waiting.
//
// A call with a retry_policy (service_config.hpp) is tried at most
// maxAttempts times. After an attempt ends with status `c`, before the call
// was committed (the caller's business: response headers received, or the
// request no longer buffered), it is tried again when
//   - `c` is in retryableStatusCodes,
//   - the throttle (if any) allows it (gRFC A6 "Throttling Retry Attempts"),
//   - attempts are left, and
//   - the server did not say no: the trailer grpc-retry-pushback-ms, when
//     present, is either a non-negative decimal number of milliseconds (the
//     wait before the next attempt, instead of the backoff) or anything else
//     (negative, not a number): "do not retry".
// The wait before retry n (n = 1, 2, ...) is random(0, min(initialBackoff *
// backoffMultiplier^(n-1), maxBackoff)); after a pushback the exponent
// starts again at 0 (grpc C++'s retry filter resets its backoff there).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include <h2pb/rpc/service_config.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc {

/// The trailer with the server's pushback (gRFC A6).
inline constexpr std::string_view retry_pushback_header = "grpc-retry-pushback-ms";
/// The request header of a retried attempt: how many attempts came before it
/// (gRFC A6).
inline constexpr std::string_view previous_attempts_header = "grpc-previous-rpc-attempts";
/// Longest pushback read: 10 digits is more than 3 months of milliseconds,
/// past any deadline, and keeps the value well inside int64.
inline constexpr std::size_t max_pushback_digits = 10;

/// What grpc-retry-pushback-ms says.
struct pushback {
    enum class kind : std::uint8_t { absent, wait, stop };
    kind what = kind::absent;
    std::chrono::milliseconds delay{0};
};

/// Reads the grpc-retry-pushback-ms value (nullopt: the trailer is absent).
/// gRFC A6: a value that is negative or "unparseable" means the server asks
/// the client not to retry.
constexpr pushback parse_pushback(std::optional<std::string_view> v) noexcept {
    if (!v) return {};
    if (v->empty() || v->size() > max_pushback_digits) return {pushback::kind::stop, {}};
    std::int64_t n = 0;
    for (const char c : *v) {
        if (c < '0' || c > '9') return {pushback::kind::stop, {}};
        n = n * 10 + (c - '0');
    }
    return {pushback::kind::wait, std::chrono::milliseconds(n)};
}

/// The upper bound of the wait before retry `n` (1-based):
/// min(initialBackoff * backoffMultiplier^(n-1), maxBackoff).
inline std::chrono::nanoseconds backoff_ceiling(const retry_policy& p, int n) noexcept {
    const double base = static_cast<double>(p.initial_backoff.count()) *
                        std::pow(p.backoff_multiplier, std::max(0, n - 1));
    const double cap = static_cast<double>(p.max_backoff.count());
    if (!(base < cap)) return p.max_backoff;  // also NaN / infinity
    return std::chrono::nanoseconds(static_cast<std::int64_t>(base));
}

/// gRFC A6 retry throttling, one per channel: a bucket of maxTokens tokens
/// (full at first). Every failed attempt with a retryable status takes 1,
/// every successful call gives tokenRatio back (never above maxTokens);
/// retries are allowed only while more than maxTokens / 2 tokens are left.
class retry_throttle {
  public:
    explicit retry_throttle(const retry_throttling_policy& p)
        : max_(p.max_tokens), ratio_(p.token_ratio), tokens_(p.max_tokens) {}

    /// A retryable failure: one token less. True if retries are still
    /// allowed afterwards.
    bool on_failure() noexcept {
        tokens_ = std::max(0.0, tokens_ - 1);
        return allows_retries();
    }
    void on_success() noexcept { tokens_ = std::min(max_, tokens_ + ratio_); }
    bool allows_retries() const noexcept { return tokens_ > max_ / 2; }
    double tokens() const noexcept { return tokens_; }

  private:
    double max_, ratio_, tokens_;
};

/// The retry state of one call under a retry_policy.
class retry_state {
  public:
    /// `throttle` may be null (no retryThrottling); it must outlive this.
    explicit retry_state(const retry_policy& p, retry_throttle* throttle = nullptr)
        : policy_(p), throttle_(throttle) {}

    /// What to do after an attempt that ended with `code`.
    struct decision {
        bool retry = false;
        std::chrono::nanoseconds delay{0};
        /// Why not (for logs and tests): "", "not retryable", "throttled",
        /// "attempts exhausted", "pushback".
        std::string_view why;
    };

    /// The attempt that just ended (attempts() of them so far, this one
    /// included) ended with `code` and the pushback trailer `pb`; `random01`
    /// is uniform in [0, 1). Records the outcome in the throttle.
    decision on_attempt_end(status_code code, pushback pb, double random01) {
        if (code == status_code::ok) {
            if (throttle_ != nullptr) throttle_->on_success();
            return {false, {}, ""};
        }
        if (!policy_.retryable(code)) return {false, {}, "not retryable"};
        if (throttle_ != nullptr && !throttle_->on_failure()) return {false, {}, "throttled"};
        if (attempts_ >= policy_.max_attempts) return {false, {}, "attempts exhausted"};
        if (pb.what == pushback::kind::stop) return {false, {}, "pushback"};
        ++attempts_;
        if (pb.what == pushback::kind::wait) {
            backoff_n_ = 0;  // the exponent starts again after a pushback
            return {true, pb.delay, ""};
        }
        ++backoff_n_;
        const auto ceiling = backoff_ceiling(policy_, backoff_n_);
        const double r = std::clamp(random01, 0.0, 1.0);
        return {true,
                std::chrono::nanoseconds(
                    static_cast<std::int64_t>(static_cast<double>(ceiling.count()) * r)),
                ""};
    }

    /// Attempts started so far (the first one counts: 1 before any retry).
    int attempts() const noexcept { return attempts_; }
    const retry_policy& policy() const noexcept { return policy_; }

  private:
    retry_policy policy_;
    retry_throttle* throttle_;
    int attempts_ = 1;
    int backoff_n_ = 0;
};

}  // namespace h2pb::rpc
