// h2pb::h2::asio — one stream as the application sees it: a message coming
// in (a request on a server, a response on a client) and a message going out.
//
// The connection loop (session.hpp) fills the incoming side from the
// connection's events and drains the outgoing side into the connection as
// flow control allows; the application reads and writes through the
// server's request/response or the client's client_stream, which wrap an
// exchange. Exchanges are pooled per connection and reused, buffers and all.
//
// Incoming body: DATA octets are copied once, from the read buffer into
// `body` (they must outlive the event). read() hands the application all
// that is buffered and swaps buffers; the octets are released to flow
// control (WINDOW_UPDATE) at the next read(), when the application is done
// with them — a handler that stops reading stops the peer (backpressure).
//
// Waiting: a reader and a writer may wait at the same time, each on its own
// wakeup (read_wake, write_wake); events wake the side they concern, errors
// and the end of the stream wake both.
//
// Outgoing body: data the connection cannot take yet (windows, output
// budget) waits in `out_queue`, either copied or referenced with an owner
// that keeps it alive; stream_writable events resume it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include <h2pb/h2/asio/field_store.hpp>
#include <h2pb/h2/asio/stream_error.hpp>
#include <h2pb/h2/asio/wakeup.hpp>
#include <h2pb/wire/buffer.hpp>

namespace h2pb::h2::asio {

class session;

/// Output that waits for flow-control credit: owned bytes, or bytes an owner
/// keeps alive (zero copy).
struct out_chunk {
    wire::buffer owned;
    wire::bytes_view borrowed;
    std::shared_ptr<const void> owner;
    std::size_t pos = 0;

    wire::bytes_view rest() const noexcept {
        const wire::bytes_view all = owner ? borrowed : owned.view();
        return all.subspan(pos);
    }
};

struct exchange {
    std::uint32_t id = 0;
    session* owner = nullptr;

    // ---- incoming message
    field_store head;          ///< request header section / final response header section
    field_store trailers;      ///< trailer section, if any
    std::uint16_t status = 0;  ///< client: the final :status
    bool head_received = false;
    bool in_end = false;        ///< the peer's END_STREAM arrived (after the body and trailers)
    bool discard_body = false;  ///< nobody will read the body: release DATA as it arrives
    /// Server: a complete_request_handler runs once in_end (session::on_request_end).
    bool waits_for_end = false;
    wire::buffer body;           ///< received, not handed to the application yet
    wire::buffer reading;        ///< handed out by the last read(); released at the next
    std::size_t unconsumed = 0;  ///< octets of body + reading not yet given back to flow control

    // ---- outgoing message
    bool out_headers_sent = false;
    bool out_ended = false;       ///< END_STREAM is queued in the connection
    bool out_end_queued = false;  ///< END_STREAM goes after out_queue (and trailers)
    bool out_trailers_queued = false;
    field_store out_trailers;
    std::vector<out_chunk> out_queue;  ///< front first
    std::size_t out_queue_head = 0;
    char status_text[4] = {};  ///< ":status" value being sent

    // ---- end of the stream
    stream_error error;      ///< set when the stream ended abnormally
    bool h2_closed = false;  ///< the connection no longer tracks the stream
    bool app_done = false;   ///< the handler returned / the client handle is gone
    bool app_running = false;

    // The coroutines waiting on this stream: one per direction, so that a
    // bidirectional call can read in one coroutine and write in another at
    // the same time (each wakeup holds one waiter; a second wait() on the
    // same one would replace the first). At most one reader and one writer.
    wakeup read_wake;   ///< read(), wait_head(): head, body octets, the end, an error
    wakeup write_wake;  ///< write(): flow-control credit or output budget, an error
    /// session::wait_cancelled(): true when the stream fails (error set),
    /// false when the exchange is released after a normal end. Never resumed
    /// on a reused exchange: release answers it first.
    bool_wakeup cancel_wake;

    // ---- deadline (session::set_deadline)
    static constexpr std::size_t no_slot = std::numeric_limits<std::size_t>::max();
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::size_t deadline_slot = no_slot;  ///< position in the session's deadline heap
    /// How many times the exchange was reset for reuse: tells a call from
    /// the next one on the same exchange (wait_cancelled).
    std::uint64_t generation = 0;
    exchange* next_free = nullptr;

    /// The stream failed or closed: everyone waiting looks again; a failure
    /// (error set) also answers wait_cancelled().
    void wake_all() {
        read_wake.notify();
        write_wake.notify();
        if (error) cancel_wake.notify(true);
    }

    bool out_pending() const noexcept { return out_queue_head < out_queue.size(); }
    bool finished() const noexcept { return h2_closed && app_done; }

    /// Back to the state of a fresh exchange, keeping buffers below `keep`
    /// octets for reuse.
    void reset(std::size_t keep) {
        id = 0;
        ++generation;
        head.clear();
        trailers.clear();
        head.trim(keep);
        trailers.trim(keep);
        status = 0;
        head_received = in_end = discard_body = waits_for_end = false;
        body.clear();
        reading.clear();
        if (body.capacity() > keep) body = wire::buffer();
        if (reading.capacity() > keep) reading = wire::buffer();
        unconsumed = 0;
        out_headers_sent = out_ended = out_end_queued = out_trailers_queued = false;
        out_trailers.clear();
        out_queue.clear();
        out_queue_head = 0;
        error = {};
        h2_closed = app_done = app_running = false;
        deadline = std::chrono::steady_clock::time_point::max();  // the session unlinked it
        next_free = nullptr;
    }
};

}  // namespace h2pb::h2::asio
