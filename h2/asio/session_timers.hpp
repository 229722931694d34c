// h2pb::h2::asio — the timers of a session (session.hpp), all on one
// steady_timer that waits for the earliest of:
//
//   the TLS handshake deadline      (tls_handshake_timeout)  -> close
//   the linger deadline             (linger_timeout)         -> close
//   the shutdown deadline           (shutdown(force_at), or
//                                    linger after our GOAWAY) -> close
//   the connection's own deadlines  (SETTINGS ACK, §6.5.3)   -> conn.tick()
//   the streams' deadlines          (set_deadline: a min-heap) -> RST_STREAM(CANCEL)
//   idle                            (idle_timeout)           -> GOAWAY(NO_ERROR)
//   keepalive                       (keepalive_interval: PING; keepalive_timeout:
//                                    its ACK is late)        -> GOAWAY, streams fail
//
// Every wake-up — the expiry, or rearm() when an earlier deadline appears —
// checks them all and waits again. Deadlines that only move later (idle,
// keepalive: every read moves them) are not re-armed on every read; they are
// checked when the timer fires.
//
// A mixin of session (CRTP: no virtual call; the timer's wait lives in the
// timer, the heap's vector grows to the number of concurrent deadlines and
// stays). Which deadlines count depends on the session's lifecycle
// (session_state.hpp), which the timers ask through their session.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/exchange.hpp>
#include <h2pb/h2/asio/session_state.hpp>
#include <h2pb/h2/asio/stream_error.hpp>
#include <h2pb/h2/connection.hpp>

namespace h2pb::h2::asio {

template <class Session>
class session_timers {
  protected:
    using time_point = h2::time_point;

    session_timers(const executor& ex, time_point now)
        : last_activity_(now), last_input_(now), timer_(ex) {}

    /// The opaque data of our keepalive PINGs (§6.7): its ACK is told apart
    /// from the ACKs of the application's PINGs by it.
    static constexpr std::uint64_t keepalive_opaque = 0x6832706b65657061ull;  // "h2pkeepa"

    Session& self() noexcept { return static_cast<Session&>(*this); }
    const Session& self() const noexcept { return static_cast<const Session&>(*this); }

    void start_timer() {
        if (timer_running_) return;
        timer_running_ = true;
        arm_timer();
    }

    /// An earlier deadline appeared: the timer wakes up now and waits again
    /// for the earliest.
    void rearm() {
        if (!timer_running_) return;
        timer_.cancel();
        timer_expiry_ = time_point::min();  // re-armed soon: set_deadline need not cancel again
    }

    /// The transport is closed: the timer's wait ends (it stops there).
    void cancel_timer() { timer_.cancel(); }

    /// Input arrived at `now`: the session is not idle, and the keepalive
    /// interval counts from here.
    void note_input(time_point now) noexcept {
        last_activity_ = now;
        last_input_ = now;
    }

    /// The ACK of our keepalive PING: the timer waits for its timeout; make
    /// it wait for the next PING instead (keepalive_interval after this input).
    void on_keepalive_ack() {
        ping_outstanding_ = false;
        rearm();
    }

    /// A stream opened: a keepalive PING held back for want of calls may be
    /// due now (grpc-go sends it at once, on leaving dormancy).
    void on_stream_opened() {
        if (keepalive_dormant_) {
            keepalive_dormant_ = false;
            rearm();
        }
    }

    // ------------------------------------------------------------------
    // Stream deadlines: a binary min-heap on exchange::deadline; each
    // exchange knows its slot, so that it can be moved or removed in
    // O(log n).

    /// Sets or moves `x`'s deadline to `at` (not time_point::max()).
    void place_deadline(exchange& x, time_point at) {
        const bool earlier = at < x.deadline;
        x.deadline = at;
        if (x.deadline_slot == exchange::no_slot) {
            x.deadline_slot = deadlines_.size();
            deadlines_.push_back(&x);
            deadline_up(x.deadline_slot);
        } else if (earlier) {
            deadline_up(x.deadline_slot);
        } else {
            deadline_down(x.deadline_slot);
        }
        // The timer waits for something earlier already: no need to wake it.
        if (at < timer_expiry_) rearm();
    }

