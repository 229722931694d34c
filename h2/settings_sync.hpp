// h2pb::h2 — our SETTINGS in flight (RFC 9113 §6.5.3).
//
// "The values in the SETTINGS frame MUST be processed in the order they
// appear [...] Once all values have been processed, the recipient MUST
// immediately emit a SETTINGS frame with the ACK flag set" (§6.5.3): until
// that ACK arrives we do not know whether the peer works with our old values
// or our new ones. So each limit we enforce is taken, for as long as frames
// are unacknowledged, as the loosest of the acknowledged value and every
// pending one: a looser value applies as soon as we send it (the peer may
// rely on it as soon as it reads it), a stricter one only once acknowledged.
//
// settings_sync, one per connection, keeps the acknowledged values, the
// frames still waiting for their ACK (oldest first, with when they were
// sent: §6.5.3 lets us end a connection whose peer does not acknowledge in
// time, SETTINGS_TIMEOUT), and the effective values of the limits that
// follow this rule (SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE,
// SETTINGS_HEADER_TABLE_SIZE). What a change means for the streams and the
// HPACK decoder is the connection's business: update() says what changed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <h2pb/h2/limits.hpp>
#include <h2pb/h2/settings.hpp>

namespace h2pb::h2 {

class settings_sync {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    /// How many of our SETTINGS frames may wait for their ACK at once: each
    /// is a vector entry, and a peer that acknowledges none would otherwise
    /// let them pile up (submit_settings answers invalid_argument beyond).
    static constexpr std::size_t max_pending = 8;

    /// `timeout`: connection_limits::settings_timeout (0 or less: none).
    explicit settings_sync(std::chrono::nanoseconds timeout) noexcept : timeout_(timeout) {}

    /// Our settings as acknowledged by the peer.
    const settings& acknowledged() const noexcept { return acked_; }
    bool full() const noexcept { return pending_.size() >= max_pending; }
    /// What the next SETTINGS frame changes: the values of the last one sent.
    const settings& latest() const noexcept {
        return pending_.empty() ? acked_ : pending_.back().values;
    }

    /// A SETTINGS frame went out that makes our settings `next`.
    void sent(const settings& next, time_point now) { pending_.push_back({next, now}); }

    /// The peer's SETTINGS ACK: false if none of ours was waiting (§6.5:
    /// a connection error).
    bool acknowledge() {
        if (pending_.empty()) return false;
        acked_ = pending_.front().values;
        pending_.erase(pending_.begin());
        return true;
    }

    /// When the oldest unacknowledged frame times out (§6.5.3), if any.
    std::optional<time_point> deadline() const noexcept {
        if (pending_.empty() || timeout_.count() <= 0) return std::nullopt;
        return pending_.front().sent + std::chrono::duration_cast<time_point::duration>(timeout_);
    }

    /// What update() changed.
    struct change {
        std::int64_t window_delta = 0;  ///< to add to every stream's receive window
        bool table_size_changed = false;
    };

    /// Recomputes the effective limits (the loosest of the acknowledged and
    /// the pending values) after a frame was sent or acknowledged.
    change update() noexcept {
        std::uint32_t window = acked_.initial_window_size;
        std::uint32_t frame = acked_.max_frame_size;
        std::uint32_t table = acked_.header_table_size;
        for (const auto& p : pending_) {
            window = std::max(window, p.values.initial_window_size);
            frame = std::max(frame, p.values.max_frame_size);
            table = std::max(table, p.values.header_table_size);
        }
        change c;
        c.window_delta = std::int64_t{window} - initial_window_;
        initial_window_ = window;
        max_frame_size_ = frame;
        c.table_size_changed = table != table_size_;
        table_size_ = table;
        return c;
    }

    /// The effective limits: a new stream's receive window, the largest frame
    /// we accept, the HPACK dynamic table size the decoder allows.
    std::uint32_t initial_window() const noexcept { return initial_window_; }
    std::uint32_t max_frame_size() const noexcept { return max_frame_size_; }
    std::uint32_t table_size() const noexcept { return table_size_; }

  private:
    struct pending_entry {
        settings values;  ///< our settings once this frame is acknowledged
        time_point sent;
    };

    std::chrono::nanoseconds timeout_;
    settings acked_;
    std::vector<pending_entry> pending_;
    std::uint32_t initial_window_ = default_initial_window_size;
    std::uint32_t max_frame_size_ = min_max_frame_size;
    std::uint32_t table_size_ = default_header_table_size;
};

}  // namespace h2pb::h2
