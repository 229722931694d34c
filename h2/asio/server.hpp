// h2pb::h2::asio — an HTTP/2 server: h2c (prior knowledge) and TLS with
// ALPN "h2", handlers routed by :path, graceful shutdown.
//
//   h2::asio::router routes;
//   routes.add("/hello", [](request& req, response& res) -> awaitable<void> {
//       auto body = co_await req.read_all(1 << 20);          // streams in
//       res.send_headers(200, {{"content-type", "text/plain"}});
//       co_await res.write(wire::as_bytes("hello\n"), true);  // waits for credit
//   });
//   h2::asio::server srv(options, std::move(routes));
//   srv.listen();                        // port 0: the kernel picks one
//   srv.run();                           // until shutdown(grace) or stop()
//
// Handlers are coroutines that run on the connection's executor; or, for
// answers that are ready at once (files, fixed replies), immediate handlers:
// plain functions called as soon as the request header section is in, which
// respond without waiting (their request body is discarded).
//
// Threads. `threads` io_contexts each run by one thread, one acceptor that
// hands accepted connections to them in turn (round robin: with a handful of
// long-lived connections, as under h2load, the kernel's SO_REUSEPORT hash can
// put most of them on one thread; round robin spreads them evenly), and every
// connection stays on its thread — no strand, no lock on the hot path. Or
// one io_context shared by all threads, with a strand per connection.
//
// Graceful shutdown (RFC 9113 §6.8): stop accepting; every connection sends
// GOAWAY with the last stream id 2^31-1 and a PING, then, a round trip later,
// GOAWAY with the real last stream id; streams in flight finish; new ones
// are refused by that GOAWAY; at the deadline whatever is left is closed.
//
// Connection management (gRFC A9, "Server-side Connection Management"; grpc
// core's GRPC_ARG_MAX_CONNECTION_AGE_MS / _AGE_GRACE_MS / _IDLE_MS, grpc-go's
// keepalive.ServerParameters MaxConnectionAge / Grace / Idle): a connection
// older than max_connection_age (±10 % jitter, so that the connections made
// together do not all end together) is shut down gracefully the same way —
// GOAWAY(2^31-1) and a PING, the real GOAWAY when the PING comes back — and
// whatever is still running max_connection_age_grace later is closed. A
// connection with no call for max_connection_idle is shut down the same way.
// Clients then reconnect (and, through a proxy or a load balancer, may reach
// another server: the point of a maximum age). All three are off by default,
// as in grpc.
#pragma once

#include <atomic>
#include <charconv>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/options.hpp>
#include <h2pb/h2/asio/server_options.hpp>
#include <h2pb/h2/asio/session.hpp>
#include <h2pb/h2/asio/tls.hpp>

namespace h2pb::h2::asio {

class server_session;

/// The request a handler serves: its header section, its body as a stream,
/// its trailers.
class request {
  public:
    explicit request(server_session& s, exchange& x) noexcept : s_(&s), x_(&x) {}

    std::uint32_t stream_id() const noexcept { return x_->id; }
    std::string_view method() const noexcept { return x_->head.get(":method"); }
    std::string_view scheme() const noexcept { return x_->head.get(":scheme"); }
    std::string_view authority() const noexcept { return x_->head.get(":authority"); }
    /// The :path, query included.
    std::string_view path() const noexcept { return x_->head.get(":path"); }
    /// Every field of the header section, pseudo-header fields first.
    std::span<const hpack::field> headers() const noexcept { return x_->head.fields(); }
    std::string_view header(std::string_view name) const noexcept { return x_->head.get(name); }
    /// The trailer section; empty until the body has been read to its end.
    std::span<const hpack::field> trailers() const noexcept { return x_->trailers.fields(); }
    /// The peer's END_STREAM has arrived (the whole body is buffered or read).
    bool complete() const noexcept { return x_->in_end; }

    /// The next piece of the body (valid until the next read()); empty at
    /// the end. Reading is what reopens the flow-control window.
    awaitable<stream_result<wire::bytes_view>> read();
    /// read() without waiting: a result when one is there now, nullopt when
    /// read() would have to wait.
    std::optional<stream_result<wire::bytes_view>> try_read();
    /// The whole body, if it is at most `limit` octets.
    awaitable<stream_result<std::string>> read_all(std::size_t limit);

    exchange& raw() noexcept { return *x_; }

