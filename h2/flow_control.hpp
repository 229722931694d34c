// h2pb::h2 — flow-control windows (RFC 9113 §5.2, §6.9).
//
// HTTP/2 flow control is credit based and directional. For each stream and for
// the connection as a whole, each endpoint keeps two windows:
//
//   send_window — how many DATA octets we may still send. It starts at the
//     peer's SETTINGS_INITIAL_WINDOW_SIZE (streams) or 65,535 (connection),
//     shrinks as we send, grows with the peer's WINDOW_UPDATEs, and moves by
//     the difference when the peer changes SETTINGS_INITIAL_WINDOW_SIZE — so it
//     can become negative (§6.9.2). It must never exceed 2^31-1 (§6.9.1).
//
//   recv_window — how many DATA octets the peer may still send us. It shrinks
//     as DATA arrives (padding included, §6.1); data beyond it is a
//     FLOW_CONTROL_ERROR. A stream's grows only when *the application*
//     releases data it has consumed (connection::consume); the connection's
//     either then too, or as the DATA arrives (connection_options::
//     connection_window_release, see connection.hpp). Released octets are announced in a
//     WINDOW_UPDATE once they reach half of the target window, so a slow
//     consumer stops the peer (backpressure), and a fast one costs one
//     WINDOW_UPDATE per half window, not one per DATA frame (§6.9.1: "avoid
//     sending WINDOW_UPDATE frames with very small increments").
#pragma once

#include <algorithm>
#include <cstdint>

#include <h2pb/h2/errc.hpp>
#include <h2pb/h2/settings.hpp>

namespace h2pb::h2 {

class send_window {
  public:
    constexpr send_window() noexcept = default;
    constexpr explicit send_window(std::int64_t initial) noexcept : window_(initial) {}

    /// Octets we may send now (0 when the window is negative).
    constexpr std::uint32_t available() const noexcept {
        return window_ <= 0 ? 0 : static_cast<std::uint32_t>(window_);
    }
    constexpr std::int64_t value() const noexcept { return window_; }

    /// A WINDOW_UPDATE arrived. Returns false (window unchanged) when the new
    /// window would exceed 2^31-1 (§6.9.1: FLOW_CONTROL_ERROR).
    constexpr bool increase(std::uint32_t increment) noexcept {
        if (window_ + increment > max_window_size) return false;
        window_ += increment;
        return true;
    }
    /// SETTINGS_INITIAL_WINDOW_SIZE changed by `delta` (§6.9.2). Returns false
    /// when the window would exceed 2^31-1.
    constexpr bool adjust(std::int64_t delta) noexcept {
        if (window_ + delta > max_window_size) return false;
        window_ += delta;
        return true;
    }
    /// We sent n octets of DATA payload.
    constexpr void consume(std::uint32_t n) noexcept { window_ -= n; }

  private:
    std::int64_t window_ = default_initial_window_size;
};

class recv_window {
  public:
    constexpr recv_window() noexcept = default;
    /// `advertised`: the window the peer currently believes it has;
    /// `target`: the window we keep topping up to.
    constexpr recv_window(std::int64_t advertised, std::uint32_t target) noexcept
        : window_(advertised), target_(target) {}

    /// Octets the peer may still send.
    constexpr std::int64_t value() const noexcept { return window_; }
    constexpr std::uint32_t target() const noexcept { return target_; }
    /// Octets received and released, not yet announced by a WINDOW_UPDATE.
    constexpr std::uint32_t pending_update() const noexcept { return unannounced_; }

    /// n octets of DATA (padding included) arrived. False, window unchanged, if
    /// they exceed the window (FLOW_CONTROL_ERROR).
    constexpr bool receive(std::uint32_t n) noexcept {
        if (n > window_) return false;
        window_ -= n;
        return true;
    }

    /// The application released n octets. Returns the WINDOW_UPDATE increment
    /// to send now (0: wait until more is released).
    constexpr std::uint32_t release(std::uint32_t n) noexcept {
        unannounced_ = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(std::uint64_t{unannounced_} + n, max_window_size));
        return take_update(false);
    }

    /// The increment to send if anything is pending (force) or if the pending
    /// amount reached the threshold; resets the pending amount.
    constexpr std::uint32_t take_update(bool force) noexcept {
        if (unannounced_ == 0) return 0;
        if (!force && unannounced_ < threshold()) return 0;
        // Never announce beyond 2^31-1 in total.
        const std::int64_t room = max_window_size - window_;
        const std::uint32_t inc = static_cast<std::uint32_t>(
            std::min<std::int64_t>(unannounced_, std::max<std::int64_t>(room, 0)));
        unannounced_ -= inc;
        window_ += inc;
        return inc;
    }

    /// Our SETTINGS_INITIAL_WINDOW_SIZE (or connection window target) changed
    /// by delta: the peer's view of the window moves by the same amount.
    constexpr void adjust(std::int64_t delta) noexcept {
        window_ += delta;
        target_ = static_cast<std::uint32_t>(
            std::clamp<std::int64_t>(target_ + delta, 0, max_window_size));
    }

    /// Raise the target (and announce the difference at the next release):
    /// used for the connection window, which only WINDOW_UPDATE can change.
    constexpr std::uint32_t grow_target(std::uint32_t new_target) noexcept {
        if (new_target <= target_) return 0;
        const std::uint32_t delta = new_target - target_;
        target_ = new_target;
        unannounced_ += delta;
        return take_update(true);
    }

  private:
    /// Announce once half the target window has been released (nghttp2 and
    /// hyper's h2 use the same ratio), and at least one octet.
    constexpr std::uint32_t threshold() const noexcept {
        return std::max<std::uint32_t>(target_ / 2, 1);
    }

    std::int64_t window_ = default_initial_window_size;
    std::uint32_t target_ = default_initial_window_size;
    std::uint32_t unannounced_ = 0;
};

}  // namespace h2pb::h2
