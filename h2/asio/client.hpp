// h2pb::h2::asio — an HTTP/2 client: one connection, many concurrent
// requests, streaming bodies both ways.
//
//   auto c = co_await client::connect(ex, *parse_url("https://localhost:8443/"), options);
//   if (!c) ... c.error().to_string()
//   auto s = co_await (*c)->open(request_fields, /*end_stream=*/false);
//   co_await s->write(body, true);              // waits for flow-control credit
//   co_await s->response();                     // the final response header section
//   while (auto piece = co_await s->read()) ... // body pieces; empty at the end
//   s->trailers();
//
// Every call happens on the executor the client was connected with (a
// strand if several threads run it). Errors are values (stream_error): the
// peer's RST_STREAM and GOAWAY, our own protocol errors, a lost connection.
// When the server's SETTINGS_MAX_CONCURRENT_STREAMS is reached, open() waits
// for a stream to finish.
#pragma once

#include <algorithm>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/session.hpp>
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/h2/asio/url.hpp>

namespace h2pb::h2::asio {

/// Receive windows of a client: a client reads what it asked for, so larger
/// windows than a server's (fewer WINDOW_UPDATE round trips on downloads).
inline constexpr std::uint32_t default_client_stream_window = 4 * 1024 * 1024;
inline constexpr std::uint32_t default_client_connection_window = 16 * 1024 * 1024;
/// Resolving and connecting; TLS has its own handshake timeout.
inline constexpr duration default_connect_timeout = 10s;
/// Octets of a GOAWAY's debug data kept for last_goaway(): enough for any
/// reason phrase ("too_many_pings", a gRPC status message); a frame may
/// carry up to SETTINGS_MAX_FRAME_SIZE, which nobody needs to keep.
inline constexpr std::size_t max_goaway_debug_kept = 1024;

/// A GOAWAY the server sent (§6.8): its last stream id, code and debug data
/// (cut to max_goaway_debug_kept octets).
struct goaway_info {
    std::uint32_t last_stream_id = 0;
    error_code code = error_code::no_error;
    std::string debug_data;
};

struct client_options {
    // A user-declared constructor (not an aggregate): g++ 12 destroys an
    // aggregate temporary twice when it is passed by value to a coroutine
    // inside a co_await expression (co_await connect(ex, u, client_options{})).
    client_options() {}  // NOLINT(modernize-use-equals-default)

    driver_options driver = [] {
        driver_options d;
        d.h2.initial_window_size = default_client_stream_window;
        d.h2.connection_window_size = default_client_connection_window;
        d.idle_timeout = duration::zero();        // the application decides when to close
        d.keepalive_interval = duration::zero();  // no PINGs unless asked
        // gRPC clients: keepalive PINGs only while calls are in flight, and
        // no policing of the server's PINGs (keepalive.md).
        d.keepalive_permit_without_calls = false;
        d.max_ping_strikes = 0;
        return d;
    }();
    tls_client_options tls;
    duration connect_timeout = default_connect_timeout;
};

class client_session final : public session {
  public:
    client_session(executor ex, tcp::socket socket, tls_context_ptr tls, const driver_options& o)
        : session(std::move(ex), std::move(socket), tls.get(), h2::role::client, o),
          tls_(std::move(tls)) {}

    /// Opens a stream with a request header section (waits while the
    /// server's concurrency limit is reached).
    awaitable<stream_result<exchange*>> open(std::span<const hpack::field> fields,
                                             bool end_stream) {
        for (;;) {
            std::optional<stream_result<exchange*>> r = try_open(fields, end_stream);
            if (r) co_return std::move(*r);
            wakeup slot;
            slot_waiters_.push_back(&slot);
            co_await slot.wait();
        }
    }

    /// open() when it need not wait: the stream or the error, or nullopt
    /// when the server's concurrency limit is reached (open() would wait).
    /// Not a coroutine: the common case costs no coroutine frame.
    std::optional<stream_result<exchange*>> try_open(std::span<const hpack::field> fields,
                                                     bool end_stream) {
        if (is_closed() || closing())
            return stream_result<exchange*>{wire::failure{closed_error()}};
        auto r = connection().submit_request(fields, end_stream);
        if (r) {
            exchange* x = acquire();
            x->id = *r;
            connection().set_stream_user_data(*r, x);
            x->out_headers_sent = true;
            x->app_running = true;
            if (end_stream) x->out_ended = true;
            schedule_write();
            return stream_result<exchange*>{x};
        }
        if (r.error() != h2::send_errc::too_many_streams) {
            // No stream id left (RFC 9113 §5.1.1): like a GOAWAY, this
            // connection takes no new stream; a channel makes another.
            if (r.error() == h2::send_errc::stream_ids_exhausted) mark_unusable();
            const bool goaway = r.error() == h2::send_errc::goaway_received;
            return stream_result<exchange*>{wire::failure{
                stream_error{goaway ? stream_errc::goaway : stream_errc::cannot_send,
                             error_code::no_error, goaway, std::string(h2::describe(r.error()))}}};
        }
        return std::nullopt;
    }

