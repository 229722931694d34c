// h2pb::h2 — one HTTP/2 connection, sans I/O (RFC 9113).
//
// A connection turns received bytes into events and the application's calls
// into bytes to send. It never touches a socket, a clock or a thread: the
// driver (h2/asio, a test, a fuzzer) moves the bytes and passes the time in.
//
//   h2::connection conn(h2::role::server, now, options);
//   conn.receive(bytes, now, handler);   // events: handler(const headers_received&) ...
//   conn.submit_response(id, fields, false);
//   conn.send_data(id, body, true);      // how much was accepted (flow control)
//   conn.submit_trailers(id, trailers);
//   for (auto b : conn.output()) write(b); conn.consume_output(n);
//   conn.tick(now, handler);              // SETTINGS timeout, resumed writers
//
// What happens inside, in the order the RFC tells it:
//   - §3.4 preface: a client sends the 24 magic octets and SETTINGS; a server
//     expects them, and both expect the peer's first frame to be SETTINGS.
//   - §4, §6 frames: the inbound parser (frame_reader.hpp) reads the 9-octet
//     header, applies the header-only checks of frame.hpp, then buffers the
//     payload — except DATA, whose bytes go to the application as they arrive,
//     without a copy.
//   - §4.3 field blocks: HEADERS + CONTINUATION fragments are joined (no
//     interleaving) and decoded by hpack::decoder (field_block_reader in
//     frame_reader.hpp) — always, even for streams that are refused or
//     ignored, so that the HPACK state stays in sync.
//   - §5.1 stream states (stream_state.hpp): its table is the authority.
//     Every HEADERS, END_STREAM and RST_STREAM, sent or received, is a
//     transition of the table (step_local: ours, asserted valid; step_peer:
//     the peer's, admitted first by the table's reception rules, whose "no" is
//     a stream or connection error). §5.1.1 stream ids, §5.1.2
//     SETTINGS_MAX_CONCURRENT_STREAMS (REFUSED_STREAM beyond it).
//   - §5.2, §6.9 flow control in both directions (flow_control.hpp): DATA is
//     only sent within the peer's windows (send_scheduler.hpp, which also
//     queues the streams that wait for them); received DATA reopens a stream's
//     window only when the application calls consume(), and the connection
//     window either then too (window_release::on_consume) or as soon as the
//     DATA arrives (window_release::on_receive, see connection_options).
//   - §6.5 SETTINGS with ACK (settings_sync.hpp); our limits tighten when
//     the peer acknowledges them, and loosen at once (the peer may rely on
//     them as soon as it reads our SETTINGS).
//   - §6.8 GOAWAY and graceful shutdown (shutdown.hpp).
//   - §8.1-§8.3 HTTP message rules (field_validation.hpp): malformed messages
//     are stream errors.
//   - §10.5 limits against abuse (abuse.hpp, limits.hpp): rapid reset, CONTINUATION and
//     control frame floods, empty frames, queued answers to a non-reading peer.
//
// Errors: a connection error queues GOAWAY (last stream id, code, a one-line
// reason as debug data), reports connection_error, and ignores all further
// input. A stream error queues RST_STREAM and reports stream_reset.
//
// Output: frames accumulate in an output_queue (output_queue.hpp): a gather
// list where DATA payloads sent with data_ownership::borrow are referenced,
// not copied. See that file for the lifetime contract.
#pragma once

#include <algorithm>
#include <array>
#include <bitset>
#include <cassert>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <h2pb/h2/abuse.hpp>
#include <h2pb/h2/connection_options.hpp>
#include <h2pb/h2/errc.hpp>
#include <h2pb/h2/error_code.hpp>
#include <h2pb/h2/events.hpp>
#include <h2pb/h2/field_validation.hpp>
#include <h2pb/h2/flow_control.hpp>
#include <h2pb/h2/frame.hpp>
#include <h2pb/h2/frame_reader.hpp>
#include <h2pb/h2/frame_writer.hpp>
#include <h2pb/h2/limits.hpp>
#include <h2pb/h2/output_queue.hpp>
#include <h2pb/h2/send_errc.hpp>
#include <h2pb/h2/send_scheduler.hpp>
#include <h2pb/h2/settings.hpp>
#include <h2pb/h2/settings_sync.hpp>
#include <h2pb/h2/shutdown.hpp>
#include <h2pb/h2/stream.hpp>
#include <h2pb/h2/stream_state.hpp>
#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/result.hpp>

namespace h2pb::h2 {

/// Time is a value the driver passes in; the connection never reads a clock.
template <class T>
using send_result = wire::result<T, send_errc>;

/// How many recently closed streams the connection remembers as owed a
/// WINDOW_UPDATE (see window_update_owed_): two bits each, 1,024 octets per
/// connection. An update arrives within a round trip of our END_STREAM;
/// 4,096 stream ids cover that at any call rate a connection reaches
/// (2,048 streams per direction; at 10,000 calls/s, 0.2 s).
inline constexpr std::size_t window_update_owed_slots = 4096;

/// WINDOW_UPDATEs a DATA frame we send earns from the peer, free of the
/// flood budget (limits.control_frame_burst): a receiver may return a frame's
/// credit in two steps — grpc C++ returns the 5-octet message prefix and the
/// message separately, so a unary call brings two updates per DATA frame on
/// the stream and as many on the connection.
inline constexpr std::uint32_t window_updates_per_data_frame = 2;

/// WINDOW_UPDATEs free of the flood budget on every new stream: a receiver may
/// announce a larger window for a stream as soon as it opens (grpc C++ sends
/// one on each stream it opens, before any DATA arrives). Opening streams
/// is bounded by its own limits, so this gives a flood nothing.
inline constexpr std::uint32_t window_updates_per_new_stream = 1;

class connection {
  public:
    /// `now` is when the preface is queued (the SETTINGS ACK timer starts).
    connection(h2::role r, time_point now, const connection_options& options = {})
        : role_(r),
          options_(options),
          encoder_(options.encoder),
          reader_(r == role::server),
          blocks_(hpack::decoder_options{hpack::default_max_table_size,
                                         options.max_header_list_size,
                                         hpack::default_max_string_length}),
          closed_(options.limits.closed_streams_remembered),
          abuse_(options.limits, now),
          sched_(options.limits.max_output_buffered),
          now_(now),
          sync_(options.limits.settings_timeout) {
        remote_.max_concurrent_streams = options.initial_peer_max_concurrent_streams;
        next_local_stream_id_ = r == role::client ? 1 : 2;
        send_preface(now);
    }

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // ------------------------------------------------------------------
    // Receiving

    /// Processes received bytes (any amount, any split) and reports events to
    /// `handler` (events.hpp). After a connection error the rest is ignored.
    template <class Handler>
    void receive(wire::bytes_view in, time_point now, Handler&& handler) {
        now_ = now;
        std::size_t pos = 0;
        while (pos < in.size() && !reader_.closed()) {
            const frame_reader::item it = reader_.step(in, pos);
            pos += it.used;
            on_item(it, handler);
        }
        reader_.advance(in.size());
    }

    /// Time-driven work: the SETTINGS ACK timeout (§6.5.3), and stream_writable
    /// events for streams that wait for output to drain. Call it after
    /// consume_output() and when next_deadline() passes.
    template <class Handler>
    void tick(time_point now, Handler&& handler) {
        now_ = now;
        if (fatal_) return;
        if (const auto d = settings_deadline(); d && now >= *d) {
            connection_failure(errc::settings_timeout, reader_.received_total(), handler);
            return;
        }
        if (goaway_.ping_pending() && now >= goaway_.deadline()) finish_shutdown();
        wake_blocked(handler);
    }

