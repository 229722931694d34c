// h2pb::h2 — what a connection may send now, and who waits (RFC 9113 §5.2,
// §6.1, §6.9).
//
// DATA is the only flow-controlled frame (§5.2.1, §6.9): a sender may send
// no more than the smaller of the connection's send window and the stream's
// (§6.9.1), and we add a third bound of our own, the octets already waiting
// in the output queue (connection_limits::max_output_buffered), so that a
// peer that opens its windows but does not read cannot make us buffer
// without end.
//
// The send_scheduler, one per connection, owns:
//   - the connection-level send window (the peer's WINDOW_UPDATEs on stream
//     0 open it, our DATA closes it);
//   - capacity(): what send_data() accepts on a stream now;
//   - the blocked streams: those whose writer offered more than capacity(),
//     in a FIFO (an intrusive list through the stream records, so blocking
//     allocates nothing); when windows open or output drains, wakeable()
//     names the oldest ones the shared capacity can serve, so a tiny
//     WINDOW_UPDATE does not wake every stream;
//   - DATA framing: payloads cut into frames no larger than the peer's
//     SETTINGS_MAX_FRAME_SIZE (§4.2), copied or referenced (data_ownership).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <h2pb/h2/flow_control.hpp>
#include <h2pb/h2/frame.hpp>
#include <h2pb/h2/frame_writer.hpp>
#include <h2pb/h2/output_queue.hpp>
#include <h2pb/h2/stream.hpp>
#include <h2pb/wire/buffer.hpp>

namespace h2pb::h2 {

/// send_data: copy the payload into the output, or reference it (zero copy;
/// the bytes must outlive their transmission, see output_queue.hpp).
enum class data_ownership : std::uint8_t { copy, borrow };

class send_scheduler {
  public:
    /// `max_output_buffered`: connection_limits::max_output_buffered.
    explicit send_scheduler(std::size_t max_output_buffered) noexcept
        : max_output_buffered_(max_output_buffered) {}

    // ---- capacity

    /// The connection-level send window (§6.9.1).
    send_window& connection_window() noexcept { return conn_send_; }
    const send_window& connection_window() const noexcept { return conn_send_; }

    /// Octets send_data() may accept on `s` now: both windows and the output budget.
    std::size_t capacity(const stream& s, const output_queue& out) const noexcept {
        return std::min<std::size_t>({conn_send_.available(), s.send.available(), budget(out)});
    }

    // ---- DATA framing

    /// Queues DATA frames for the first `n` octets of `data` (n <= capacity)
    /// on stream `id`, each at most `max_frame` octets; END_STREAM on the
    /// last frame if it carries the end of `data` and `end_stream`. Both
    /// windows shrink by n. Returns the number of frames.
    std::uint32_t write_data(output_queue& out, stream& s, std::uint32_t id, wire::bytes_view data,
                             std::size_t n, std::size_t max_frame, bool end_stream,
                             data_ownership own) {
        std::size_t sent = 0;
        std::uint32_t frames = 0;
        while (sent < n) {
            ++frames;
            const std::size_t chunk = std::min(n - sent, max_frame);
            const bool last = sent + chunk == data.size();
            wire::buffer& b = out.control();
            write_frame_header(b, static_cast<std::uint32_t>(chunk), frame_type::data,
                               last && end_stream ? flag::end_stream : 0, id);
            const wire::bytes_view piece = data.subspan(sent, chunk);
            if (own == data_ownership::borrow && chunk >= borrow_threshold)
                out.append_external(piece);
            else
                b.append(piece);
            sent += chunk;
        }
        if (n > 0) {
            conn_send_.consume(static_cast<std::uint32_t>(n));
            s.send.consume(static_cast<std::uint32_t>(n));
        }
        return frames;
    }

    // ---- blocked streams (FIFO)

    /// `s` offered more than capacity(): it waits for a stream_writable event.
    void block(stream* s) noexcept {
        if (s->blocked) return;
        s->blocked = true;
        s->blocked_prev = tail_;
        s->blocked_next = nullptr;
        if (tail_) {
            tail_->blocked_next = s;
        } else {
            head_ = s;
        }
        tail_ = s;
    }

    void unblock(stream* s) noexcept {
        if (!s->blocked) return;
        if (s->blocked_prev) {
            s->blocked_prev->blocked_next = s->blocked_next;
        } else {
            head_ = s->blocked_next;
        }
        if (s->blocked_next) {
            s->blocked_next->blocked_prev = s->blocked_prev;
        } else {
            tail_ = s->blocked_prev;
        }
        s->blocked = false;
        s->blocked_prev = s->blocked_next = nullptr;
    }

    bool any_blocked() const noexcept { return head_ != nullptr; }

    /// The blocked streams, oldest first, that the shared capacity (the
    /// connection window and the output budget) serves now. The ids stay
    /// valid until the next call; the streams are still blocked (the caller
    /// unblocks each and tells its writer).
    std::span<const std::uint32_t> wakeable(const output_queue& out) {
        std::size_t shared = std::min<std::size_t>(conn_send_.available(), budget(out));
        collect_.clear();
        for (stream* s = head_; s && shared > 0; s = s->blocked_next) {
            const std::size_t cap = std::min<std::size_t>(shared, s->send.available());
            if (cap == 0) continue;
            collect_.push_back(s->id);
            shared -= cap;
        }
        return collect_;
    }

  private:
    /// DATA payloads shorter than this are copied even with data_ownership::borrow:
    /// a separate gather entry costs more than copying a few hundred octets.
    static constexpr std::size_t borrow_threshold = 512;

    std::size_t budget(const output_queue& out) const noexcept {
        const std::size_t queued = out.size();
        return queued >= max_output_buffered_ ? 0 : max_output_buffered_ - queued;
    }

    std::size_t max_output_buffered_;
    send_window conn_send_{default_initial_window_size};
    stream* head_ = nullptr;
    stream* tail_ = nullptr;
    std::vector<std::uint32_t> collect_;
};

}  // namespace h2pb::h2