    void unlink_deadline(exchange& x) noexcept {
        const std::size_t i = x.deadline_slot;
        x.deadline = time_point::max();
        if (i == exchange::no_slot) return;
        x.deadline_slot = exchange::no_slot;
        exchange* last = deadlines_.back();
        deadlines_.pop_back();
        if (last == &x) return;
        deadline_place(i, last);
        deadline_up(i);
        deadline_down(last->deadline_slot);
    }

    time_point last_activity_{};  ///< input, or the idle timer saw open streams
    time_point last_input_{};     ///< the last input: keepalive counts from it
    time_point handshake_deadline_{};
    time_point linger_deadline_{};
    std::optional<time_point> force_deadline_;
    std::uint64_t keepalive_pings_ = 0;

  private:
    /// The deadline of the earliest timer: recomputed whenever the timer
    /// fires or rearm() is called.
    time_point next_deadline() const {
        const Session& s = self();
        time_point d = time_point::max();
        auto at = [&d](time_point t) { d = std::min(d, t); };
        if (s.state_ == session_state::handshaking) at(handshake_deadline_);
        if (s.state_ == session_state::lingering) {
            at(linger_deadline_);
            return d;
        }
        if (force_deadline_) at(*force_deadline_);
        if (auto c = s.conn_.next_deadline()) at(*c);
        if (!deadlines_.empty()) at(deadlines_.front()->deadline);
        if (s.state_ == session_state::timed_out) return d;  // only the deadlines above are left
        if (s.opts_.idle_timeout.count() > 0) at(last_activity_ + s.opts_.idle_timeout);
        if (s.opts_.keepalive_interval.count() > 0) {
            if (ping_outstanding_) {
                at(ping_sent_ + s.opts_.keepalive_timeout);
            } else if (keepalive_blocked()) {
                keepalive_dormant_ = true;  // on_stream_opened wakes the timer
            } else {
                at(last_input_ + s.opts_.keepalive_interval);
            }
        }
        return d;
    }

    /// One timer per connection, waiting for the earliest deadline; every
    /// wake-up (expiry or rearm()) checks them all and waits again.
    void arm_timer() {
        Session& s = self();
        timer_expiry_ = next_deadline();
        timer_.expires_at(timer_expiry_);
        timer_.async_wait([self = s.shared_from_this()](const error_code_t&) {
            if (self->is_closed()) {
                self->timer_running_ = false;
                return;
            }
            self->on_timer(h2::clock::now());
            if (self->is_closed()) {
                self->timer_running_ = false;
                return;
            }
            self->arm_timer();
        });
    }