    /// When tick() must run next, if a timer is armed (SETTINGS ACK timeout,
    /// graceful shutdown).
    std::optional<time_point> next_deadline() const noexcept {
        if (fatal_) return std::nullopt;
        std::optional<time_point> d = settings_deadline();
        if (goaway_.ping_pending() && (!d || goaway_.deadline() < *d)) d = goaway_.deadline();
        return d;
    }

    // ------------------------------------------------------------------
    // Sending: streams and messages

    /// Client: opens a stream with a request header section (§8.3.1). Returns
    /// the new stream id.
    send_result<std::uint32_t> submit_request(std::span<const hpack::field> fields,
                                              bool end_stream) {
        if (role_ != role::client) return wire::failure{send_errc::wrong_role};
        if (fatal_ || goaway_.sent()) return wire::failure{send_errc::connection_closed};
        if (goaway_.received()) return wire::failure{send_errc::goaway_received};
        if (local_active_ >= remote_.max_concurrent_streams)
            return wire::failure{send_errc::too_many_streams};
        if (next_local_stream_id_ > max_stream_id)
            return wire::failure{send_errc::stream_ids_exhausted};
        if (auto e = check_outgoing(section_kind::request, fields); e != send_errc::ok)
            return wire::failure{e};
        const std::uint32_t id = next_local_stream_id_;
        next_local_stream_id_ += 2;
        write_header_block(id, fields, end_stream);
        stream* s = new_stream(id, true);
        for (const auto& f : fields)
            if (fields::detail::is(f.name, ":method"))
                s->request_was_head = fields::detail::is(f.value, "HEAD");
        s->local_headers_sent = true;
        if (end_stream) local_end_stream(s);
        return id;
    }

    /// Sends a header section on a stream: a response (server; any number of
    /// 1xx interim responses, then the final one), or trailers once the
    /// message's header section is out (end_stream must then be true, §8.1).
    send_errc submit_headers(std::uint32_t id, std::span<const hpack::field> fields,
                             bool end_stream) {
        if (fatal_) return send_errc::connection_closed;
        stream* s = streams_.find(id);
        if (!s) return send_errc::no_such_stream;
        if (!local_open(s->state)) return send_errc::stream_not_writable;
        const section_kind kind = s->local_headers_sent || role_ == role::client
                                      ? section_kind::trailers
                                      : section_kind::response;
        if (kind == section_kind::trailers && !end_stream) return send_errc::invalid_argument;
        if (auto e = check_outgoing(kind, fields); e != send_errc::ok) return e;
        const bool interim = kind == section_kind::response && is_interim_response(fields);
        if (interim && end_stream) return send_errc::invalid_argument;  // §8.1: 1xx never ends
        write_header_block(id, fields, end_stream);
        step_local(s->state, stream_event::send_headers);  // open / half-closed (remote): unchanged
        // After a 1xx the final response is still due: DATA waits for it.
        if (!interim) s->local_headers_sent = true;
        if (end_stream) local_end_stream(s);
        return send_errc::ok;
    }
    send_errc submit_response(std::uint32_t id, std::span<const hpack::field> fields,
                              bool end_stream) {
        if (role_ != role::server) return send_errc::wrong_role;
        return submit_headers(id, fields, end_stream);
    }
    send_errc submit_trailers(std::uint32_t id, std::span<const hpack::field> fields) {
        return submit_headers(id, fields, true);
    }

    /// Whether submit_trailers() would accept `fields` now, without sending
    /// anything: for drivers that queue trailers behind body octets and want
    /// the answer when the trailers are handed over (the peer's
    /// SETTINGS_MAX_HEADER_LIST_SIZE may still change before they go).
    send_errc check_trailers(std::span<const hpack::field> fields) noexcept {
        if (fatal_) return send_errc::connection_closed;
        return check_outgoing(section_kind::trailers, fields);
    }

    /// Sends DATA, as much as flow control (both windows, §6.9.1) and the
    /// output budget allow now, in frames no larger than the peer's
    /// SETTINGS_MAX_FRAME_SIZE. Returns the number of octets accepted; if
    /// fewer than offered, END_STREAM is not sent and a stream_writable event
    /// will say when to offer the rest. Empty data with end_stream always goes.
    send_result<std::size_t> send_data(std::uint32_t id, wire::bytes_view data, bool end_stream,
                                       data_ownership own = data_ownership::copy) {
        if (fatal_) return wire::failure{send_errc::connection_closed};
        stream* s = streams_.find(id);
        if (!s) return wire::failure{send_errc::no_such_stream};
        if (!local_open(s->state)) return wire::failure{send_errc::stream_not_writable};
        if (!s->local_headers_sent) return wire::failure{send_errc::headers_not_sent};
        const std::size_t n = std::min(data.size(), capacity(*s));
        const bool all = n == data.size();
        const std::uint32_t frames =
            sched_.write_data(output_, *s, id, data, n, remote_.max_frame_size, end_stream, own);
        if (n > 0) {
            s->window_updates_earned += frames * window_updates_per_data_frame;
            conn_window_updates_earned_ += std::uint64_t{frames} * window_updates_per_data_frame;
        }
        if (all && end_stream) {
            if (data.empty())
                write_frame_header(output_.control(), 0, frame_type::data, flag::end_stream, id);
            local_end_stream(s);
        } else if (!all) {
            sched_.block(s);
        }
        return n;
    }

    /// Octets send_data() would accept on the stream now.
    std::size_t send_capacity(std::uint32_t id) const noexcept {
        const stream* s = streams_.find(id);
        return s && local_open(s->state) ? capacity(*s) : 0;
    }

    /// The application has processed n octets of DATA of the stream: reopen the
    /// stream's window and, with window_release::on_consume, the connection's.
    /// WINDOW_UPDATE frames are queued once half a window is released.
    /// Octets of a stream that is already closed are still to be consume()d
    /// with on_consume (the connection window's share); with on_receive that
    /// is a no-op, harmless.
    void consume(std::uint32_t id, std::size_t n) {
        if (fatal_ || n == 0) return;
        const auto k = static_cast<std::uint32_t>(std::min<std::size_t>(n, max_window_size));
        if (!release_on_receive())
            if (const std::uint32_t inc = conn_recv_.release(k))
                write_window_update(output_.control(), 0, inc);
        stream* s = streams_.find(id);
        if (s && remote_open(s->state)) {
            if (const std::uint32_t inc = s->recv.release(k))
                write_window_update(output_.control(), id, inc);
        }
    }

    /// Resets a stream (§6.4). Frames the peer already sent are ignored.
    send_errc reset_stream(std::uint32_t id, error_code code = error_code::cancel) {
        if (fatal_) return send_errc::connection_closed;
        stream* s = streams_.find(id);
        // A stream that just closed is still found while the event that closed
        // it runs (finish_remote_end), but §5.1 forbids RST_STREAM there.
        if (!s || !transition(s->state, stream_event::send_rst_stream).valid)
            return send_errc::no_such_stream;
        send_reset(s, code);
        return send_errc::ok;
    }

    // ------------------------------------------------------------------
    // Sending: connection

    /// Sends a PING (§6.7); its ACK is reported as ping_acknowledged.
    void ping(std::uint64_t opaque) {
        if (!fatal_) write_ping(output_.control(), opaque);
    }

    /// Sends GOAWAY with the last peer stream we processed (§6.8). With
    /// NO_ERROR, existing streams finish; otherwise the connection is done.
    void goaway(error_code code = error_code::no_error, std::string_view debug = {}) {
        if (fatal_) return;
        send_goaway(last_peer_stream_processed_, code, debug);
        if (code != error_code::no_error) {
            fatal_ = true;
            reader_.close();
        }
    }

