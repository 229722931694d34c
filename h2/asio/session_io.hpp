// h2pb::h2::asio — the per-exchange I/O of a session (session.hpp): read
// what the socket has, feed it to the connection, write what the connection
// produced, and hold reading back while too much is unwritten.
//
//   start_read ──> async_read ──> on_read ──> process ──> conn.receive(events)
//        ^           (or read_now: the         |  handlers answer inline
//        |            bytes are there)         v
//        |                            write_turn (now, or posted after the
//        |                                     |  handler coroutines it started)
//        |                                     v
//        └── read_paused (output above  write_now / async_write ──> on_written
//            max_output_pending) <──────────── consume_output, release held
//                                              owners, tick, next write
//
// A mixin of session (CRTP: no virtual call, no allocation per read or per
// write: the two operations live in the handler memories below). The flags
// here are the loop's own — a read in flight, a write in flight or posted —
// and orthogonal to the session's lifecycle (session_state.hpp), which the
// loop asks through its session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/handler_memory.hpp>
#include <h2pb/h2/asio/session_state.hpp>
#include <h2pb/h2/asio/stream_error.hpp>
#include <h2pb/h2/asio/transport.hpp>
#include <h2pb/h2/connection.hpp>

namespace h2pb::h2::asio {

template <class Session>
class session_io {
  protected:
    session_io() = default;

    /// How many reads one wake-up takes in a row while the socket has more
    /// (a full buffer): bounded, so that the other connections of the thread
    /// get their turn.
    static constexpr int reads_per_turn = 16;
    /// Owners of borrowed output already written are dropped from the front
    /// of held_ lazily: the vector is compacted once this many are done (and
    /// at least half of it), so that it does not creep while output flows.
    static constexpr std::size_t held_compact_after = 32;

    Session& self() noexcept { return static_cast<Session&>(*this); }

    /// The loops start: our preface and SETTINGS go out, the peer's input
    /// is read.
    void start_loops() {
        Session& s = self();
        s.transition(session_state::running);
        schedule_write();  // our preface and SETTINGS, before anything is read
        // A cleartext peer's preface is often there already: try it first.
        if (!s.transport_.is_tls()) {
            error_code_t ec;
            const wire::bytes_view in = s.transport_.read_now(ec);
            if (ec != net::error::would_block && ec != net::error::try_again) {
                on_read(ec, in);
                return;
            }
        }
        start_read();
    }

    void schedule_write() {
        Session& s = self();
        if (write_scheduled_ || writing_ || s.is_closed()) return;
        if (processing_) return;  // process() writes at its end
        write_scheduled_ = true;
        net::post(s.ex_, [self = s.shared_from_this()] { self->write_turn(); });
    }

    /// After input or a timer: write what is pending, or finish.
    void after_io() {
        Session& s = self();
        if (s.conn_.want_write()) {
            schedule_write();
        } else if (!writing_) {
            s.maybe_finish();
        }
    }

    /// Set when input started work that runs later on the executor (a
    /// handler coroutine): the write of this turn is then posted after it.
    void defer_write() noexcept { handlers_deferred_ = true; }

    /// Keeps `owner` alive until the output queued so far is written.
    void hold(const std::shared_ptr<const void>& owner) {
        held_.emplace_back(self().conn_.output_queued_total(), owner);
    }

    /// The transport is closed: nothing queued will be written.
    void drop_held() noexcept {
        held_.clear();
        held_head_ = 0;
    }

    /// The read side of the loop: wait for input, process it, again. Input
    /// stops while unwritten output is above max_output_pending (on_written
    /// resumes it). Completion handlers rather than a coroutine: nothing is
    /// allocated per read.
    void start_read() {
        Session& s = self();
        if (s.is_closed() || reading_) return;
        if (!s.is_lingering() && s.conn_.output_size() > s.opts_.max_output_pending) {
            read_paused_ = true;
            return;
        }
        read_paused_ = false;
        reading_ = true;
        s.transport_.async_read(read_memory_, [self = s.shared_from_this()](const error_code_t& ec,
                                                                            wire::bytes_view in) {
            self->reading_ = false;
            self->on_read(ec, in);
        });
    }

    bool read_paused() const noexcept { return read_paused_; }
    bool writing() const noexcept { return writing_; }