    void on_timer(time_point now) {
        Session& s = self();
        if (s.state_ == session_state::handshaking && now >= handshake_deadline_) {
            s.conn_error_ = {stream_errc::timeout, error_code::no_error, false,
                             "TLS handshake timeout"};
            s.close_transport();
            return;
        }
        if (s.state_ == session_state::lingering) {
            if (now >= linger_deadline_) s.close_transport();
            return;
        }
        if (force_deadline_ && now >= *force_deadline_) {
            s.conn_error_ = {stream_errc::timeout, error_code::no_error, false,
                             "shutdown deadline passed"};
            s.close_transport();
            return;
        }
        if (s.state_ == session_state::handshaking) return;
        s.conn_.tick(now, s.events());  // SETTINGS ACK timeout -> GOAWAY(SETTINGS_TIMEOUT)
        expire_deadlines(now);
        // Idle and keepalive act while running only: not once our GOAWAY is
        // out (timed_out), nor once the deadlines above made the connection
        // finish (lingering).
        if (s.state_ == session_state::running && s.opts_.idle_timeout.count() > 0 &&
            now >= last_activity_ + s.opts_.idle_timeout) {
            if (s.conn_.active_streams() == 0 && s.live_ == 0) {
                s.conn_.goaway(error_code::no_error, "idle timeout");
                s.transition(session_state::timed_out);
                if (!force_deadline_) force_deadline_ = now + s.opts_.linger_timeout;
            } else {
                last_activity_ = now;  // not idle: streams are open
            }
        }
        if (s.opts_.keepalive_interval.count() > 0 && s.state_ == session_state::running) {
            if (ping_outstanding_ && now >= ping_sent_ + s.opts_.keepalive_timeout) {
                s.conn_error_ = {stream_errc::timeout, error_code::no_error, false,
                                 "keepalive PING not acknowledged"};
                s.conn_.goaway(error_code::no_error, "keepalive timeout");
                // timed_out before the streams fail: the last one released
                // may finish the connection (timed_out -> lingering).
                s.transition(session_state::timed_out);
                s.fail_all(s.conn_error_);
                force_deadline_ = now + s.opts_.linger_timeout;
            } else if (!ping_outstanding_ && now >= last_input_ + s.opts_.keepalive_interval &&
                       !keepalive_blocked()) {
                s.conn_.ping(keepalive_opaque);
                ping_outstanding_ = true;
                ping_sent_ = now;
                ++keepalive_pings_;
            }
        }
        s.after_io();
    }

    /// No keepalive PING now: no stream is open and PINGs without calls
    /// are not permitted (keepalive.md: "This ping can be blocked if there is
    /// no active call on that transport").
    bool keepalive_blocked() const noexcept {
        const Session& s = self();
        return !s.opts_.keepalive_permit_without_calls && s.conn_.active_streams() == 0;
    }

    /// Streams whose deadline passed: RST_STREAM(CANCEL), error timeout.
    void expire_deadlines(time_point now) {
        Session& s = self();
        while (!deadlines_.empty() && deadlines_.front()->deadline <= now) {
            exchange& x = *deadlines_.front();
            unlink_deadline(x);
            if (x.h2_closed || x.error) continue;  // over already (complete, or failing)
            s.conn_.reset_stream(x.id, error_code::cancel);
            x.h2_closed = true;
            x.error = {stream_errc::timeout, error_code::cancel, false, "deadline passed"};
            s.drop_output(x);
            x.wake_all();
            s.maybe_release(x);
        }
    }

    void deadline_place(std::size_t i, exchange* x) noexcept {
        deadlines_[i] = x;
        x->deadline_slot = i;
    }
    void deadline_up(std::size_t i) noexcept {
        exchange* x = deadlines_[i];
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (!(x->deadline < deadlines_[parent]->deadline)) break;
            deadline_place(i, deadlines_[parent]);
            i = parent;
        }
        deadline_place(i, x);
    }
    void deadline_down(std::size_t i) noexcept {
        exchange* x = deadlines_[i];
        const std::size_t n = deadlines_.size();
        for (;;) {
            std::size_t child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && deadlines_[child + 1]->deadline < deadlines_[child]->deadline)
                ++child;
            if (!(deadlines_[child]->deadline < x->deadline)) break;
            deadline_place(i, deadlines_[child]);
            i = child;
        }
        deadline_place(i, x);
    }

    net::steady_timer timer_;
    bool timer_running_ = false;
    /// What the timer waits for now (max: nothing, or not armed).
    time_point timer_expiry_ = time_point::max();

    bool ping_outstanding_ = false;  ///< our keepalive PING waits for its ACK
    time_point ping_sent_{};
    /// The keepalive PING is held back (keepalive_blocked) and the timer
    /// does not wait for it (set by next_deadline, const: hence mutable).
    mutable bool keepalive_dormant_ = false;

    /// Exchanges with a deadline, a min-heap (place_deadline).
    std::vector<exchange*> deadlines_;
};

}  // namespace h2pb::h2::asio