    /// GOAWAY(NO_ERROR): no new streams; the connection closes when the
    /// streams in flight are done.
    void shutdown_client() { shutdown(std::nullopt); }

    /// No new stream can be opened: closed, closing, or GOAWAY received
    /// (a gRPC channel then needs another connection).
    bool unusable() noexcept {
        return given_up_ || is_closed() || closing() || connection().peer_sent_goaway();
    }
    /// The application gives this connection up for new streams (e.g. its
    /// stream ids ran out, send_errc::stream_ids_exhausted): unusable() from
    /// now on, and the watcher wakes.
    void mark_unusable() {
        given_up_ = true;
        if (unusable_waiter_ != nullptr) unusable_waiter_->notify();
    }
    /// Completes once unusable() holds (a channel watches its connections
    /// with it). One watcher at a time.
    awaitable<void> wait_unusable() {
        if (unusable()) co_return;
        wakeup w;
        unusable_waiter_ = &w;
        co_await w.wait();
        unusable_waiter_ = nullptr;
    }
    /// The last GOAWAY received (none: nullopt).
    const std::optional<goaway_info>& last_goaway() const noexcept { return last_goaway_; }

  private:
    stream_error closed_error() const {
        if (conn_error_) return conn_error_;
        return {stream_errc::connection_closed, error_code::no_error, false, "connection closing"};
    }

    void on_request(exchange& x) override { reset(x, error_code::protocol_error); }

    /// The handle was dropped before the stream completed: CANCEL it.
    void on_abandoned(exchange& x) override {
        if (!x.in_end || !x.out_ended) reset(x, error_code::cancel);
    }

    void on_released() override { wake_one(); }
    void on_goaway(const h2::goaway_received& e) override {
        const auto debug = wire::as_chars(
            e.debug_data.first(std::min(e.debug_data.size(), max_goaway_debug_kept)));
        last_goaway_ = goaway_info{e.last_stream_id, e.code, std::string(debug)};
        wake_all();
        if (unusable_waiter_ != nullptr) unusable_waiter_->notify();
    }
    /// The server's first SETTINGS replaces the 100 streams assumed until
    /// then (h2::default_initial_peer_max_concurrent_streams): every opener
    /// waiting for a slot tries again.
    void on_settings() override { wake_all(); }
    void on_closed() override {
        wake_all();
        if (unusable_waiter_ != nullptr) unusable_waiter_->notify();
    }

    void wake_one() {
        if (slot_waiters_.empty()) return;
        slot_waiters_.front()->notify();
        slot_waiters_.pop_front();
    }
    void wake_all() {
        while (!slot_waiters_.empty()) wake_one();
    }

    tls_context_ptr tls_;
    std::deque<wakeup*> slot_waiters_;
    wakeup* unusable_waiter_ = nullptr;
    bool given_up_ = false;
    std::optional<goaway_info> last_goaway_;
};

/// One request/response on a client connection. Dropping it before the
/// response is complete cancels the stream (RST_STREAM(CANCEL)).
class client_stream {
  public:
    client_stream() noexcept = default;  ///< empty (the error side of a result)
    client_stream(std::shared_ptr<client_session> s, exchange* x) noexcept
        : s_(std::move(s)), x_(x) {}
    client_stream(client_stream&& o) noexcept
        : s_(std::move(o.s_)), x_(std::exchange(o.x_, nullptr)) {}
    client_stream& operator=(client_stream&& o) noexcept {
        if (this != &o) {
            release();
            s_ = std::move(o.s_);
            x_ = std::exchange(o.x_, nullptr);
        }
        return *this;
    }
    client_stream(const client_stream&) = delete;
    client_stream& operator=(const client_stream&) = delete;
    ~client_stream() { release(); }

    std::uint32_t id() const noexcept { return x_->id; }

    /// Request body octets (waits for credit); `end_stream` ends the request.
    awaitable<stream_error> write(wire::bytes_view data, bool end_stream = false) {
        return s_->write(*x_, data, end_stream);
    }
    /// Zero copy: `owner` keeps `data` alive until it is written.
    awaitable<stream_error> write(std::shared_ptr<const void> owner, wire::bytes_view data,
                                  bool end_stream = false) {
        return s_->write(*x_, data, end_stream, std::move(owner));
    }
    /// Ends the request with a trailer section. A refused section (too large
    /// for the server, malformed) resets the stream (RST_STREAM(INTERNAL_ERROR))
    /// and is returned as the error.
    stream_error send_trailers(std::span<const hpack::field> fields) {
        return s_->send_trailers(*x_, fields);
    }