    /// Graceful shutdown (§6.8). A server first sends GOAWAY with 2^31-1 and a
    /// PING; when the PING is acknowledged (a round trip later, so streams the
    /// client opened meanwhile are in), the final GOAWAY names the real last
    /// stream. A client sends its GOAWAY at once. Existing streams finish;
    /// is_closed() turns true when none is left.
    /// If the PING is not acknowledged within the graceful shutdown timeout,
    /// tick() sends the final GOAWAY.
    void shutdown(time_point now) {
        if (fatal_ || goaway_.sent() || goaway_.ping_pending()) return;
        if (role_ == role::server) {
            write_goaway(output_.control(), max_stream_id, error_code::no_error);
            write_ping(output_.control(), goaway_state::shutdown_ping_opaque);
            goaway_.start_graceful(now + std::chrono::duration_cast<clock::duration>(
                                             options_.limits.graceful_shutdown_timeout));
        } else {
            send_goaway(last_peer_stream_processed_, error_code::no_error, {});
        }
    }

    /// Changes what we advertise (§6.5): queues a SETTINGS frame. Stricter
    /// values take effect when the peer acknowledges them, looser ones at once.
    send_errc submit_settings(std::span<const setting> entries, time_point now) {
        if (fatal_) return send_errc::connection_closed;
        if (sync_.full()) return send_errc::invalid_argument;
        settings next = sync_.latest();
        for (const setting& e : entries) {
            if (validate(e, role_ == role::server) != errc::ok) return send_errc::invalid_argument;
            if (e.id == static_cast<std::uint16_t>(setting_id::enable_push) && e.value != 0)
                return send_errc::invalid_argument;  // h2pb does not do server push
        }
        for (const setting& e : entries) next.set(e);
        write_settings(output_.control(), entries);
        sync_.sent(next, now);
        apply_local_limits(next);
        update_effective_local();
        return send_errc::ok;
    }

    // ------------------------------------------------------------------
    // Output (for the driver)

    /// The next bytes to write, as a gather list; see output_queue::buffers().
    std::span<const wire::bytes_view> output() { return output_.buffers(); }
    /// The driver wrote n octets of output().
    void consume_output(std::size_t n) noexcept { output_.consume(n); }
    bool want_write() const noexcept { return !output_.empty(); }
    std::size_t output_size() const noexcept { return output_.size(); }
    /// The clock of the borrowed-data lifetime contract (output_queue.hpp).
    std::uint64_t output_queued_total() const noexcept { return output_.queued_total(); }
    std::uint64_t output_drained_total() const noexcept { return output_.drained_total(); }

    // ------------------------------------------------------------------
    // State

    /// True when the connection has nothing left to do: after a connection
    /// error, or once GOAWAY was exchanged and no stream is left. The driver
    /// writes the remaining output, then closes the transport.
    bool is_closed() const noexcept {
        if (fatal_) return true;
        return (goaway_.received() || (goaway_.sent() && !goaway_.ping_pending())) &&
               streams_.size() == 0;
    }
    /// The peer sent GOAWAY (§6.8): no new stream may be opened here.
    bool peer_sent_goaway() const noexcept { return goaway_.received(); }
    h2::role role() const noexcept { return role_; }
    inbound_state parser_state() const noexcept { return reader_.state(); }
    /// The peer's settings (what we must respect).
    const settings& remote_settings() const noexcept { return remote_; }
    /// Our settings as acknowledged by the peer.
    const settings& local_settings() const noexcept { return sync_.acknowledged(); }
    std::size_t active_streams() const noexcept { return streams_.size(); }
    /// The state of a stream; closed for streams no longer tracked, idle for
    /// ids never used.
    stream_state state_of(std::uint32_t id) const noexcept {
        if (const stream* s = streams_.find(id)) return s->state;
        return is_idle(id) ? stream_state::idle : stream_state::closed;
    }
    std::int64_t connection_send_window() const noexcept {
        return sched_.connection_window().value();
    }
    std::int64_t connection_recv_window() const noexcept { return conn_recv_.value(); }
    std::int64_t stream_send_window(std::uint32_t id) const noexcept {
        const stream* s = streams_.find(id);
        return s ? s->send.value() : 0;
    }
    std::int64_t stream_recv_window(std::uint32_t id) const noexcept {
        const stream* s = streams_.find(id);
        return s ? s->recv.value() : 0;
    }
    /// The highest stream id the peer opened that we passed to the application.
    std::uint32_t last_peer_stream_processed() const noexcept {
        return last_peer_stream_processed_;
    }
    void set_stream_user_data(std::uint32_t id, void* p) noexcept {
        if (stream* s = streams_.find(id)) s->user_data = p;
    }
    void* stream_user_data(std::uint32_t id) const noexcept {
        const stream* s = streams_.find(id);
        return s ? s->user_data : nullptr;
    }
    const hpack::decoder& hpack_decoder() const noexcept { return blocks_.decoder(); }
    const hpack::encoder& hpack_encoder() const noexcept { return encoder_; }

  private:
    // ---------------------------------------------------------------- types

    /// What is done with a field block once it is complete.
    enum class block_target : std::uint8_t {
        deliver,     ///< an existing stream: validate and report
        new_stream,  ///< a new peer stream: create it, validate and report
        refuse,      ///< decode, then RST_STREAM(REFUSED_STREAM) (concurrency limit)
        reject,      ///< decode, then a stream error (block_error)
        discard,     ///< decode and drop (stream we reset, or beyond our GOAWAY)
    };

    std::optional<time_point> settings_deadline() const noexcept { return sync_.deadline(); }

    /// The second step of a graceful shutdown: the real last stream id.
    void finish_shutdown() {
        goaway_.finish();
        send_goaway(last_peer_stream_processed_, error_code::no_error, {});
    }

    // ---------------------------------------------------------------- preface

    void send_preface(time_point now) {
        wire::buffer& out = output_.control();
        if (role_ == role::client) out.append(client_preface);
        std::array<setting, 6> entries;
        std::size_t n = 0;
        auto add = [&](setting_id id, std::uint32_t v) {
            entries[n++] = {static_cast<std::uint16_t>(id), v};
        };
        if (options_.header_table_size != default_header_table_size)
            add(setting_id::header_table_size, options_.header_table_size);
        if (role_ == role::client) add(setting_id::enable_push, 0);  // §8.4: we refuse pushes
        add(setting_id::max_concurrent_streams, options_.max_concurrent_streams);
        if (options_.initial_window_size != default_initial_window_size)
            add(setting_id::initial_window_size, options_.initial_window_size);
        if (options_.max_frame_size != min_max_frame_size)
            add(setting_id::max_frame_size, options_.max_frame_size);
        add(setting_id::max_header_list_size, options_.max_header_list_size);
        submit_settings(std::span<const setting>(entries.data(), n), now);
        if (options_.connection_window_size > default_initial_window_size) {
            const std::uint32_t inc = conn_recv_.grow_target(options_.connection_window_size);
            if (inc) write_window_update(output_.control(), 0, inc);
        }
    }

    // ---------------------------------------------------------------- parser

    /// What the frame reader completed (frame_reader.hpp) goes where it belongs.
    template <class H>
    void on_item(const frame_reader::item& it, H& h) {
        using k = frame_reader::item::kind;
        switch (it.what) {
            case k::none:
                return;
            case k::bad_preface:
                return connection_failure(errc::bad_preface, it.offset, h);
            case k::frame_header:
                return on_frame_header(h);
            case k::payload:
                return on_frame_payload(it.bytes, h);
            case k::pad_length:
                return on_data_pad_length(it.bytes[0], it.offset, h);
            case k::data:
                return deliver_data(it.bytes, h);
            case k::padding_end:
                return end_data_frame(h);
        }
    }

    const frame_header& fh() const noexcept { return reader_.header(); }
    std::size_t frame_offset() const noexcept { return reader_.frame_offset(); }
    std::size_t payload_offset() const noexcept { return reader_.payload_offset(); }