  private:
    server_session* s_;
    exchange* x_;
};

/// The response a handler sends: header section, body, trailers.
class response {
  public:
    explicit response(server_session& s, exchange& x) noexcept : s_(&s), x_(&x) {}

    /// Sends the header section now: `:status` and then `fields`.
    h2::send_errc send_headers(unsigned status, std::span<const hpack::field> fields = {},
                               bool end_stream = false);
    h2::send_errc send_headers(unsigned status, std::initializer_list<hpack::field> fields,
                               bool end_stream = false) {
        return send_headers(status, std::span<const hpack::field>(fields.begin(), fields.size()),
                            end_stream);
    }
    /// Queues body octets without waiting (copied if flow control holds
    /// them back): for bodies already in memory.
    void send(wire::bytes_view data, bool end_stream = false);
    /// The same, zero copy: `owner` keeps `data` alive until it is written.
    void send(std::shared_ptr<const void> owner, wire::bytes_view data, bool end_stream = false);
    /// Queues trailers (END_STREAM) after the body. Returns the stream's
    /// error if it cannot: the stream failed or ended already, or the trailer
    /// section was refused (too large for the peer, malformed), in which case
    /// the stream is reset with RST_STREAM(INTERNAL_ERROR) (session::send_trailers).
    stream_error send_trailers(std::span<const hpack::field> fields);
    stream_error send_trailers(std::initializer_list<hpack::field> fields) {
        return send_trailers(std::span<const hpack::field>(fields.begin(), fields.size()));
    }
    /// Writes body octets, waiting for flow-control credit (backpressure).
    awaitable<stream_error> write(wire::bytes_view data, bool end_stream = false);
    awaitable<stream_error> write(std::shared_ptr<const void> owner, wire::bytes_view data,
                                  bool end_stream = false);
    /// RST_STREAM(code).
    void reset(error_code code = error_code::cancel);

    /// The call's deadline: when it passes, the stream is reset with
    /// RST_STREAM(CANCEL) and fails with stream_errc::timeout
    /// (session::set_deadline). time_point::max() clears it.
    void set_deadline(h2::time_point at);
    /// Completes with true when the stream fails (the client's RST_STREAM,
    /// the deadline, the connection lost, a shutdown past its grace), or with
    /// false once the handler returned after a normal end — then the
    /// request/response are no longer to be touched (session::wait_cancelled).
    /// For a watcher coroutine beside the handler's reader and writer.
    awaitable<bool> cancelled();
    /// The stream failed (what cancelled() would answer true for).
    bool is_cancelled() const noexcept { return bool(x_->error); }

    bool headers_sent() const noexcept { return x_->out_headers_sent; }
    bool ended() const noexcept { return x_->out_ended || x_->out_end_queued; }
    /// Set once the stream failed (peer reset, connection lost...).
    const stream_error& error() const noexcept { return x_->error; }

  private:
    server_session* s_;
    exchange* x_;
};

using coroutine_handler = std::function<awaitable<void>(request&, response&)>;
using immediate_handler = std::function<void(request&, response&)>;

/// An immediate handler that runs once the whole request has arrived (the
/// peer's END_STREAM), its body discarded: a file server's answer, given as
/// nghttpd and nginx give it. Until then the connection keeps checking what
/// follows the header section (RFC 9113 §8.1: trailers without pseudo-header
/// fields and with END_STREAM; §8.1.1: DATA that matches content-length;
/// §6.9: WINDOW_UPDATE increments), and a request that breaks a rule is reset
/// with that rule's code instead of answered. A request whose HEADERS carries
/// END_STREAM is answered at once, as by an immediate_handler.
struct complete_request_handler {
    immediate_handler fn;
};

/// :path -> handler. Exact paths first, then the longest matching prefix,
/// then the fallback (404 unless set). The query (after '?') is not matched.
class router {
  public:
    using handler = std::variant<coroutine_handler, immediate_handler, complete_request_handler>;

    void add(std::string path, coroutine_handler h) {
        exact_.push_back({std::move(path), std::move(h)});
    }
    void add(std::string path, immediate_handler h) {
        exact_.push_back({std::move(path), std::move(h)});
    }
    void add(std::string path, complete_request_handler h) {
        exact_.push_back({std::move(path), std::move(h)});
    }
    void add_prefix(std::string prefix, coroutine_handler h) {
        prefix_.push_back({std::move(prefix), std::move(h)});
    }
    void add_prefix(std::string prefix, immediate_handler h) {
        prefix_.push_back({std::move(prefix), std::move(h)});
    }
    void add_prefix(std::string prefix, complete_request_handler h) {
        prefix_.push_back({std::move(prefix), std::move(h)});
    }
    void set_fallback(handler h) { fallback_ = std::move(h); }