    /// Waits for the final response header section (interim 1xx skipped).
    awaitable<stream_error> response() { return s_->wait_head(*x_); }
    unsigned status() const noexcept { return x_->status; }
    std::span<const hpack::field> headers() const noexcept { return x_->head.fields(); }
    std::string_view header(std::string_view name) const noexcept { return x_->head.get(name); }

    /// The next piece of the response body (valid until the next read());
    /// empty at the end.
    awaitable<stream_result<wire::bytes_view>> read() { return s_->read(*x_); }
    /// The trailer section (after the body was read to its end).
    std::span<const hpack::field> trailers() const noexcept { return x_->trailers.fields(); }
    bool complete() const noexcept { return x_->in_end; }
    const stream_error& error() const noexcept { return x_->error; }

    /// RST_STREAM(code).
    void cancel(error_code code = error_code::cancel) { s_->reset(*x_, code); }

    /// The call's deadline: when it passes, the stream is reset with
    /// RST_STREAM(CANCEL) and fails with stream_errc::timeout.
    void set_deadline(h2::time_point at) { s_->set_deadline(*x_, at); }
    /// Completes with true when the stream fails (the server's RST_STREAM,
    /// the deadline, cancel(), the connection lost), or with false when this
    /// handle is dropped after a normal end (session::wait_cancelled).
    awaitable<bool> cancelled() { return s_->wait_cancelled(*x_); }
    bool is_cancelled() const noexcept { return bool(x_->error); }

  private:
    // Cancels an unfinished stream (RST_STREAM queued, a write posted), which
    // throws only when memory runs out (wire::buffer's std::bad_alloc, an Asio
    // allocation). A move or a destructor cannot report that: std::terminate,
    // said here as what a throw out of a noexcept function does anyway.
    void release() noexcept {
        try {
            if (x_ && s_) s_->done(*x_);
        } catch (...) {
            std::terminate();
        }
        x_ = nullptr;
    }

    std::shared_ptr<client_session> s_;
    exchange* x_ = nullptr;
};

/// A complete response, owned (client::fetch).
struct client_response {
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::vector<std::pair<std::string, std::string>> trailers;
};

class client {
  public:
    explicit client(std::shared_ptr<client_session> s) : s_(std::move(s)) {}

    /// Connects (TCP, then TLS with ALPN "h2" for https) and starts HTTP/2.
    static awaitable<stream_result<std::shared_ptr<client>>> connect(
        executor ex, url u, client_options o, std::unique_ptr<trace_sink> trace = {}) {
        auto fail = [](stream_errc k, std::string m) {
            return wire::failure{stream_error{k, error_code::no_error, false, std::move(m)}};
        };
        tls_context_ptr ctx;
        if (u.tls) {
            auto c = make_client_context(o.tls);
            if (!c) co_return fail(stream_errc::connection_closed, "TLS setup: " + c.error());
            ctx = *c;
        }
        // Resolve and connect, bounded by connect_timeout.
        struct state {
            explicit state(const executor& e) : socket(e), timer(e) {}
            tcp::socket socket;
            net::steady_timer timer;
            bool timed_out = false;
        };
        auto st = std::make_shared<state>(ex);
        st->timer.expires_after(o.connect_timeout);
        st->timer.async_wait([st](const error_code_t& ec) {
            if (ec) return;
            st->timed_out = true;
            error_code_t ignored;
            st->socket.close(ignored);
        });
        error_code_t ec;
        tcp::resolver resolver(ex);
        const auto endpoints = co_await resolver.async_resolve(
            u.host, u.port, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            st->timer.cancel();
            co_return fail(stream_errc::connection_closed,
                           "cannot resolve " + u.host + ": " + ec.message());
        }
        co_await net::async_connect(st->socket, endpoints,
                                    net::redirect_error(net::use_awaitable, ec));
        st->timer.cancel();
        if (st->timed_out)
            co_return fail(stream_errc::timeout, "connect to " + u.authority + " timed out");
        if (ec)
            co_return fail(stream_errc::connection_closed,
                           "cannot connect to " + u.authority + ": " + ec.message());

        auto s = std::make_shared<client_session>(ex, std::move(st->socket), ctx, o.driver);
        if (trace) s->set_trace(std::move(trace));
        if (u.tls) {
            if (auto e = prepare_client(s->transport().native_ssl(), u.host, o.tls.verify_peer))
                co_return fail(stream_errc::connection_closed, *e);
        }
        const stream_error err = co_await s->handshake();
        if (err) co_return wire::failure{err};
        auto c = std::make_shared<client>(std::move(s));
        c->scheme_ = u.scheme;
        c->authority_ = u.authority;
        co_return c;
    }