    /// A complete frame header: the checks it alone decides, then where the
    /// payload goes.
    template <class H>
    void on_frame_header(H& h) {
        if (expect_peer_settings_) {  // §3.4: the peer's preface ends with SETTINGS
            if (fh().type != frame_type::settings || fh().has(flag::ack))
                return connection_failure(errc::preface_not_settings, frame_offset(), h);
            expect_peer_settings_ = false;
        }
        if (blocks_.active()) {  // §4.3, §6.2, §6.10: nothing may interleave a field block
            if (fh().type != frame_type::continuation || fh().stream_id != block_.stream_id)
                return connection_failure(errc::continuation_expected, frame_offset(), h);
        } else if (fh().type == frame_type::continuation) {
            return connection_failure(errc::unexpected_continuation, frame_offset(), h);
        }
        if (const errc e = check_frame_header(fh(), sync_.max_frame_size()); e != errc::ok) {
            if (scope_of(e) == error_scope::stream) {  // PRIORITY of the wrong length (§6.3)
                if (!priority_stream_error(e, frame_offset(), h)) return;
                return skip_payload();
            }
            return connection_failure(e, frame_offset(), h);
        }
        switch (fh().type) {
            case frame_type::data:
                return on_data_header(h);
            case frame_type::push_promise:  // §8.4: we never enable push
                return connection_failure(role_ == role::server ? errc::push_promise_by_client
                                                                : errc::push_promise_received,
                                          frame_offset(), h);
            case frame_type::headers:
            case frame_type::continuation:
                if (fh().length == 0 && !fh().has(flag::end_headers) && !note_empty_frame(h))
                    return;
                break;
            case frame_type::settings:
            case frame_type::ping:
                if (!fh().has(flag::ack) && !note_control_frame(h)) return;
                break;
            case frame_type::priority:
                if (!note_control_frame(h)) return;
                break;
            case frame_type::rst_stream:
            case frame_type::window_update:
            case frame_type::goaway:
                break;
            default:  // unknown type: ignored (§4.1, §5.5), but counted
                if (!note_control_frame(h)) return;
                return skip_payload();
        }
        if (fh().length == 0) return on_frame_payload({}, h);
        reader_.expect_payload();
    }

    void skip_payload() noexcept { reader_.skip_payload(); }

    /// A complete payload of a frame other than DATA.
    template <class H>
    void on_frame_payload(wire::bytes_view payload, H& h) {
        const std::size_t at = payload_offset();
        switch (fh().type) {
            case frame_type::headers: {
                auto f = parse_headers(fh(), payload, at);
                if (!f) return connection_failure(f.error().code, f.error().offset, h);
                // A stream depending on itself is a stream error (RFC 7540
                // §5.3.1); the field block must still be decoded (§4.3).
                const bool self = f->has_priority && f->priority.dependency == fh().stream_id;
                return on_headers(*f, self ? errc::stream_depends_on_itself : errc::ok, h);
            }
            case frame_type::continuation:
                return on_continuation(payload, h);
            case frame_type::priority: {
                auto f = parse_priority(fh(), payload, at);
                // Deprecated (§5.3.2): parsed and ignored, but a stream that
                // depends on itself is a stream error (RFC 7540 §5.3.1).
                if (!f) (void)priority_stream_error(f.error().code, f.error().offset, h);
                return;
            }
            case frame_type::rst_stream: {
                auto f = parse_rst_stream(fh(), payload, at);
                if (!f) return connection_failure(f.error().code, f.error().offset, h);
                return on_rst_stream(f->code, h);
            }
            case frame_type::settings: {
                auto f = parse_settings(fh(), payload, at);
                if (!f) return connection_failure(f.error().code, f.error().offset, h);
                return on_settings(*f, h);
            }
            case frame_type::ping: {
                auto f = parse_ping(fh(), payload, at);
                if (!f) return connection_failure(f.error().code, f.error().offset, h);
                return on_ping(*f, h);
            }
            case frame_type::goaway: {
                auto f = parse_goaway(fh(), payload, at);
                if (!f) return connection_failure(f.error().code, f.error().offset, h);
                return on_goaway(*f, h);
            }
            case frame_type::window_update: {
                auto f = parse_window_update(fh(), payload, at);
                if (!f) {
                    if (scope_of(f.error().code) == error_scope::connection)
                        return connection_failure(f.error().code, f.error().offset, h);
                    if (is_idle(fh().stream_id))
                        return connection_failure(errc::frame_on_idle_stream, frame_offset(), h);
                    if (streams_.find(fh().stream_id))
                        stream_failure(fh().stream_id, f.error().code, at, h);
                    return;
                }
                return on_window_update(f->increment, h);
            }
            default:
                return;
        }
    }

    // ---------------------------------------------------------------- DATA

    template <class H>
    void on_data_header(H& h) {
        const std::uint32_t len = fh().length;
        if (len == 0 && !fh().has(flag::end_stream)) {
            if (!note_empty_frame(h)) return;
        } else if (len > 0) {
            abuse_.note_payload();
        }
        // §6.9: every DATA octet counts against the connection window, even
        // on streams we ignore.
        if (!conn_recv_.receive(len))
            return connection_failure(errc::connection_window_exceeded, frame_offset(), h);
        unreleased_ = len;
        // on_receive: the whole frame (padding included) is given back to the
        // connection window now. The stream window, checked below, still
        // bounds what this stream can make us buffer.
        if (release_on_receive()) release_unreleased();
        data_stream_ = nullptr;
        const std::uint32_t id = fh().stream_id;
        if (stream* s = streams_.find(id)) {
            // Tracked: open or half-closed, so accept or STREAM_CLOSED.
            if (on_receive(s->state, received_frame::data) == receive_action::stream_closed) {
                stream_failure(id, errc::frame_on_closed_stream, frame_offset(), h);
            } else if (!s->recv.receive(len)) {
                stream_failure(id, errc::stream_window_exceeded, frame_offset(), h);
            } else {
                data_stream_ = s;
                data_stream_id_ = id;
            }
        } else if (const receive_action a = untracked_action(id, received_frame::data);
                   a == receive_action::stream_closed) {
            // §6.1: DATA on a stream that is not open.
            stream_failure(id, errc::frame_on_closed_stream, frame_offset(), h);
        } else if (a != receive_action::ignore) {  // idle
            return connection_failure(errc::frame_on_idle_stream, frame_offset(), h);
        }
        if (fatal_) return;
        if (!data_stream_) release_unreleased();
        data_end_stream_ = fh().has(flag::end_stream);
        reader_.begin_data(fh().has(flag::padded));
        if (fh().has(flag::padded)) {
            if (len == 0) return connection_failure(errc::frame_too_short, frame_offset(), h);
            return;
        }
        start_data_body(len, h);
    }

    template <class H>
    void on_data_pad_length(std::uint8_t pad, std::size_t offset, H& h) {
        if (const errc e = check_padding(fh().length, pad, 0); e != errc::ok)
            return connection_failure(e, offset, h);
        reader_.set_padding(pad);
        const std::uint32_t padding = 1u + pad;  // released at once: the application never sees it
        if (data_stream_) {
            if (!release_on_receive()) {  // on_receive: released with the frame header
                unreleased_ -= padding;
                if (const std::uint32_t inc = conn_recv_.release(padding))
                    write_window_update(output_.control(), 0, inc);
            }
            if (const std::uint32_t inc = data_stream_->recv.release(padding))
                write_window_update(output_.control(), data_stream_id_, inc);
        }
        start_data_body(fh().length - padding, h);
    }