    const handler* find(std::string_view path) const noexcept {
        if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
        for (const auto& r : exact_)
            if (r.path == path) return &r.h;
        const route* best = nullptr;
        for (const auto& r : prefix_) {
            if (path.substr(0, r.path.size()) == r.path &&
                (!best || r.path.size() > best->path.size())) {
                best = &r;
            }
        }
        if (best) return &best->h;
        return fallback_ ? &*fallback_ : nullptr;
    }

  private:
    struct route {
        std::string path;
        handler h;
    };
    std::vector<route> exact_;
    std::vector<route> prefix_;
    std::optional<handler> fallback_;
};

/// max_connection_age is moved by a random amount within ±this fraction,
/// grpc-go's getJitter and grpc core's MAX_CONNECTION_AGE_JITTER (0.1): the
/// connections that a client fleet opened together (a deploy, a restart)
/// are spread out instead of all reconnecting at once.
inline constexpr double max_connection_age_jitter = 0.1;

/// The server side of one connection.
class server_session final : public session {
  public:
    server_session(executor ex, tcp::socket socket, net::ssl::context* tls, const driver_options& o,
                   const router& routes, bool require_alpn)
        : session(std::move(ex), std::move(socket), tls, h2::role::server, o), routes_(routes) {
        set_require_alpn(require_alpn);
    }

    /// Called when the session is closed (the server forgets it).
    std::function<void(server_session*)> on_close;

    void start() {
        auto self = std::static_pointer_cast<server_session>(shared_from_this());
        net::co_spawn(
            get_executor(), [self]() -> awaitable<void> { (void)co_await self->handshake(); },
            net::detached);
        idle_since_ = h2::clock::now();
        arm_lifetime();
    }

    /// Connection management (before start()): the graceful GOAWAY at
    /// `age_at` (time_point::max(): never), the calls' `grace` after it, the
    /// GOAWAY after `idle` without a stream (see server_options).
    void set_lifetime(time_point age_at, duration grace, duration idle) {
        age_at_ = age_at;
        grace_ = grace;
        idle_ = idle;
    }

    /// The graceful GOAWAY of max_connection_age or max_connection_idle was sent.
    bool draining() const noexcept { return draining_; }

  private:
    friend class request;
    friend class response;

    void on_request(exchange& x) override {
        const router::handler* h = routes_.find(x.head.get(":path"));
        if (!h) {
            not_found(x);
            return;
        }
        if (const auto* imm = std::get_if<immediate_handler>(h)) return run_immediate(*imm, x);
        if (const auto* late = std::get_if<complete_request_handler>(h)) {
            if (x.in_end) return run_immediate(late->fn, x);
            x.discard_body = true;
            x.waits_for_end = true;  // on_request_end(), or released by a reset
            return;
        }
        x.app_running = true;
        x.head.own();  // the handler runs after the event: it needs a copy
        defer_write();
        auto self = std::static_pointer_cast<server_session>(shared_from_this());
        net::co_spawn(get_executor(), run_handler(std::get<coroutine_handler>(*h), x),
                      [self, &x](const std::exception_ptr& e) {
                          if (e)
                              x.error = {stream_errc::cannot_send, error_code::internal_error,
                                         false, "handler threw"};
                          self->done(x);
                      });
    }

    void on_request_end(exchange& x) override {
        const router::handler* h = routes_.find(x.head.get(":path"));
        if (const auto* late = h ? std::get_if<complete_request_handler>(h) : nullptr)
            run_immediate(late->fn, x);
    }

    void run_immediate(const immediate_handler& fn, exchange& x) {
        x.discard_body = true;
        x.app_running = true;
        request req(*this, x);
        response res(*this, x);
        try {
            fn(req, res);
        } catch (...) {
            x.error = {stream_errc::cannot_send, error_code::internal_error, false,
                       "handler threw"};
        }
        done(x);
    }

    awaitable<void> run_handler(const coroutine_handler& h, exchange& x) {
        request req(*this, x);
        response res(*this, x);
        co_await h(req, res);
    }

