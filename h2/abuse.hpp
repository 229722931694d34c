// h2pb::h2 — the abuse limiters of one connection (RFC 9113 §10.5).
//
// "An endpoint MAY treat activity that is suspicious as a connection error of
// type ENHANCE_YOUR_CALM" (§10.5): a peer can make us work without doing any
// itself. h2::connection keeps one abuse_limiter and asks it, frame by frame,
// whether the peer is still within its budget; the limiter only counts, the
// connection decides what a "no" means (a connection error, errc.hpp).
//
//   - rapid reset (CVE-2023-44487): streams opened and reset at once cost the
//     server work the client does not pay for — a token bucket on the
//     RST_STREAMs received and the stream errors the peer causes;
//   - control frame floods (CVE-2019-9512 ping, 9515 settings, 9516 empty
//     frames): a token bucket on SETTINGS, PING, PRIORITY, unsolicited
//     WINDOW_UPDATE and unknown frames, and a count of empty frames in a row;
//   - answers to a peer that does not read (CVE-2019-9512/9515): the SETTINGS
//     and PING ACKs and RST_STREAMs we queued in answer and the peer has not
//     read yet (induced_ring).
//
// Every limit is a field of connection_limits (limits.hpp), with its reason.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <h2pb/h2/limits.hpp>

namespace h2pb::h2 {

/// A token bucket for rate limits (reset streams, control frames): `burst`
/// tokens, refilled at `rate` per second of the time the driver passes in.
struct token_bucket {
    double tokens;
    double burst;
    double rate;  ///< per second
    std::chrono::steady_clock::time_point last;
    token_bucket(std::uint32_t b, std::uint32_t r, std::chrono::steady_clock::time_point now)
        : tokens(b), burst(b), rate(r), last(now) {}
    bool take(std::chrono::steady_clock::time_point now) noexcept {
        if (now > last) {
            tokens =
                std::min(burst, tokens + rate * std::chrono::duration<double>(now - last).count());
            last = now;
        }
        if (tokens < 1.0) return false;
        tokens -= 1.0;
        return true;
    }
};

/// The output positions where our unwritten answers to the peer's frames
/// end (SETTINGS and PING ACKs, RST_STREAMs), oldest first: a ring that
/// doubles from 4 entries as answers pile up (its size is bounded by
/// max_queued_control_frames) and lets go of its memory when a flood has
/// drained, so a well-behaved peer costs a few octets here.
class induced_ring {
  public:
    std::size_t size() const noexcept { return count_; }
    /// Forgets the answers written out (ending at or before `drained`).
    void drain(std::uint64_t drained) noexcept {
        while (count_ > 0 && ends_[head_] <= drained) {
            head_ = (head_ + 1) & (ends_.size() - 1);
            --count_;
        }
        if (count_ == 0 && ends_.size() > retained) ends_ = decltype(ends_)();
    }
    void push(std::uint64_t end) {
        if (count_ == ends_.size()) grow();
        ends_[(head_ + count_) & (ends_.size() - 1)] = end;
        ++count_;
    }

  private:
    static constexpr std::size_t first = 4;
    static constexpr std::size_t retained = 64;
    void grow() {
        std::vector<std::uint64_t> next(std::max(first, ends_.size() * 2));
        for (std::size_t i = 0; i < count_; ++i) next[i] = ends_[(head_ + i) & (ends_.size() - 1)];
        ends_ = std::move(next);
        head_ = 0;
    }
    std::vector<std::uint64_t> ends_;  ///< capacity: a power of two
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

/// The budgets of one connection. Each note_* call counts one event and says
/// whether the peer is still within its budget (false: the connection fails
/// with the matching errc).
class abuse_limiter {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    abuse_limiter(const connection_limits& limits, time_point now)
        : reset_bucket_(limits.reset_burst, limits.reset_rate_per_second, now),
          control_bucket_(limits.control_frame_burst, limits.control_frame_rate_per_second, now),
          max_empty_frames_(limits.max_empty_frames),
          max_queued_control_frames_(limits.max_queued_control_frames) {}

    /// A RST_STREAM received, or a stream error the peer caused (errc::rapid_reset).
    bool note_reset(time_point now) noexcept { return reset_bucket_.take(now); }

    /// A control frame the peer chose to send (errc::frame_flood).
    bool note_control_frame(time_point now) noexcept { return control_bucket_.take(now); }

    /// A frame with no payload that ends nothing (errc::empty_frame_flood).
    bool note_empty_frame() noexcept { return ++empty_frames_ <= max_empty_frames_; }
    /// A frame with payload: the run of empty frames is over.
    void note_payload() noexcept { empty_frames_ = 0; }

    /// A frame we queued in answer to the peer's, ending at output position
    /// `queued_total`, with `drained_total` octets of output written so far.
    /// Too many unwritten ones: the peer is not reading what it asks for
    /// (errc::control_frame_flood).
    bool note_induced_frame(std::uint64_t queued_total, std::uint64_t drained_total) {
        induced_.drain(drained_total);
        if (induced_.size() >= max_queued_control_frames_) return false;
        induced_.push(queued_total);
        return true;
    }

  private:
    token_bucket reset_bucket_;
    token_bucket control_bucket_;
    std::uint32_t empty_frames_ = 0;
    std::uint32_t max_empty_frames_;
    std::uint32_t max_queued_control_frames_;
    induced_ring induced_;
};

}  // namespace h2pb::h2