    /// The data length of the frame is known: content-length checks (§8.1.1),
    /// then the body state.
    template <class H>
    void start_data_body(std::uint32_t data_len, H& h) {
        if (stream* s = data_stream_) {
            if (s->content_length_known && !s->no_content_expected &&
                (data_len > s->content_remaining ||
                 (data_end_stream_ && data_len != s->content_remaining))) {
                data_stream_ = nullptr;
                release_unreleased();
                stream_failure(data_stream_id_, errc::content_length_mismatch, frame_offset(), h);
                if (fatal_) return;
            } else if (s->content_length_known) {
                s->content_remaining -= std::min<std::uint64_t>(data_len, s->content_remaining);
            }
        }
        if (!reader_.start_data(data_len)) end_data_frame(h);
    }

    template <class H>
    void deliver_data(wire::bytes_view piece, H& h) {
        const bool last = reader_.data_left() == 0;
        // close_stream() clears data_stream_ if the stream goes away (the
        // handler may reset it); stream memory itself stays valid (slabs).
        if (stream* s = data_stream_) {
            const std::uint32_t id = data_stream_id_;
            if (!release_on_receive()) unreleased_ -= static_cast<std::uint32_t>(piece.size());
            const bool end = last && data_end_stream_;
            if (end) remote_end_stream(s);  // before the event: the state is final
            h(data_received{id, piece, end, s->user_data});
            if (end) {
                finish_remote_end(s, id);
                data_stream_ = nullptr;
                data_end_stream_ = false;  // reported
            }
        }
        if (last && !reader_.to_padding()) end_data_frame(h);
    }

    /// The whole DATA frame is in.
    template <class H>
    void end_data_frame(H& h) {
        reader_.end_frame();
        stream* s = data_stream_;
        data_stream_ = nullptr;
        if (s && data_end_stream_) {
            // END_STREAM with no data octets (or after padding).
            const std::uint32_t id = data_stream_id_;
            remote_end_stream(s);
            h(data_received{id, {}, true, s->user_data});
            finish_remote_end(s, id);
        }
    }

    bool release_on_receive() const noexcept {
        return options_.connection_window_release == window_release::on_receive;
    }

    /// Gives back the connection window of DATA octets nobody will consume
    /// (on_receive: of the whole frame, as it arrives).
    void release_unreleased() {
        if (unreleased_ == 0) return;
        if (const std::uint32_t inc = conn_recv_.release(unreleased_))
            write_window_update(output_.control(), 0, inc);
        unreleased_ = 0;
    }

    // ---------------------------------------------------------------- HEADERS

    template <class H>
    void on_headers(const headers_frame& f, errc frame_error, H& h) {
        const std::uint32_t id = fh().stream_id;
        block_ = {};
        block_.stream_id = id;
        block_.end_stream = f.end_stream;
        block_.error = frame_error;
        if (!f.fragment.empty() || f.end_headers) abuse_.note_payload();

        if (stream* s = streams_.find(id)) {
            const receive_action a = on_receive(s->state, received_frame::headers);
            if (a == receive_action::stream_closed) {
                block_.target = block_target::reject;
                block_.error = errc::frame_on_closed_stream;
            } else {
                block_.target = block_target::deliver;
            }
        } else if (role_ == role::server && is_peer_initiated(id)) {
            if (id > last_peer_stream_id_) {  // a new stream (§5.1.1)
                last_peer_stream_id_ = id;
                if (goaway_.beyond_sent(id)) {
                    block_.target = block_target::discard;  // §6.8: beyond our GOAWAY
                } else if (peer_active_ >= local_max_concurrent_streams_) {
                    block_.target = block_target::refuse;  // §5.1.2
                } else {
                    block_.target = block_target::new_stream;
                }
            } else if (ignored_closed_stream(id)) {
                block_.target = block_target::discard;
            } else if (closed_.find(id)) {
                return connection_failure(errc::headers_on_closed_stream, frame_offset(), h);
            } else {
                return connection_failure(errc::stream_id_not_increasing, frame_offset(), h);
            }
        } else if (role_ == role::server) {
            return connection_failure(errc::stream_id_wrong_parity, frame_offset(), h);  // §5.1.1
        } else if (is_idle(id)) {
            // §5.1 idle: a server stream without PUSH_PROMISE (we never enable
            // push), or one of our ids never opened.
            return connection_failure(errc::frame_on_idle_stream, frame_offset(), h);
        } else if (ignored_closed_stream(id)) {
            block_.target = block_target::discard;
        } else {
            return connection_failure(errc::headers_on_closed_stream, frame_offset(), h);
        }
        if (block_.error != errc::ok && block_.target != block_target::discard)
            block_.target = block_target::reject;

        if (f.end_headers) return on_field_block(f.fragment, h);
        blocks_.begin();
        if (!append_fragment(f.fragment, h)) return;
    }

    template <class H>
    void on_continuation(wire::bytes_view payload, H& h) {
        if (!payload.empty()) abuse_.note_payload();
        if (blocks_.add_continuation() > options_.limits.max_continuation_frames)
            return connection_failure(errc::too_many_continuations, frame_offset(), h);
        if (!append_fragment(payload, h)) return;
        if (fh().has(flag::end_headers)) {
            on_field_block(blocks_.finish_joining(), h);
            blocks_.clear();
        }
    }

    template <class H>
    bool append_fragment(wire::bytes_view fragment, H& h) {
        if (blocks_.append(fragment, max_header_block_size())) return true;
        connection_failure(errc::header_block_too_large, frame_offset(), h);
        return false;
    }

    std::uint32_t max_header_block_size() const noexcept {
        const std::uint32_t limit = options_.limits.max_header_block_size;
        return limit ? limit : options_.max_header_list_size;
    }

    /// A complete field block: decode it (always, §4.3), then act on it.
    template <class H>
    void on_field_block(wire::bytes_view block, H& h) {
        if (block.size() > max_header_block_size())
            return connection_failure(errc::header_block_too_large, frame_offset(), h);
        const std::uint32_t id = block_.stream_id;
        stream* s = block_.target == block_target::deliver ? streams_.find(id) : nullptr;
        // The application may have reset the stream while its block was arriving.
        if (block_.target == block_target::deliver && !s) block_.target = block_target::discard;

        // Which section this is decides the rules the fields must follow.
        section_kind kind = section_kind::trailers;
        if (block_.target == block_target::new_stream) {
            kind = section_kind::request;
        } else if (s && !s->initial_headers_received) {
            kind = role_ == role::server ? section_kind::request : section_kind::response;
        }
        const bool check =
            block_.target == block_target::new_stream || block_.target == block_target::deliver;
        const hpack::error he = blocks_.decode(block, kind, check);
        if (he && he.code != hpack::errc::header_list_too_large)
            return connection_failure(errc::compression_failed, frame_offset(), h);

        switch (block_.target) {
            case block_target::discard:
                return;
            case block_target::refuse:
                return stream_failure(id, errc::stream_limit_exceeded, frame_offset(), h);
            case block_target::reject:
                return stream_failure(id, block_.error, frame_offset(), h);
            case block_target::deliver:
            case block_target::new_stream:
                break;
        }
        errc e = he ? errc::header_list_too_large : blocks_.finish_checks();
        const section_info& info = blocks_.info();
        const bool end = block_.end_stream;
        if (e == errc::ok) {
            if (kind == section_kind::trailers && !end) e = errc::trailers_without_end_stream;
            if (kind == section_kind::response && info.informational() && end)
                e = errc::informational_with_end_stream;
        }
        if (e != errc::ok) return stream_failure(id, e, frame_offset(), h);

        if (block_.target == block_target::new_stream) {
            s = new_stream(id, false);
            last_peer_stream_processed_ = id;
        } else {
            step_peer(s, stream_event::recv_headers);  // open / half-closed (local): unchanged
        }
        if (kind != section_kind::trailers &&
            !(kind == section_kind::response && info.informational())) {
            s->initial_headers_received = true;
            s->content_length_known = info.has_content_length;
            s->content_remaining = info.content_length;
            if (kind == section_kind::response)
                s->no_content_expected =
                    s->request_was_head || info.status == 204 || info.status == 304;
        }
        if (end && s->content_length_known && !s->no_content_expected && s->content_remaining != 0)
            return stream_failure(id, errc::content_length_mismatch, frame_offset(), h);
        if (end) remote_end_stream(s);
        h(headers_received{id, kind, blocks_.fields(), end, info.status, s->user_data});
        if (end) finish_remote_end(s, id);
    }

