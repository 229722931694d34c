// h2pb::h2::asio — the loop that drives one sans-IO h2::connection over a
// transport. The server's connections and the client's are sessions.
//
// One turn of the loop:
//
//   read what the socket has  ->  conn.receive(bytes, now, events)
//        (into a reused buffer)         |  headers / data / reset / writable ...
//                                       v
//                        exchanges (streams) and the handlers that run them
//                                       |  submit_response, send_data, consume
//                                       v
//   one vectored write of everything conn.output() holds  ->  consume_output(n)
//                                       |
//   timers: SETTINGS ACK, idle, keepalive PING, shutdown deadline, linger
//
// Where the code is: this file has the public API (what requests,
// responses and client streams call), the events of the connection and the
// exchanges; the loop above is session_io.hpp, the timers
// session_timers.hpp, and the lifecycle (created, handshaking,
// running, timed_out, lingering, closed: the diagram) session_state.hpp.
// The loop and the timers are mixins of this class (CRTP): no call among
// them is virtual.
//
// Everything of one session runs on one executor: the io_context of its
// thread (one thread per context: no locking at all), or a strand when
// several threads share a context. Handler coroutines run there too.
//
// Writes. Output is never written frame by frame: whatever the connection
// has queued when the write turn runs — the answers to a whole read, all
// handlers that ran meanwhile — goes out in one write. The turn is posted,
// so handlers resumed by the same input add their output first (input that
// started no handler is answered in the same turn). A cleartext write is
// tried at once and completes in place when the socket takes it all; only
// the rest waits for the socket. While a write is in flight, new output
// accumulates in the connection's other output generation and goes in the
// next write.
//
// Backpressure. A handler that does not read its request body stops the
// WINDOW_UPDATEs, so the peer stops sending. A peer that does not read
// stops our writes: send_data() accepts no more than the connection's output
// budget, handlers wait for stream_writable, and when the unwritten output
// still exceeds max_output_pending the loop stops reading from the peer.
//
// Closing. When the connection has nothing left to do (after a connection
// error, or once GOAWAY was exchanged and the last stream finished), the
// remaining output (the GOAWAY) is written, our direction of the TCP
// connection is shut down, and the socket is closed when the peer closes its
// side or the linger timeout passes.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/exchange.hpp>
#include <h2pb/h2/asio/options.hpp>
#include <h2pb/h2/asio/session_io.hpp>
#include <h2pb/h2/asio/session_state.hpp>
#include <h2pb/h2/asio/session_timers.hpp>
#include <h2pb/h2/asio/stream_error.hpp>
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/h2/asio/transport.hpp>
#include <h2pb/h2/asio/wakeup.hpp>
#include <h2pb/h2/connection.hpp>