  private:
    void on_read(error_code_t ec, wire::bytes_view in) {
        Session& s = self();
        // A full buffer means more is probably waiting: read it now, before
        // waiting again (bounded, so that other connections get their turn).
        for (int more = 0;; ++more) {
            if (s.is_closed()) return;
            if (ec) {
                if (!s.is_lingering() && !s.conn_error_) {
                    const bool eof =
                        ec == net::error::eof || ec == net::ssl::error::stream_truncated;
                    s.conn_error_ = {
                        stream_errc::connection_closed, error_code::no_error, false,
                        eof ? std::string("the peer closed the connection") : ec.message()};
                }
                s.close_transport();
                return;
            }
            if (!s.is_lingering())
                process(in);  // after our last frame: discard until the peer closes
            if (s.is_closed() || !s.transport_.more_likely() || more == reads_per_turn ||
                (!s.is_lingering() && s.conn_.output_size() > s.opts_.max_output_pending))
                break;
            in = s.transport_.read_now(ec);
            if (ec == net::error::would_block || ec == net::error::try_again) break;
        }
        start_read();
    }

    void process(wire::bytes_view in) {
        Session& s = self();
        const h2::time_point now = h2::clock::now();
        s.note_input(now);
        if (s.trace_) s.trace_->received(in);
        handlers_deferred_ = false;
        {
            // Handlers that answer at once queue output for the write below.
            processing_ = true;
            struct reset {
                bool& flag;
                ~reset() { flag = false; }
            } done{processing_};
            s.conn_.receive(in, now, s.events());
        }
        // Everything the input produced is queued: write it now, in this
        // turn — unless handler coroutines were started, whose output
        // should join the same write (the posted turn runs after them).
        if (s.conn_.want_write() && !handlers_deferred_ && !writing_ && !write_scheduled_) {
            write_turn();
        } else {
            after_io();
        }
    }

    void write_turn() {
        Session& s = self();
        write_scheduled_ = false;
        if (writing_ || !s.loops_running()) return;  // before the handshake, output waits
        const std::span<const wire::bytes_view> out = s.conn_.output();
        if (out.empty()) {
            s.maybe_finish();
            return;
        }
        if (s.trace_) s.trace_->sent(out);
        writing_ = true;
        std::size_t done = 0;
        if (!s.transport_.is_tls()) {
            // Usually the socket takes it all now: finish the turn here, with
            // no operation queued and no wait for the next turn of the loop.
            error_code_t ec;
            const auto now = s.transport_.write_now(out, ec);
            done = now.written;
            if (now.complete) return on_written(error_code_t{}, done);
            if (ec && ec != net::error::would_block && ec != net::error::try_again)
                return on_written(ec, done);
        }
        s.transport_.async_write(
            out, write_memory_,
            [self = s.shared_from_this()](const error_code_t& ec, std::size_t n) {
                self->on_written(ec, n);
            },
            done);
    }

    void on_written(const error_code_t& ec, std::size_t n) {
        Session& s = self();
        writing_ = false;
        if (s.is_closed()) return;
        if (ec) {
            if (!s.conn_error_)
                s.conn_error_ = {stream_errc::connection_closed, error_code::no_error, false,
                                 "write: " + ec.message()};
            s.close_transport();
            return;
        }
        s.conn_.consume_output(n);
        const std::uint64_t drained = s.conn_.output_drained_total();
        while (held_head_ < held_.size() && held_[held_head_].first <= drained)
            held_[held_head_++].second.reset();
        if (held_head_ == held_.size() ||
            (held_head_ >= held_compact_after && held_head_ * 2 >= held_.size())) {
            // Compact: the vector does not creep while output keeps flowing.
            held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(held_head_));
            held_head_ = 0;
        }
        if (read_paused_) start_read();
        // Streams blocked on the output budget may go on. The time of the
        // last input is recent enough here (the SETTINGS timeout, the other
        // use of the time in tick(), is checked by the timer with a fresh one)
        // and saves a clock read per write.
        s.conn_.tick(s.last_activity_, s.events());
        if (s.conn_.want_write()) {
            schedule_write();
        } else {
            s.maybe_finish();
        }
    }

    bool writing_ = false;            ///< a write is in flight
    bool write_scheduled_ = false;    ///< a write turn is posted
    bool processing_ = false;         ///< inside process(): it writes what the input produced
    bool handlers_deferred_ = false;  ///< input started handler coroutines: the write is posted
    bool reading_ = false;            ///< a read is in flight
    bool read_paused_ = false;        ///< reading stopped: output above max_output_pending

    read_handler_memory read_memory_;    ///< the pending read's operation
    write_handler_memory write_memory_;  ///< the pending write's operation
    /// Owners of borrowed output, with the output position where their bytes
    /// end, oldest from held_head_ on (a vector, not a std::deque: an empty
    /// deque already holds memory, and most connections never borrow).
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const void>>> held_;
    std::size_t held_head_ = 0;
};

}  // namespace h2pb::h2::asio