    // ---------------------------------------------------------------- control frames

    template <class H>
    void on_rst_stream(error_code code, H& h) {
        const std::uint32_t id = fh().stream_id;
        const peer_frame p = classify(id, received_frame::rst_stream);
        if (p.action == receive_action::protocol_error)  // idle (§6.4)
            return connection_failure(errc::frame_on_idle_stream, frame_offset(), h);
        // Closed: ignored (it may cross our END_STREAM or RST_STREAM).
        if (p.action != receive_action::accept) return;
        stream* const s = p.s;
        // CVE-2023-44487: streams opened and reset at once cost the server
        // work the client does not pay for; past the budget, close.
        if (!abuse_.note_reset(now_))
            return connection_failure(errc::rapid_reset, frame_offset(), h);
        void* const user_data = s->user_data;
        peer_reset(s);
        h(stream_reset{.stream_id = id,
                       .code = code,
                       .remote = true,
                       .retryable = code == error_code::refused_stream,
                       .user_data = user_data});
    }

    template <class H>
    void on_settings(const settings_frame& f, H& h) {
        if (f.ack) {
            if (!sync_.acknowledge())
                return connection_failure(errc::settings_unexpected_ack, frame_offset(), h);
            update_effective_local();
            h(settings_acknowledged{sync_.acknowledged()});
            return;
        }
        if (f.size() > options_.limits.max_settings_entries)
            return connection_failure(errc::settings_too_many_entries, frame_offset(), h);
        const std::uint32_t old_window = remote_.initial_window_size;
        if (!remote_settings_received_) {
            // The assumed limit ends with the peer's first SETTINGS: what it
            // names below, or the RFC's initial value, unlimited (§6.5.2).
            remote_settings_received_ = true;
            remote_.max_concurrent_streams = unlimited;
        }
        for (std::size_t i = 0; i < f.size(); ++i) {  // §6.5.3: in order
            const setting e = f[i];
            if (const errc v = validate(e, role_ == role::client); v != errc::ok)
                return connection_failure(v, payload_offset() + 6 * i, h);
            switch (static_cast<setting_id>(e.id)) {
                case setting_id::header_table_size:
                    encoder_.set_peer_max_table_size(e.value);
                    break;
                case setting_id::initial_window_size: {
                    // §6.9.2: every stream window moves by the difference.
                    const std::int64_t delta = std::int64_t{e.value} - remote_.initial_window_size;
                    bool overflow = false;
                    streams_.for_each([&](stream& st) { overflow |= !st.send.adjust(delta); });
                    if (overflow)
                        return connection_failure(errc::initial_window_overflow,
                                                  payload_offset() + 6 * i, h);
                    break;
                }
                default:
                    break;
            }
            remote_.set(e);
        }
        write_settings_ack(output_.control());
        if (!note_induced_frame(h)) return;
        h(settings_received{remote_});
        if (remote_.initial_window_size > old_window) wake_blocked(h);
    }

    template <class H>
    void on_ping(const ping_frame& f, H& h) {
        if (f.ack) {
            if (goaway_.is_shutdown_ack(f.value())) return finish_shutdown();
            h(ping_acknowledged{f.value()});
            return;
        }
        write_ping(output_.control(), std::span<const wire::byte, 8>(f.opaque), true);  // §6.7
        if (!note_induced_frame(h)) return;
        h(ping_received{f.value()});
    }

    template <class H>
    void on_goaway(const goaway_frame& f, H& h) {
        // §6.8: the last stream id must not grow; the smallest one stands.
        goaway_.receive(f.last_stream_id);
        // Our streams above it were not processed: report them as retryable.
        std::vector<std::uint32_t>& ids = goaway_ids_;
        ids.clear();
        streams_.for_each([&](stream& st) {
            if (st.local_initiated && st.id > goaway_.peer_last_id()) ids.push_back(st.id);
        });
        std::sort(ids.begin(), ids.end());
        for (const std::uint32_t id : ids) {
            if (stream* st = streams_.find(id)) {
                void* const user_data = st->user_data;
                // §6.8: the peer has not processed these streams and will not:
                // closed as if it had refused them with RST_STREAM
                // (REFUSED_STREAM, §8.7), which is what the event reports.
                peer_reset(st);
                h(stream_reset{.stream_id = id,
                               .code = error_code::refused_stream,
                               .remote = true,
                               .retryable = true,
                               .user_data = user_data});
            }
        }
        // With an error code the peer closes the transport next (§5.4.1);
        // until then, frames of streams at or below last_stream_id still count.
        h(goaway_received{f.last_stream_id, f.code, f.debug_data});
    }

    template <class H>
    void on_window_update(std::uint32_t increment, H& h) {
        const std::uint32_t id = fh().stream_id;
        if (id == 0) {
            if (conn_window_updates_earned_ > 0)
                --conn_window_updates_earned_;
            else if (!note_control_frame(h))
                return;
            if (!sched_.connection_window().increase(increment))
                return connection_failure(errc::connection_window_overflow, frame_offset(), h);
            return wake_blocked(h);
        }
        const peer_frame p = classify(id, received_frame::window_update);
        stream* const s = p.s;
        if (p.action == receive_action::protocol_error)  // idle
            return connection_failure(errc::frame_on_idle_stream, frame_offset(), h);
        if (p.action != receive_action::accept) {
            // Closed: ignored (§6.9). Free once when it answers our DATA (the
            // peer's credit for it crossed our END_STREAM); otherwise a
            // control frame like any other the peer chose to send.
            const std::size_t slot = id % window_update_owed_slots;
            if (window_update_owed_[1].test(slot)) {
                window_update_owed_[1].reset(slot);
                return;
            }
            if (window_update_owed_[0].test(slot)) {
                window_update_owed_[0].reset(slot);
                return;
            }
            (void)note_control_frame(h);
            return;
        }
        if (s->window_updates_earned > 0)
            --s->window_updates_earned;
        else if (!note_control_frame(h))
            return;
        if (!s->send.increase(increment))
            return stream_failure(id, errc::stream_window_overflow, frame_offset(), h);
        if (s->blocked) wake_blocked(h);
    }

    // ---------------------------------------------------------------- abuse accounting
    // The counting is abuse_limiter's (abuse.hpp); a "no" is a connection error.

    template <class H>
    bool note_empty_frame(H& h) {
        if (abuse_.note_empty_frame()) return true;
        connection_failure(errc::empty_frame_flood, frame_offset(), h);
        return false;
    }

    template <class H>
    bool note_control_frame(H& h) {
        if (abuse_.note_control_frame(now_)) return true;
        connection_failure(errc::frame_flood, frame_offset(), h);
        return false;
    }

    /// A frame we queued in answer to the peer's. Too many unwritten ones: the
    /// peer is not reading what it asks for (CVE-2019-9512/9515).
    template <class H>
    bool note_induced_frame(H& h) {
        if (abuse_.note_induced_frame(output_.queued_total(), output_.drained_total())) return true;
        connection_failure(errc::control_frame_flood, frame_offset(), h);
        return false;
    }

    // ---------------------------------------------------------------- errors