    /// Opens a stream with the given request header section (pseudo-header
    /// fields included).
    awaitable<stream_result<client_stream>> open(std::span<const hpack::field> fields,
                                                 bool end_stream) {
        auto r = co_await s_->open(fields, end_stream);
        if (!r) co_return wire::failure{r.error()};
        co_return client_stream(s_, *r);
    }

    /// open() when it need not wait (client_session::try_open): nullopt
    /// when the server's concurrency limit is reached. No coroutine frame.
    std::optional<stream_result<client_stream>> try_open(std::span<const hpack::field> fields,
                                                         bool end_stream) {
        std::optional<stream_result<exchange*>> r = s_->try_open(fields, end_stream);
        if (!r) return std::nullopt;
        if (!*r) return stream_result<client_stream>{wire::failure{r->error()}};
        return stream_result<client_stream>{client_stream(s_, **r)};
    }

    /// The request fields for `method` and `path` on this connection's
    /// scheme and authority, then `extra`.
    std::vector<hpack::field> request_fields(std::string_view method, std::string_view path,
                                             std::span<const hpack::field> extra = {}) const {
        std::vector<hpack::field> f{
            {":method", method}, {":scheme", scheme_}, {":authority", authority_}, {":path", path}};
        f.insert(f.end(), extra.begin(), extra.end());
        return f;
    }

    /// One whole request and response, bodies in memory. A stream the
    /// server refused before processing it (REFUSED_STREAM, as when requests
    /// cross its SETTINGS_MAX_CONCURRENT_STREAMS, §5.1.2, §8.7) is retried,
    /// up to `refused_retries` times.
    static constexpr int refused_retries = 3;

    awaitable<stream_result<client_response>> fetch(std::string_view method, std::string_view path,
                                                    std::span<const hpack::field> extra = {},
                                                    wire::bytes_view body = {},
                                                    std::size_t max_body = 1u << 30) {
        for (int attempt = 0;; ++attempt) {
            auto r = co_await fetch_once(method, path, extra, body, max_body);
            if (r || attempt == refused_retries || r.error().kind != stream_errc::reset_by_peer ||
                r.error().code != error_code::refused_stream)
                co_return r;
        }
    }

    /// GOAWAY, finish the streams in flight, then close.
    void shutdown() { s_->shutdown_client(); }
    /// Closes now.
    void close() { s_->abort("closed by the application"); }
    bool is_closed() const noexcept { return s_->is_closed(); }
    /// The server's last GOAWAY, if one came: the channel reads
    /// ENHANCE_YOUR_CALM "too_many_pings" here (keepalive.md).
    const std::optional<goaway_info>& last_goaway() const noexcept { return s_->last_goaway(); }
    client_session& session() noexcept { return *s_; }

  private:
    awaitable<stream_result<client_response>> fetch_once(std::string_view method,
                                                         std::string_view path,
                                                         std::span<const hpack::field> extra,
                                                         wire::bytes_view body,
                                                         std::size_t max_body) {
        const auto fields = request_fields(method, path, extra);
        const bool has_body = !body.empty();
        auto st = co_await open(fields, !has_body);
        if (!st) co_return wire::failure{st.error()};
        if (has_body) {
            // A server may answer before reading the whole request and stop
            // it with RST_STREAM(NO_ERROR) (§8.1): the response stands.
            if (auto e = co_await st->write(body, true); e && !st->complete())
                co_return wire::failure{e};
        }
        if (auto e = co_await st->response()) co_return wire::failure{e};
        client_response out;
        out.status = st->status();
        for (const auto& f : st->headers())
            out.headers.emplace_back(std::string(f.name), std::string(f.value));
        for (;;) {
            auto piece = co_await st->read();
            if (!piece) co_return wire::failure{piece.error()};
            if (piece->empty()) break;
            if (out.body.size() + piece->size() > max_body)
                co_return wire::failure{
                    stream_error{stream_errc::body_too_large, error_code::no_error, false, {}}};
            out.body.append(wire::as_chars(*piece));
        }
        for (const auto& f : st->trailers())
            out.trailers.emplace_back(std::string(f.name), std::string(f.value));
        co_return out;
    }

    std::shared_ptr<client_session> s_;
    std::string scheme_;
    std::string authority_;
};

}  // namespace h2pb::h2::asio