namespace h2pb::h2::asio {

/// Sees every octet a session receives and every gather list it writes
/// (h2pb serve/get --trace). Called on the session's executor.
class trace_sink {
  public:
    virtual ~trace_sink() = default;
    virtual void received(wire::bytes_view bytes) = 0;
    virtual void sent(std::span<const wire::bytes_view> buffers) = 0;
    /// Connection-level notes: TLS parameters, close reasons.
    virtual void note(std::string_view) {}
};

class session : public std::enable_shared_from_this<session>,
                private session_timers<session>,
                private session_io<session> {
    // The timers and the read/write loop are mixins (CRTP): they reach the
    // connection, the transport and the lifecycle through this class.
    friend class session_timers<session>;
    friend class session_io<session>;

  public:
    using time_point = h2::time_point;

    session(executor ex, tcp::socket socket, net::ssl::context* tls, h2::role role,
            const driver_options& o)
        : session_timers<session>(ex, h2::clock::now()),
          ex_(std::move(ex)),
          opts_(o),
          transport_(tls ? asio::transport(std::move(socket), *tls, o.read_buffer_size)
                         : asio::transport(std::move(socket), o.read_buffer_size)),
          conn_(role, h2::clock::now(), o.h2) {
        transport_.configure(o.tcp_nodelay);
    }

    session(const session&) = delete;
    session& operator=(const session&) = delete;
    virtual ~session() = default;

    const executor& get_executor() const noexcept { return ex_; }
    h2::connection& connection() noexcept { return conn_; }
    asio::transport& transport() noexcept { return transport_; }
    const driver_options& options() const noexcept { return opts_; }
    void set_trace(std::unique_ptr<trace_sink> t) { trace_ = std::move(t); }
    trace_sink* trace() const noexcept { return trace_.get(); }
    bool is_closed() const noexcept { return state_ == session_state::closed; }
    /// Where the session is in its lifecycle (session_state.hpp).
    session_state state() const noexcept { return state_; }
    /// Why the connection ended (kind ok while it is up).
    const stream_error& close_reason() const noexcept { return conn_error_; }
    /// Exchanges in use (streams plus handlers still running).
    std::size_t live_exchanges() const noexcept { return live_; }
    /// Keepalive PINGs sent so far, and the peer's PINGs that broke the
    /// ping policy (strikes since they were last forgiven).
    std::uint64_t keepalive_pings_sent() const noexcept { return keepalive_pings_; }
    unsigned ping_strikes() const noexcept { return ping_strikes_; }

    /// TLS handshake (with its timeout) and the §9.2 / ALPN checks; then the
    /// loops start. Returns why it failed, or ok. Call on the executor.
    awaitable<stream_error> handshake() {
        auto self = shared_from_this();
        if (is_closed()) co_return conn_error_;  // abort() came first
        start_timer();
        if (transport_.is_tls()) {
            transition(session_state::handshaking);
            handshake_deadline_ = h2::clock::now() + opts_.tls_handshake_timeout;
            rearm();
            const auto type = conn_.role() == h2::role::server ? net::ssl::stream_base::server
                                                               : net::ssl::stream_base::client;
            const error_code_t ec = co_await transport_.handshake(type);
            if (ec || is_closed()) {
                if (!conn_error_)
                    conn_error_ = {stream_errc::connection_closed, error_code::no_error, false,
                                   "TLS handshake: " + ec.message()};
                close_transport();
                co_return conn_error_;
            }
            SSL* ssl = transport_.native_ssl();
            if (trace_) trace_->note("TLS " + describe_session(ssl));
            const tls_check check = check_negotiated(ssl, require_alpn_);
            if (check == tls_check::inadequate_security) {
                conn_error_ = {stream_errc::connection_error, error_code::inadequate_security,
                               false, std::string(describe(check))};
                conn_.goaway(error_code::inadequate_security,
                             "TLS does not meet RFC 9113 section 9.2");
                start_loops();
                co_return conn_error_;
            }
            if (check != tls_check::ok) {
                conn_error_ = {stream_errc::connection_closed, error_code::no_error, false,
                               std::string(describe(check))};
                close_transport();
                co_return conn_error_;
            }
        }
        start_loops();
        co_return stream_error{};
    }

    /// Graceful shutdown (§6.8): GOAWAY, let the streams finish, then close;
    /// at `force_at` whatever is left is closed. Call on the executor.
    void shutdown(std::optional<time_point> force_at) {
        if (is_closed()) return;
        if (force_at && (!force_deadline_ || *force_at < *force_deadline_))
            force_deadline_ = force_at;
        conn_.shutdown(h2::clock::now());
        after_io();
        rearm();
    }

    /// Closes at once: streams fail with connection_closed.
    void abort(std::string why = "closed") {
        if (is_closed()) return;
        if (!conn_error_)
            conn_error_ = {stream_errc::connection_closed, error_code::no_error, false,
                           std::move(why)};
        close_transport();
    }

    // ------------------------------------------------------------------
    // What request/response and client_stream call (on the executor)

    /// Sends a header section now (HEADERS are not flow controlled).
    h2::send_errc send_headers(exchange& x, std::span<const hpack::field> fields, bool end_stream) {
        if (x.error || x.h2_closed) return h2::send_errc::no_such_stream;
        const h2::send_errc e = conn_.submit_headers(x.id, fields, end_stream);
        if (e != h2::send_errc::ok) return e;
        ping_strikes_forgiven_ = true;
        x.out_headers_sent = true;
        if (end_stream) {
            x.out_ended = true;
            after_local_end(x);
        }
        schedule_write();
        return e;
    }

    /// Queues body octets: what flow control allows goes now, the rest
    /// waits in the exchange (copied, or referenced while `owner` lives).
    /// Never waits, never refuses for lack of credit: for bodies already in
    /// memory. Streaming producers use write(), which waits.
    void send(exchange& x, wire::bytes_view data, bool end_stream,
              std::shared_ptr<const void> owner = {}) {
        if (x.error || x.out_end_queued || x.out_ended || x.h2_closed) return;
        ping_strikes_forgiven_ = true;
        if (!x.out_pending()) {
            const auto own = owner ? h2::data_ownership::borrow : h2::data_ownership::copy;
            const auto r = conn_.send_data(x.id, data, end_stream, own);
            if (!r) return fail_send(x, r.error());
            if (owner && *r) hold(owner);
            data = data.subspan(*r);
            schedule_write();
            if (data.empty()) {
                if (end_stream) {
                    x.out_ended = true;
                    after_local_end(x);
                }
                return;
            }
        }
        out_chunk& c = x.out_queue.emplace_back();
        if (owner) {
            c.borrowed = data;
            c.owner = std::move(owner);
        } else {
            c.owned.append(data);
        }
        if (end_stream) x.out_end_queued = true;
    }

    /// Trailers (a header section with END_STREAM), after the queued body.
    /// Returns the stream's error if the stream already failed or ended, or
    /// if the connection refuses the section (larger than the peer's
    /// SETTINGS_MAX_HEADER_LIST_SIZE, fields that break §8.2-§8.3): the
    /// stream cannot end properly then, so it is reset with
    /// RST_STREAM(INTERNAL_ERROR) and fails (kind reset_locally) rather than
    /// left open. Queued trailers are checked now and again when they go.
    stream_error send_trailers(exchange& x, std::span<const hpack::field> fields) {
        if (x.error) return x.error;
        if (x.out_end_queued || x.out_ended || x.h2_closed)
            return {stream_errc::cannot_send, error_code::no_error, false, "stream already ended"};
        ping_strikes_forgiven_ = true;
        if (!x.out_pending()) {
            const h2::send_errc e = conn_.submit_trailers(x.id, fields);
            if (e != h2::send_errc::ok) {
                refuse_trailers(x, e);
                return x.error;
            }
            x.out_headers_sent = true;
            x.out_ended = true;
            schedule_write();
            after_local_end(x);
            return {};
        }
        if (const h2::send_errc e = conn_.check_trailers(fields); e != h2::send_errc::ok) {
            refuse_trailers(x, e);
            return x.error;
        }
        x.out_trailers.assign(fields);
        x.out_trailers_queued = true;
        x.out_end_queued = true;
        return {};
    }

    /// Writes body octets, waiting for flow-control credit: returns once the
    /// connection has taken all of them (copied, or referenced while `owner`
    /// lives), or the stream failed.
    awaitable<stream_error> write(exchange& x, wire::bytes_view data, bool end_stream,
                                  std::shared_ptr<const void> owner = {}) {
        for (;;) {
            if (x.error) co_return x.error;
            if (x.out_ended || x.out_end_queued || x.h2_closed)
                co_return stream_error{stream_errc::cannot_send, error_code::no_error, false,
                                       "stream already ended"};
            if (!x.out_pending()) {
                ping_strikes_forgiven_ = true;
                const auto own = owner ? h2::data_ownership::borrow : h2::data_ownership::copy;
                const auto r = conn_.send_data(x.id, data, end_stream, own);
                if (!r) {
                    fail_send(x, r.error());
                    co_return x.error;
                }
                if (owner && *r) hold(owner);
                const bool all = *r == data.size();
                data = data.subspan(*r);
                schedule_write();
                if (all) {
                    if (end_stream) {
                        x.out_ended = true;
                        after_local_end(x);
                    }
                    co_return stream_error{};
                }
            }
            co_await x.write_wake.wait();
        }
    }

    /// The next piece of the incoming body: a view valid until the next
    /// read(); empty at the end of the body. The previous piece is released
    /// to flow control now.
    awaitable<stream_result<wire::bytes_view>> read(exchange& x) {
        release_reading(x);
        while (x.body.empty() && !x.in_end && !x.error) {
            co_await x.read_wake.wait();
        }
        if (!x.body.empty()) {
            std::swap(x.body, x.reading);
            co_return wire::bytes_view(x.reading.view());
        }
        if (x.error && !x.in_end) co_return wire::failure{x.error};
        co_return wire::bytes_view{};
    }

    /// read() without waiting: the next piece, the end (empty), or the
    /// error when one of them is there now; nullopt when read() would wait.
    /// Lets a caller that usually finds the body already buffered (a unary
    /// gRPC request arrives with its headers) skip a coroutine frame.
    std::optional<stream_result<wire::bytes_view>> try_read(exchange& x) {
        release_reading(x);
        if (!x.body.empty()) {
            std::swap(x.body, x.reading);
            return stream_result<wire::bytes_view>(wire::bytes_view(x.reading.view()));
        }
        if (x.in_end) return stream_result<wire::bytes_view>(wire::bytes_view{});
        if (x.error) return stream_result<wire::bytes_view>(wire::failure{x.error});
        return std::nullopt;
    }

    /// Waits for the incoming header section (client: the final response).
    awaitable<stream_error> wait_head(exchange& x) {
        while (!x.head_received && !x.error) {
            co_await x.read_wake.wait();
        }
        if (x.head_received) co_return stream_error{};
        co_return x.error;
    }

    /// Sets (or moves) the stream's deadline. When it passes before the
    /// stream is over, the stream is reset with RST_STREAM(CANCEL) and fails
    /// with kind stream_errc::timeout (code CANCEL); every waiter wakes, and
    /// wait_cancelled() answers true. (gRPC's DEADLINE_EXCEEDED status is
    /// the call layer's to send; the driver only ends the stream.) A stream
    /// that ended or failed already is left alone. time_point::max() clears
    /// the deadline.
    ///
    /// Cost: the deadlines of a session are one binary min-heap of exchange
    /// pointers (the exchange stores its slot), so setting, moving and
    /// clearing one is O(log n), the session's one timer waits for the
    /// earliest, and nothing is allocated once the heap's vector has grown to
    /// the number of concurrent calls with deadlines.
    void set_deadline(exchange& x, time_point at) {
        if (x.id == 0 || x.error || x.h2_closed || is_closed()) return;
        if (at == time_point::max()) return unlink_deadline(x);
        place_deadline(x, at);
    }

    /// Completes when the stream fails — the peer's RST_STREAM, the
    /// deadline, our own reset, a connection error, the transport lost, a
    /// server shutdown past its grace — with true; or, if the stream ends
    /// without failing, with false when the application releases the
    /// exchange (the handler returned, the client handle was dropped). So a
    /// watcher coroutine can await it next to a reader and a writer (it has
    /// its own wakeup), and is always resumed exactly once: never later, on
    /// the reused exchange. After it resumes with false, the exchange may
    /// already serve another stream: the watcher must not touch the
    /// request/response/handle any more (with true, the handler is still
    /// running, unless it returned at the same moment). One watcher per
    /// exchange at a time.
    ///
    /// The call is identified when wait_cancelled() is called, not when the
    /// returned awaitable starts (Asio's awaitables are lazy, and a watcher
    /// spawned with co_spawn starts later): if the exchange was released
    /// meanwhile, the answer is false at once.
    awaitable<bool> wait_cancelled(exchange& x) {
        return wait_cancelled_of(x, x.generation, bool(x.error));
    }

    static awaitable<bool> wait_cancelled_of(exchange& x, std::uint64_t generation, bool failed) {
        if (failed) co_return true;
        if (x.generation != generation || x.id == 0) co_return false;  // released meanwhile
        if (x.error) co_return true;
        co_return co_await x.cancel_wake.wait();  // the answer comes with the wake-up
    }

    /// Resets the stream (RST_STREAM with `code`).
    void reset(exchange& x, error_code code) {
        if (x.h2_closed) return;
        conn_.reset_stream(x.id, code);
        x.error = {stream_errc::reset_locally, code, false, "reset by the application"};
        x.h2_closed = true;
        drop_output(x);
        schedule_write();
        x.wake_all();
    }

    /// The application is done with the exchange (handler returned, client
    /// handle dropped). An unfinished stream is ended (on_abandoned).
    void done(exchange& x) {
        x.app_done = true;
        x.app_running = false;
        if (!x.h2_closed && !is_closed()) on_abandoned(x);
        maybe_release(x);
    }

  protected:
    // ------------------------------------------------------------------
    // For the server and the client

    /// Server: a request header section arrived on a new exchange.
    virtual void on_request(exchange& x) = 0;
    /// Server: the request of an exchange that waits_for_end has ended (END_STREAM).
    virtual void on_request_end(exchange&) {}
    /// The application finished with an exchange whose stream is still open.
    virtual void on_abandoned(exchange& x) = 0;
    /// An exchange went back to the pool (a stream slot may be free).
    virtual void on_released() {}
    virtual void on_goaway(const h2::goaway_received&) {}
    /// The peer's SETTINGS arrived (its stream limit may have grown).
    virtual void on_settings() {}
    /// The transport is closed; the session is about to die.
    virtual void on_closed() {}

    /// Require ALPN "h2" on a TLS server (tls_server_options::require_alpn).
    void set_require_alpn(bool r) noexcept { require_alpn_ = r; }

    exchange* acquire() {
        exchange* x = free_;
        if (x) {
            free_ = x->next_free;
            x->next_free = nullptr;
        } else {
            all_.push_back(std::make_unique<exchange>());
            x = all_.back().get();
        }
        x->owner = this;
        ++live_;
        on_stream_opened();
        return x;
    }

    exchange* find(std::uint32_t id) const noexcept {
        return static_cast<exchange*>(conn_.stream_user_data(id));
    }

    /// The stream's END_STREAM is queued: close bookkeeping; a server that
    /// answered before the request ended asks the client to stop (§8.1).
    void after_local_end(exchange& x) {
        check_closed(x);
        if (!x.h2_closed && x.app_done && conn_.role() == h2::role::server && !x.in_end) {
            conn_.reset_stream(x.id, error_code::no_error);
            x.h2_closed = true;
        }
        maybe_release(x);
    }

    /// Ends the application side after a failed local call.
    void fail_send(exchange& x, h2::send_errc e) {
        if (!x.error)
            x.error = {stream_errc::cannot_send, error_code::no_error, false,
                       std::string(h2::describe(e))};
        drop_output(x);
        x.wake_all();
    }

    /// Our direction is shut down, or the socket closed.
    bool closing() const noexcept {
        return state_ == session_state::lingering || state_ == session_state::closed;
    }
    using session_io::after_io;
    using session_io::defer_write;
    using session_io::schedule_write;
    stream_error conn_error_;

  private:
    // ------------------------------------------------------------------
    // Events from the connection

    struct event_sink {
        session& s;
        void operator()(const h2::settings_received&) const { s.on_settings(); }
        void operator()(const h2::settings_acknowledged&) const {}
        void operator()(const h2::headers_received& e) const { s.on_headers(e); }
        void operator()(const h2::data_received& e) const { s.on_data(e); }
        void operator()(const h2::stream_reset& e) const { s.on_reset(e); }
        void operator()(const h2::ping_received&) const { s.on_ping_received(); }
        void operator()(const h2::ping_acknowledged& e) const {
            if (e.opaque == keepalive_opaque) s.on_keepalive_ack();
        }
        void operator()(const h2::goaway_received& e) const { s.on_goaway(e); }
        void operator()(const h2::stream_writable& e) const { s.on_writable(e); }
        void operator()(const h2::connection_error& e) const { s.on_connection_error(e); }
    };

    event_sink events() noexcept { return event_sink{*this}; }

  public:
    /// The GOAWAY debug data of the ping abuse policy: gRPC clients match it
    /// exactly (grpc core, grpc-go) to back off their keepalive time.
    static constexpr std::string_view too_many_pings_debug = "too_many_pings";

  private:
    /// Pooled buffers above this size are freed when their exchange is reused.
    static constexpr std::size_t pooled_buffer_keep = std::size_t{64} * 1024;

    /// The exchange attached to an event's stream (null: none, or not ours).
    template <class Event>
    static exchange* of(const Event& e) noexcept {
        return static_cast<exchange*>(e.user_data);
    }

    void on_headers(const h2::headers_received& e) {
        switch (e.kind) {
            case h2::section_kind::request: {
                exchange* x = acquire();
                x->id = e.stream_id;
                conn_.set_stream_user_data(e.stream_id, x);
                // No copy while the request is handled inside this event (an
                // immediate handler); a copy if it outlives the event.
                x->head.borrow(e.fields);
                x->head_received = true;
                x->in_end = e.end_stream;
                on_request(*x);
                if (x->id != e.stream_id) return;  // done and released
                // The event's fields go away now: whoever still needs them
                // gets a copy; a finished handler does not.
                if (x->app_done) {
                    x->head.clear();
                } else {
                    x->head.own();
                }
                return;
            }
            case h2::section_kind::response: {
                exchange* x = of(e);
                if (!x || e.status < 200) return;  // 1xx: interim, the final response follows
                x->status = e.status;
                x->head.assign(e.fields);
                x->head_received = true;
                if (e.end_stream) x->in_end = true;
                x->read_wake.notify();
                if (e.end_stream) check_closed(*x);
                return;
            }
            case h2::section_kind::trailers: {
                exchange* x = of(e);
                if (!x) return;
                x->trailers.assign(e.fields);
                x->in_end = true;
                x->read_wake.notify();
                check_closed(*x);
                if (x->waits_for_end) end_of_request(*x);  // last: the exchange may be released
                return;
            }
        }
    }

    void on_data(const h2::data_received& e) {
        exchange* x = of(e);
        if (!x || x->discard_body || x->app_done) {
            if (!e.data.empty()) conn_.consume(e.stream_id, e.data.size());
        } else if (!e.data.empty()) {
            x->body.append(e.data);
            x->unconsumed += e.data.size();
        }
        if (!x) return;
        if (e.end_stream) x->in_end = true;
        x->read_wake.notify();
        if (e.end_stream) check_closed(*x);
        if (e.end_stream && x->waits_for_end) end_of_request(*x);  // last: may release x
    }

    /// The request an exchange waited for is complete: its handler runs now.
    void end_of_request(exchange& x) {
        x.waits_for_end = false;
        on_request_end(x);
    }

    /// A stream that ends before its request did never runs its waiting
    /// handler: the application side is done with it.
    static void abandon_wait(exchange& x) noexcept {
        if (!x.waits_for_end) return;
        x.waits_for_end = false;
        x.app_done = true;
    }

    void on_reset(const h2::stream_reset& e) {
        // The connection has forgotten the stream by now; the event carries
        // the exchange we attached to it.
        exchange* x = of(e);
        if (!x) return;
        x->h2_closed = true;
        // §8.1: a server may answer in full and then reset with NO_ERROR a
        // request it does not need the rest of; the response stands.
        const bool response_complete = x->in_end && e.code == error_code::no_error && e.remote;
        if (!response_complete && !x->error) {
            stream_errc kind = e.remote ? stream_errc::reset_by_peer : stream_errc::reset_locally;
            std::string why;
            if (e.remote && e.retryable && e.code != error_code::refused_stream)
                kind = stream_errc::goaway;
            if (!e.remote) why = std::string(h2::describe(e.reason));
            x->error = {kind, e.code, e.retryable, std::move(why)};
        }
        drop_output(*x);
        x->wake_all();
        abandon_wait(*x);
        maybe_release(*x);
    }

    void on_writable(const h2::stream_writable& e) {
        exchange* x = of(e);
        if (!x) return;
        if (x->out_pending() || (x->out_end_queued && !x->out_ended)) pump(*x);
        x->write_wake.notify();
    }

    /// The ping abuse policy (driver_options; grpc core's
    /// Chttp2PingAbusePolicy, grpc-go's http2Server.handlePing): a PING sooner
    /// than the allowed interval after the previous one is a strike; one
    /// strike too many ends the connection with GOAWAY(ENHANCE_YOUR_CALM,
    /// "too_many_pings"), the debug data gRPC clients look for (they then
    /// double their keepalive time). The first PING is never a strike, and a
    /// header section or DATA sent since the previous PING forgives them all.
    void on_ping_received() {
        if (opts_.max_ping_strikes == 0 || too_many_pings_) return;
        const time_point now = last_input_;  // process() read the clock for this input
        const std::optional<time_point> previous = std::exchange(last_ping_received_, now);
        if (std::exchange(ping_strikes_forgiven_, false)) {
            ping_strikes_ = 0;
            return;
        }
        if (!previous) return;
        const bool idle = conn_.active_streams() == 0 && !opts_.permit_pings_without_calls;
        const duration allowed =
            idle ? opts_.min_recv_ping_interval_without_calls : opts_.min_recv_ping_interval;
        if (now - *previous < allowed) ++ping_strikes_;
        if (ping_strikes_ <= opts_.max_ping_strikes) return;
        too_many_pings_ = true;
        conn_error_ = {stream_errc::connection_error, error_code::enhance_your_calm, false,
                       "too many PINGs from the peer"};
        if (trace_) trace_->note("GOAWAY(ENHANCE_YOUR_CALM, too_many_pings)");
        // A GOAWAY with an error code ends the connection (§6.8): the
        // streams fail now, the GOAWAY is written, then we close.
        conn_.goaway(error_code::enhance_your_calm, too_many_pings_debug);
        fail_all(conn_error_);
    }

    void on_connection_error(const h2::connection_error& e) {
        std::string why(h2::describe(e.reason.code));
        why += " at octet " + std::to_string(e.reason.offset);
        conn_error_ = {stream_errc::connection_error, e.code, false, std::move(why)};
        fail_all(conn_error_);
    }

    /// Every live exchange fails with `why` (the connection is gone).
    void fail_all(const stream_error& why) {
        for (auto& p : all_) {
            exchange& x = *p;
            if (x.id == 0 || x.h2_closed) continue;
            if (!x.error && !(x.in_end && x.out_ended)) x.error = why;
            x.h2_closed = true;
            drop_output(x);
            x.wake_all();
            abandon_wait(x);
        }
        for (auto& p : all_)
            if (p->id != 0) maybe_release(*p);
    }

    // ------------------------------------------------------------------
    // Exchanges

    void check_closed(exchange& x) {
        if (!x.h2_closed && conn_.state_of(x.id) == h2::stream_state::closed) {
            x.h2_closed = true;
            x.wake_all();
        }
    }

    void maybe_release(exchange& x) {
        if (x.id == 0 || !x.finished()) return;
        unlink_deadline(x);
        // A watcher still waiting learns that the stream ended without
        // failing, before the exchange can serve another stream.
        x.cancel_wake.notify(bool(x.error));
        // The connection window's share of what was never read (on_consume;
        // with on_receive it came back on arrival and this is a no-op).
        if (x.unconsumed) conn_.consume(x.id, x.unconsumed);
        if (find(x.id) == &x) conn_.set_stream_user_data(x.id, nullptr);
        x.reset(pooled_buffer_keep);
        x.next_free = free_;
        free_ = &x;
        --live_;
        on_released();
        after_io();
    }

    void release_reading(exchange& x) {
        if (x.reading.empty()) return;
        const std::size_t n = x.reading.size();
        x.reading.clear();
        x.unconsumed -= n;
        if (!x.h2_closed) {
            conn_.consume(x.id, n);
            schedule_write();
        } else {
            conn_.consume(x.id, n);  // the connection window's share only (on_consume)
        }
    }

    /// The trailer section was refused: the stream cannot end with it, and
    /// must not stay open (the peer would wait for its end forever), so
    /// RST_STREAM(INTERNAL_ERROR), the error the gRPC spec names for a server
    /// that cannot complete a call (PROTOCOL-HTTP2.md, "Errors").
    void refuse_trailers(exchange& x, h2::send_errc why) {
        if (!x.error)
            x.error = {stream_errc::reset_locally, error_code::internal_error, false,
                       "trailer section refused: " + std::string(h2::describe(why))};
        if (!x.h2_closed) {
            conn_.reset_stream(x.id, error_code::internal_error);
            x.h2_closed = true;
        }
        drop_output(x);
        schedule_write();
        x.wake_all();
    }

    void drop_output(exchange& x) {
        x.out_queue.clear();
        x.out_queue_head = 0;
        x.out_trailers_queued = false;
    }

    /// Moves queued output into the connection as far as credit allows.
    void pump(exchange& x) {
        while (x.out_pending()) {
            out_chunk& c = x.out_queue[x.out_queue_head];
            const wire::bytes_view rest = c.rest();
            const bool last = x.out_queue_head + 1 == x.out_queue.size();
            const bool end = last && x.out_end_queued && !x.out_trailers_queued;
            const auto own = c.owner ? h2::data_ownership::borrow : h2::data_ownership::copy;
            const auto r = conn_.send_data(x.id, rest, end, own);
            if (!r) return fail_send(x, r.error());
            if (c.owner && *r) hold(c.owner);
            c.pos += *r;
            if (*r < rest.size()) {
                schedule_write();
                return;  // stream_writable resumes
            }
            if (end) x.out_ended = true;
            ++x.out_queue_head;
        }
        x.out_queue.clear();
        x.out_queue_head = 0;
        if (x.out_end_queued && !x.out_ended) {
            if (x.out_trailers_queued) {
                x.out_trailers_queued = false;
                const h2::send_errc e = conn_.submit_trailers(x.id, x.out_trailers.fields());
                if (e != h2::send_errc::ok) {
                    // Checked when queued; the peer's limit may have shrunk since.
                    refuse_trailers(x, e);
                    maybe_release(x);  // the handler may be done already
                    return;
                }
            } else {
                (void)conn_.send_data(x.id, {}, true);
            }
            x.out_ended = true;
        }
        schedule_write();
        if (x.out_ended) after_local_end(x);
    }

    // ------------------------------------------------------------------
    // The lifecycle (session_state.hpp has the diagram)

    /// The one place the state changes. A move that is not an arrow of the
    /// diagram is a bug of ours: every caller checks the state it leaves.
    void transition(session_state to) noexcept {
        assert(is_legal_transition(state_, to) && "session: a move not in the diagram");
        state_ = to;
    }

    /// The read/write loop runs (and writes what the connection queues).
    bool loops_running() const noexcept {
        return state_ == session_state::running || state_ == session_state::timed_out ||
               state_ == session_state::lingering;
    }
    bool is_lingering() const noexcept { return state_ == session_state::lingering; }

    /// Nothing left to write: if the connection is done, shut down our
    /// direction and linger until the peer closes.
    void maybe_finish() {
        if (state_ != session_state::running && state_ != session_state::timed_out) return;
        if (!conn_.is_closed()) return;
        transition(session_state::lingering);
        if (!conn_error_)
            conn_error_ = {stream_errc::connection_closed, error_code::no_error, false,
                           "GOAWAY exchanged, no stream left"};
        if (trace_)
            trace_->note("done (" + conn_error_.message +
                         "): end of our direction, waiting for the peer to close");
        transport_.shutdown_send();
        linger_deadline_ = h2::clock::now() + opts_.linger_timeout;
        if (read_paused()) start_read();  // lingering reads ignore the output cap
        rearm();
    }

    void close_transport() {
        if (is_closed()) return;
        transition(session_state::closed);
        transport_.close();
        cancel_timer();
        if (!conn_error_)
            conn_error_ = {stream_errc::connection_closed, error_code::no_error, false, "closed"};
        if (trace_) trace_->note("connection closed: " + conn_error_.message);
        fail_all(conn_error_);
        drop_held();
        on_closed();
    }

    // ------------------------------------------------------------------
    // Members

    executor ex_;
    driver_options opts_;
    asio::transport transport_;
    h2::connection conn_;
    std::unique_ptr<trace_sink> trace_;

    session_state state_ = session_state::created;  ///< only transition() changes it

    bool require_alpn_ = true;
    // The ping abuse policy (on_ping_received).
    unsigned ping_strikes_ = 0;
    bool ping_strikes_forgiven_ = false;  ///< a header section or DATA went out since
    bool too_many_pings_ = false;         ///< GOAWAY(ENHANCE_YOUR_CALM) sent
    std::optional<time_point> last_ping_received_;

    std::vector<std::unique_ptr<exchange>> all_;
    exchange* free_ = nullptr;
    std::size_t live_ = 0;
};

}  // namespace h2pb::h2::asio