    template <class H>
    void connection_failure(errc e, std::size_t offset, H& h) {
        if (fatal_) return;
        fatal_ = true;
        reader_.close();
        blocks_.abandon();
        const std::string_view why = describe(e);
        send_goaway(last_peer_stream_processed_, code_of(e), why);
        h(connection_error{code_of(e), error{e, offset}});
    }

    /// A stream error in a PRIORITY frame (§6.3 length, RFC 7540 §5.3.1 self
    /// dependency), which may name a stream in any state. Idle: RST_STREAM
    /// must not be sent there (§6.4), so the error becomes a connection error
    /// (§5.4.1 allows it). Closed after our RST_STREAM: ignored (§5.1).
    /// Otherwise RST_STREAM. False when the connection failed.
    template <class H>
    bool priority_stream_error(errc e, std::size_t offset, H& h) {
        const std::uint32_t id = fh().stream_id;
        if (is_idle(id)) {
            connection_failure(e, offset, h);
            return false;
        }
        if (!streams_.find(id) && ignored_closed_stream(id)) return true;
        stream_failure(id, e, offset, h);
        return !fatal_;
    }

    /// A stream error caused by the peer: RST_STREAM, and an event if the
    /// application knew the stream.
    template <class H>
    void stream_failure(std::uint32_t id, errc e, std::size_t offset, H& h) {
        if (fatal_) return;
        if (!abuse_.note_reset(now_)) return connection_failure(errc::rapid_reset, offset, h);
        const error_code code = code_of(e);
        write_rst_stream(output_.control(), id, code);
        if (!note_induced_frame(h)) return;  // (the stream goes with the connection)
        if (stream* s = streams_.find(id)) {
            void* const user_data = s->user_data;
            step_local(s->state, stream_event::send_rst_stream);
            close_stream(s, close_reason::reset_by_us);
            h(stream_reset{.stream_id = id,
                           .code = code,
                           .remote = false,
                           .retryable = false,
                           .reason = e,
                           .user_data = user_data});
        } else {
            closed_.remember(id, close_reason::reset_by_us);
        }
    }

    void send_goaway(std::uint32_t last_id, error_code code, std::string_view debug) {
        write_goaway(output_.control(), goaway_.send(last_id), code, wire::as_bytes(debug));
    }

    // ---------------------------------------------------------------- streams

    bool is_peer_initiated(std::uint32_t id) const noexcept {
        return (id & 1u) == (role_ == role::server ? 1u : 0u);
    }

    /// An id no stream has used yet (§5.1 idle).
    bool is_idle(std::uint32_t id) const noexcept {
        if (id == 0) return false;
        return is_peer_initiated(id) ? id > last_peer_stream_id_ : id >= next_local_stream_id_;
    }

    /// A closed stream whose frames are to be ignored: we reset it, or the peer
    /// opened it beyond our GOAWAY (§5.1 closed, §6.8).
    bool ignored_closed_stream(std::uint32_t id) const noexcept {
        if (is_peer_initiated(id) && goaway_.beyond_sent(id)) return true;
        const close_reason* why = closed_.find(id);
        return why && *why == close_reason::reset_by_us;
    }

    static bool alive(const stream* s, std::uint32_t id) noexcept { return s->id == id; }

    // Every change of a stream's state goes through the §5.1 table
    // (stream_state.hpp): step_local() for the frames we send, step_peer()
    // for the peer's. A stream stays in streams_ while open or half-closed;
    // close_stream() takes it out once the table says "closed".

    /// §5.1 as it applies to a frame of the peer's on stream `id`: the stream
    /// if we track it, and what to do with the frame. Streams we no longer
    /// track are closed (or idle, §5.1.1); of those, the ones we reset are
    /// ignored altogether (close_reason, the fact the state cannot hold).
    struct peer_frame {
        stream* s = nullptr;
        receive_action action = receive_action::ignore;
    };
    peer_frame classify(std::uint32_t id, received_frame f) const noexcept {
        if (stream* s = streams_.find(id)) return {s, on_receive(s->state, f)};
        return {nullptr, untracked_action(id, f)};
    }
    /// classify() for a stream not in streams_ (kept out of line: the
    /// steady-state path is the tracked stream).
    [[gnu::noinline]] receive_action untracked_action(std::uint32_t id,
                                                      received_frame f) const noexcept {
        if (is_idle(id)) return on_receive(stream_state::idle, f);
        if (ignored_closed_stream(id)) return receive_action::ignore;
        return on_receive(stream_state::closed, f);
    }

    /// An event of the peer's frame, once on_receive() accepted the frame.
    /// Acceptance implies the transition exists (stream_state_test checks the
    /// two tables agree), so an invalid one here is a bug in h2pb.
    static void step_peer(stream* s, stream_event e) noexcept {
        const transition_result t = transition(s->state, e);
        assert(t.valid && !is_local(e) &&
               "on_receive() accepted a frame whose event RFC 9113 §5.1 forbids");
        s->state = t.next;
    }

    /// A new stream, opened by its first HEADERS (ours or the peer's, §5.1
    /// idle -> open).
    stream* new_stream(std::uint32_t id, bool local) {
        // The slot's older stream id is long gone.
        window_update_owed_[0].reset(id % window_update_owed_slots);
        window_update_owed_[1].reset(id % window_update_owed_slots);
        stream* s = streams_.insert(id);
        s->local_initiated = local;
        if (local) {
            step_local(s->state, stream_event::send_headers);
        } else {
            step_peer(s, stream_event::recv_headers);
        }
        s->window_updates_earned = window_updates_per_new_stream;
        s->send = send_window(remote_.initial_window_size);
        s->recv = recv_window(sync_.initial_window(), sync_.initial_window());
        // §5.1.2: from here until close_stream() the stream counts toward
        // its initiator's SETTINGS_MAX_CONCURRENT_STREAMS.
        assert(counts_toward_concurrency(s->state));
        if (s->local_initiated) {
            ++local_active_;
        } else {
            ++peer_active_;
        }
        return s;
    }

    void local_end_stream(stream* s) {
        step_local(s->state, stream_event::send_end_stream);
        if (s->state == stream_state::closed) close_stream(s, close_reason::end_stream);
    }

    /// RST_STREAM of ours on a stream we track (§6.4): the peer's frames
    /// already in flight are then ignored (close_reason::reset_by_us).
    void send_reset(stream* s, error_code code) {
        write_rst_stream(output_.control(), s->id, code);
        step_local(s->state, stream_event::send_rst_stream);
        close_stream(s, close_reason::reset_by_us);
    }

    /// The peer reset the stream (or refused it in GOAWAY, see on_goaway).
    void peer_reset(stream* s) {
        step_peer(s, stream_event::recv_rst_stream);
        close_stream(s, close_reason::end_stream);
    }

    /// The peer's END_STREAM arrived (state only; see finish_remote_end).
    static void remote_end_stream(stream* s) noexcept {
        step_peer(s, stream_event::recv_end_stream);
    }
    /// After the event that reported END_STREAM: drop the stream if both ends are done.
    void finish_remote_end(stream* s, std::uint32_t id) {
        if (alive(s, id) && s->state == stream_state::closed)
            close_stream(s, close_reason::end_stream);
    }

    /// Takes a stream the table closed out of streams_, remembering how it
    /// closed for the frames that may still come (§5.1 closed).
    void close_stream(stream* s, close_reason why) {
        assert(s->state == stream_state::closed);
        sched_.unblock(s);
        if (s->local_initiated) {
            --local_active_;
        } else {
            --peer_active_;
        }
        closed_.remember(s->id, why);
        // Up to two updates may still come for it (window_updates_per_data_frame).
        const std::size_t slot = s->id % window_update_owed_slots;
        if (s->window_updates_earned >= 1) window_update_owed_[0].set(slot);
        if (s->window_updates_earned >= 2) window_update_owed_[1].set(slot);
        if (data_stream_ == s) {  // a DATA frame of this stream is being read
            data_stream_ = nullptr;
            release_unreleased();
        }
        streams_.erase(s);
    }