    void not_found(exchange& x) {
        static constexpr std::string_view body = "not found\n";
        x.discard_body = true;
        x.app_running = true;
        const hpack::field fields[] = {
            {":status", "404"}, {"content-type", "text/plain"}, {"content-length", "10"}};
        send_headers(x, fields, false);
        send(x, wire::as_bytes(body), true);
        done(x);
    }

    /// The handler returned with the stream open: finish the response
    /// (500 if nothing was sent, RST_STREAM(INTERNAL_ERROR) after a throw
    /// once headers went out, END_STREAM otherwise).
    void on_abandoned(exchange& x) override {
        const bool threw = x.error && x.error.code == error_code::internal_error;
        if (!x.out_headers_sent) {
            const hpack::field fields[] = {{":status", "500"}};
            x.error = {};
            send_headers(x, fields, true);
        } else if (threw) {
            x.error = {};
            reset(x, error_code::internal_error);
        } else if (!x.out_ended && !x.out_end_queued) {
            send(x, {}, true);
        } else if (x.out_ended) {
            after_local_end(x);
        }
    }

    void on_closed() override {
        lifetime_timer_.cancel();
        if (on_close) on_close(this);
    }

    /// The last stream ended: the connection is idle from now on.
    void on_released() override {
        if (idle_ != no_connection_limit && live_exchanges() == 0) idle_since_ = h2::clock::now();
    }

    // ------------------------------------------------------------------
    // Connection management: one timer, for the earlier of the age and the
    // idle deadline; stopped once the connection drains or closes.

    void arm_lifetime() {
        if (draining_ || is_closed()) return;
        time_point next = age_at_;
        if (idle_ != no_connection_limit) {
            // While streams are open the connection cannot be idle before
            // `idle_` from now (the last one ends at the earliest now).
            const time_point idle_at =
                live_exchanges() == 0 ? idle_since_ + idle_ : h2::clock::now() + idle_;
            next = std::min(next, idle_at);
        }
        if (next == time_point::max()) return;
        lifetime_timer_.expires_at(next);
        auto self = std::static_pointer_cast<server_session>(shared_from_this());
        lifetime_timer_.async_wait([self](const error_code_t& ec) {
            if (ec || self->is_closed()) return;
            self->on_lifetime(h2::clock::now());
        });
    }

    void on_lifetime(time_point now) {
        const bool old = now >= age_at_;
        const bool idle =
            idle_ != no_connection_limit && live_exchanges() == 0 && now - idle_since_ >= idle_;
        if (old || idle) {
            draining_ = true;
            // RFC 9113 §6.8's two steps (h2::connection::shutdown): GOAWAY
            // with 2^31-1 and a PING, the real last stream id on its ACK;
            // streams in flight finish, until the grace period ends.
            std::optional<time_point> force_at;
            if (old && grace_ != no_connection_limit && grace_ < time_point::max() - now)
                force_at = now + grace_;
            shutdown(force_at);
            return;
        }
        arm_lifetime();
    }