    // ---------------------------------------------------------------- sending helpers

    // The scheduling itself is send_scheduler's (send_scheduler.hpp).

    std::size_t capacity(const stream& s) const noexcept { return sched_.capacity(s, output_); }

    /// Tells blocked streams, oldest first, that they can send again — only
    /// as many as the shared capacity serves, so that a tiny WINDOW_UPDATE
    /// does not wake every stream.
    template <class H>
    void wake_blocked(H& h) {
        if (!sched_.any_blocked()) return;
        for (const std::uint32_t id : sched_.wakeable(output_)) {
            stream* s = streams_.find(id);
            if (!s || !s->blocked) continue;
            sched_.unblock(s);
            const std::size_t cap = capacity(*s);
            if (cap == 0) {
                sched_.block(s);
                continue;
            }
            h(stream_writable{id, cap, s->user_data});
        }
    }

    /// A response whose :status is 1xx (§8.1: interim, the final one follows).
    static bool is_interim_response(std::span<const hpack::field> fields) noexcept {
        for (const auto& f : fields)
            if (fields::detail::is(f.name, ":status")) return !f.value.empty() && f.value[0] == '1';
        return false;
    }

    /// Refuses a header section we must not send: one the peer would find
    /// malformed (§8.2-§8.3, when options_.validate_outgoing_fields), or one
    /// larger than the peer's SETTINGS_MAX_HEADER_LIST_SIZE, counted as in
    /// §6.5.2 (name + value + 32 per field, before HPACK): §10.5.1 lets the
    /// peer treat a larger one as a stream error, so it is not worth sending.
    send_errc check_outgoing(section_kind kind, std::span<const hpack::field> fields) noexcept {
        std::uint64_t list_size = 0;
        for (const auto& f : fields) list_size += f.name.size() + f.value.size() + 32;
        if (list_size > remote_.max_header_list_size) return send_errc::header_list_too_large;
        if (!options_.validate_outgoing_fields) return send_errc::ok;
        field_checker checker;
        checker.start(kind);
        for (const auto& f : fields)
            if (checker.add(f.name, f.value) != errc::ok) return send_errc::invalid_fields;
        return checker.finish() == errc::ok ? send_errc::ok : send_errc::invalid_fields;
    }

    /// Encodes a header section into HEADERS (+ CONTINUATION) frames no larger
    /// than the peer's SETTINGS_MAX_FRAME_SIZE (§4.3: contiguous, no interleaving).
    void write_header_block(std::uint32_t id, std::span<const hpack::field> fields,
                            bool end_stream) {
        wire::buffer& out = output_.control();
        const std::size_t header_at = out.size();
        out.prepare(frame_header_size);
        out.commit(frame_header_size);
        const std::size_t block_at = out.size();
        encoder_.encode(fields, out);
        const std::size_t block_len = out.size() - block_at;
        const std::size_t max_frame = remote_.max_frame_size;
        const std::uint8_t es = end_stream ? flag::end_stream : 0;
        if (block_len <= max_frame) {
            store_frame_header(out.data() + header_at,
                               {static_cast<std::uint32_t>(block_len), frame_type::headers,
                                static_cast<std::uint8_t>(es | flag::end_headers), id});
            return;
        }
        // Rare: split the block; CONTINUATION headers go between the pieces.
        spill_.clear();
        spill_.append(wire::bytes_view(out.data() + block_at + max_frame, block_len - max_frame));
        out.resize(block_at + max_frame);
        store_frame_header(out.data() + header_at,
                           {static_cast<std::uint32_t>(max_frame), frame_type::headers, es, id});
        std::size_t pos = 0;
        while (pos < spill_.size()) {
            const std::size_t n = std::min(max_frame, spill_.size() - pos);
            const bool last = pos + n == spill_.size();
            write_continuation(out, id, spill_.view().subspan(pos, n), last);
            pos += n;
        }
    }

    // ---------------------------------------------------------------- local settings

    /// Settings that restrict the peer at once when we send them (the RFC's
    /// initial values are "unlimited" for both, so enforcing the advertised
    /// value from the start costs a well-behaved peer nothing).
    void apply_local_limits(const settings& next) {
        local_max_concurrent_streams_ = next.max_concurrent_streams;
        blocks_.decoder().set_max_header_list_size(next.max_header_list_size);
    }

    /// Limits whose looser values apply at once and stricter values only once
    /// the peer acknowledges them: the maximum of the acknowledged value and
    /// every value still pending.
    /// (settings_sync.hpp computes them; here they reach the streams and the decoder.)
    void update_effective_local() {
        const settings_sync::change c = sync_.update();
        if (const std::int64_t delta = c.window_delta; delta != 0) {
            streams_.for_each([&](stream& s) {
                s.recv.adjust(delta);
                // Releases held back under the old target may be due now:
                // without this a stream whose window went negative could stall.
                if (remote_open(s.state))
                    if (const std::uint32_t inc = s.recv.take_update(false))
                        write_window_update(output_.control(), s.id, inc);
            });
        }
        if (c.table_size_changed) blocks_.decoder().set_max_table_size(sync_.table_size());
    }

    // ---------------------------------------------------------------- members

    h2::role role_;
    connection_options options_;
    hpack::encoder encoder_;
    frame_reader reader_;
    field_block_reader blocks_;
    stream_table streams_;
    closed_streams closed_;
    output_queue output_;
    abuse_limiter abuse_;
    send_scheduler sched_;
    time_point now_;

    settings remote_;     ///< the peer's settings (RFC initial values until its SETTINGS)
    settings_sync sync_;  ///< ours: acknowledged, pending, effective
    std::uint32_t local_max_concurrent_streams_ = unlimited;

    recv_window conn_recv_{default_initial_window_size, default_initial_window_size};
    /// Connection WINDOW_UPDATEs our DATA frames warrant (free of the flood
    /// budget): window_updates_per_data_frame per frame sent.
    std::uint64_t conn_window_updates_earned_ = 0;
    /// Closed streams on which we sent DATA that the peer has not yet
    /// answered with WINDOW_UPDATEs: a count of 0..2 per stream id modulo
    /// window_update_owed_slots, as two bits. Such an update is free (§6.9:
    /// it crossed our END_STREAM; grpc C++ sends them after every response).
    std::array<std::bitset<window_update_owed_slots>, 2> window_update_owed_;

    std::uint32_t next_local_stream_id_ = 1;
    std::uint32_t last_peer_stream_id_ = 0;  ///< highest id the peer used (§5.1.1)
    std::uint32_t last_peer_stream_processed_ =
        0;  ///< highest peer stream given to the application
    std::uint32_t local_active_ = 0;
    std::uint32_t peer_active_ = 0;

    bool fatal_ = false;
    goaway_state goaway_;
    bool remote_settings_received_ = false;  ///< the peer's first SETTINGS (not an ACK)

    /// §3.4: the peer's first frame must be SETTINGS.
    bool expect_peer_settings_ = true;

    // The DATA frame being read.
    stream* data_stream_ = nullptr;
    std::uint32_t data_stream_id_ = 0;
    std::uint32_t unreleased_ =
        0;  ///< its octets counted in the connection window, not yet given back
    bool data_end_stream_ = false;

    // The field block being assembled.
    struct {
        std::uint32_t stream_id = 0;
        bool end_stream = false;
        block_target target = block_target::discard;
        errc error = errc::ok;
    } block_;
    wire::buffer spill_;

    std::vector<std::uint32_t> goaway_ids_;
};

}  // namespace h2pb::h2