    const router& routes_;
    net::steady_timer lifetime_timer_{get_executor()};
    time_point age_at_ = time_point::max();
    duration grace_ = no_connection_limit;
    duration idle_ = no_connection_limit;
    time_point idle_since_{};
    bool draining_ = false;
    std::vector<hpack::field> scratch_;  ///< response header sections being built
};

// ---------------------------------------------------------------------------
// request / response

inline std::optional<stream_result<wire::bytes_view>> request::try_read() {
    return s_->try_read(*x_);
}

inline awaitable<stream_result<wire::bytes_view>> request::read() {
    return s_->read(*x_);
}

inline awaitable<stream_result<std::string>> request::read_all(std::size_t limit) {
    std::string out;
    for (;;) {
        auto r = co_await s_->read(*x_);
        if (!r) co_return wire::failure{r.error()};
        if (r->empty()) co_return out;
        if (out.size() + r->size() > limit) {
            co_return wire::failure{stream_error{stream_errc::body_too_large, error_code::no_error,
                                                 false,
                                                 "more than " + std::to_string(limit) + " octets"}};
        }
        out.append(wire::as_chars(*r));
    }
}

inline h2::send_errc response::send_headers(unsigned status, std::span<const hpack::field> fields,
                                            bool end_stream) {
    if (status < 100 || status > 999) status = 500;
    std::to_chars(x_->status_text, x_->status_text + 3, status);
    auto& scratch = s_->scratch_;
    scratch.clear();
    scratch.push_back({":status", std::string_view(x_->status_text, 3)});
    scratch.insert(scratch.end(), fields.begin(), fields.end());
    return s_->send_headers(*x_, scratch, end_stream);
}

inline void response::send(wire::bytes_view data, bool end_stream) {
    s_->send(*x_, data, end_stream);
}

inline void response::send(std::shared_ptr<const void> owner, wire::bytes_view data,
                           bool end_stream) {
    s_->send(*x_, data, end_stream, std::move(owner));
}

inline stream_error response::send_trailers(std::span<const hpack::field> fields) {
    return s_->send_trailers(*x_, fields);
}

inline awaitable<stream_error> response::write(wire::bytes_view data, bool end_stream) {
    return s_->write(*x_, data, end_stream);
}

inline awaitable<stream_error> response::write(std::shared_ptr<const void> owner,
                                               wire::bytes_view data, bool end_stream) {
    return s_->write(*x_, data, end_stream, std::move(owner));
}

inline void response::set_deadline(h2::time_point at) {
    s_->set_deadline(*x_, at);
}

inline awaitable<bool> response::cancelled() {
    return s_->wait_cancelled(*x_);
}

inline void response::reset(error_code code) {
    s_->reset(*x_, code);
}

// ---------------------------------------------------------------------------
// server

class server {
  public:
    server(server_options o, router routes) : opts_(std::move(o)), routes_(std::move(routes)) {
        if (opts_.threads == 0) opts_.threads = 1;
        const unsigned contexts = opts_.model == thread_model::shared_context ? 1 : opts_.threads;
        const int hint =
            opts_.model == thread_model::shared_context ? static_cast<int>(opts_.threads) : 1;
        for (unsigned i = 0; i < contexts; ++i) workers_.push_back(std::make_unique<worker>(hint));
    }

    server(const server&) = delete;
    server& operator=(const server&) = delete;
    /// Closes whatever is still open (stop()) and waits for the threads.
    ~server() {
        stop();
        join();
    }

    /// Binds and listens. Returns an error message, or nothing on success;
    /// port() then tells the port (useful with port 0).
    std::optional<std::string> listen() {
        error_code_t ec;
        const auto address = net::ip::make_address(opts_.host, ec);
        if (ec) return "bad address " + opts_.host + ": " + ec.message();
        const tcp::endpoint ep(address, opts_.port);
        acceptor_.emplace(workers_[0]->io);
        acceptor_->open(ep.protocol(), ec);
        if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acceptor_->bind(ep, ec);
        if (!ec) acceptor_->listen(opts_.backlog, ec);
        if (ec) {
            acceptor_.reset();
            return "cannot listen on " + opts_.host + ":" + std::to_string(opts_.port) + ": " +
                   ec.message();
        }
        endpoint_ = acceptor_->local_endpoint(ec);
        return std::nullopt;
    }

    tcp::endpoint local_endpoint() const { return endpoint_; }
    std::uint16_t port() const { return endpoint_.port(); }

    /// Starts accepting and the threads; returns at once.
    void start() {
        net::co_spawn(workers_[0]->io, accept_loop(), net::detached);
        for (auto& w : workers_) {
            const unsigned n = opts_.model == thread_model::shared_context ? opts_.threads : 1;
            for (unsigned i = 0; i < n; ++i) threads_.emplace_back([&io = w->io] { io.run(); });
        }
    }

    /// Waits until every thread ended (after shutdown() or stop()).
    void join() {
        for (auto& t : threads_)
            if (t.joinable()) t.join();
        threads_.clear();
    }

    /// start() + join().
    void run() {
        start();
        join();
    }

    /// Graceful shutdown; safe from any thread (and from a signal handler's
    /// completion). Streams in flight get until `grace` to finish.
    void shutdown(duration grace) {
        const auto deadline = h2::clock::now() + grace;
        net::post(workers_[0]->io, [this] {
            error_code_t ec;
            if (acceptor_) acceptor_->close(ec);
        });
        for (auto& w : workers_) {
            std::lock_guard<std::mutex> lock(w->mutex);
            w->stopping = true;
            for (auto& weak : w->sessions) {
                if (auto s = weak.lock()) {
                    net::post(s->get_executor(), [s, deadline] { s->shutdown(deadline); });
                }
            }
            w->guard.reset();
        }
    }

    /// Closes everything now.
    void stop() {
        net::post(workers_[0]->io, [this] {
            error_code_t ec;
            if (acceptor_) acceptor_->close(ec);
        });
        for (auto& w : workers_) {
            {
                std::lock_guard<std::mutex> lock(w->mutex);
                w->stopping = true;
                for (auto& weak : w->sessions)
                    if (auto s = weak.lock())
                        net::post(s->get_executor(), [s] { s->abort("server stopped"); });
                w->guard.reset();
            }
        }
    }

    /// Connections open now.
    std::size_t connections() const {
        std::size_t n = 0;
        for (auto& w : workers_) {
            std::lock_guard<std::mutex> lock(w->mutex);
            n += w->sessions.size();
        }
        return n;
    }

  private:
    struct worker {
        explicit worker(int concurrency) : io(concurrency), guard(net::make_work_guard(io)) {}
        net::io_context io;
        /// Keeps run() going while the worker has no connection; released
        /// by shutdown()/stop() so that the threads end when the work does.
        net::executor_work_guard<net::io_context::executor_type> guard;
        mutable std::mutex mutex;
        std::list<std::weak_ptr<server_session>> sessions;
        bool stopping = false;
    };

    awaitable<void> accept_loop() {
        std::size_t next = 0;
        for (;;) {
            worker& w = *workers_[next];
            next = (next + 1) % workers_.size();
            error_code_t ec;
            tcp::socket socket =
                co_await acceptor_->async_accept(w.io, net::redirect_error(net::use_awaitable, ec));
            if (ec) {
                if (ec == net::error::operation_aborted || !acceptor_->is_open()) co_return;
                // EMFILE and friends: wait a little instead of spinning.
                net::steady_timer t(workers_[0]->io, std::chrono::milliseconds(50));
                co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
                continue;
            }
            start_session(w, std::move(socket));
        }
    }

    void start_session(worker& w, tcp::socket socket) {
        executor ex = opts_.model == thread_model::shared_context ? executor(net::make_strand(w.io))
                                                                  : executor(w.io.get_executor());
        error_code_t ec;
        const tcp::endpoint peer = socket.remote_endpoint(ec);
        auto s = std::make_shared<server_session>(ex, std::move(socket), opts_.tls.get(),
                                                  opts_.driver, routes_, opts_.require_alpn);
        const std::uint64_t number = ++connection_count_;
        if (opts_.trace) s->set_trace(opts_.trace(number, peer));
        s->set_lifetime(age_deadline(), limit(opts_.max_connection_age_grace),
                        limit(opts_.max_connection_idle));
        {
            std::lock_guard<std::mutex> lock(w.mutex);
            if (w.stopping) return;  // socket closes with s
            auto it = w.sessions.insert(w.sessions.end(), s);
            s->on_close = [&w, it](server_session*) {
                std::lock_guard<std::mutex> lock(w.mutex);
                w.sessions.erase(it);
            };
        }
        // The session starts on its own executor (its thread).
        net::dispatch(ex, [s] { s->start(); });
    }

    /// Zero means no limit too (as in grpc-go, where 0 is "not set").
    static duration limit(duration d) noexcept {
        return d <= duration::zero() ? no_connection_limit : d;
    }

    /// When a connection accepted now reaches max_connection_age: the age
    /// moved by a uniform random amount in ±max_connection_age_jitter
    /// (grpc-go: age + rand[-age/10, age/10)). Called by the accept loop only.
    time_point age_deadline() {
        const duration age = limit(opts_.max_connection_age);
        if (age == no_connection_limit) return time_point::max();
        const auto span = static_cast<duration::rep>(static_cast<double>(age.count()) *
                                                     max_connection_age_jitter);
        duration jittered = age;
        if (span > 0)
            jittered += duration(std::uniform_int_distribution<duration::rep>(-span, span)(rng_));
        const time_point now = h2::clock::now();
        if (jittered >= time_point::max() - now) return time_point::max();
        return now + jittered;
    }

    server_options opts_;
    router routes_;
    std::minstd_rand rng_{std::random_device{}()};  ///< max_connection_age's jitter
    std::vector<std::unique_ptr<worker>> workers_;
    std::optional<tcp::acceptor> acceptor_;
    tcp::endpoint endpoint_;
    std::vector<std::thread> threads_;
    std::atomic<std::uint64_t> connection_count_{0};
};

}  // namespace h2pb::h2::asio
