// h2pb::h2::asio — the HTTP/2 server's implementation (see server.hpp): the
// server side of a connection (server_session), the request/response
// members a handler calls, and the server's body (detail::server_impl) that
// h2::asio::server forwards to.
//
// Header-only (the default), server.hpp includes this file and every
// definition here is inline. Separately compiled (H2PB_SEPARATE_COMPILATION,
// h2/asio/config.hpp), only src/h2_server.cpp includes it: a program's own units
// see server_decl.hpp, not the session, the HTTP/2 connection, the HPACK
// coder or TLS.
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
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/h2/asio/exchange.hpp>
#include <h2pb/h2/asio/options.hpp>
#include <h2pb/h2/asio/server_decl.hpp>
#include <h2pb/h2/asio/server_options.hpp>
#include <h2pb/h2/asio/session.hpp>
#include <h2pb/h2/asio/tls.hpp>

namespace h2pb::h2::asio {

// The H2PB_DECL definitions below (h2/asio/config.hpp) are `inline`
// header-only; in separately compiled mode they are meant not to be: the one
// unit that includes this file then is src/h2_server.cpp, which compiles them once.
// NOLINTBEGIN(misc-definitions-in-headers)

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

H2PB_DECL std::uint32_t request::stream_id() const noexcept {
    return x_->id;
}
H2PB_DECL std::string_view request::method() const noexcept {
    return x_->head.get(":method");
}
H2PB_DECL std::string_view request::scheme() const noexcept {
    return x_->head.get(":scheme");
}
H2PB_DECL std::string_view request::authority() const noexcept {
    return x_->head.get(":authority");
}
H2PB_DECL std::string_view request::path() const noexcept {
    return x_->head.get(":path");
}
H2PB_DECL std::span<const hpack::field> request::headers() const noexcept {
    return x_->head.fields();
}
H2PB_DECL std::string_view request::header(std::string_view name) const noexcept {
    return x_->head.get(name);
}
H2PB_DECL std::span<const hpack::field> request::trailers() const noexcept {
    return x_->trailers.fields();
}
H2PB_DECL bool request::complete() const noexcept {
    return x_->in_end;
}

H2PB_DECL std::optional<stream_result<wire::bytes_view>> request::try_read() {
    return s_->try_read(*x_);
}

H2PB_DECL awaitable<stream_result<wire::bytes_view>> request::read() {
    return s_->read(*x_);
}

H2PB_DECL awaitable<stream_result<std::string>> request::read_all(std::size_t limit) {
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

H2PB_DECL h2::send_errc response::send_headers(unsigned status,
                                               std::span<const hpack::field> fields,
                                               bool end_stream) {
    if (status < 100 || status > 999) status = 500;
    std::to_chars(x_->status_text, x_->status_text + 3, status);
    auto& scratch = s_->scratch_;
    scratch.clear();
    scratch.push_back({":status", std::string_view(x_->status_text, 3)});
    scratch.insert(scratch.end(), fields.begin(), fields.end());
    return s_->send_headers(*x_, scratch, end_stream);
}

H2PB_DECL void response::send(wire::bytes_view data, bool end_stream) {
    s_->send(*x_, data, end_stream);
}

H2PB_DECL void response::send(std::shared_ptr<const void> owner, wire::bytes_view data,
                              bool end_stream) {
    s_->send(*x_, data, end_stream, std::move(owner));
}

H2PB_DECL stream_error response::send_trailers(std::span<const hpack::field> fields) {
    return s_->send_trailers(*x_, fields);
}

H2PB_DECL awaitable<stream_error> response::write(wire::bytes_view data, bool end_stream) {
    return s_->write(*x_, data, end_stream);
}

H2PB_DECL awaitable<stream_error> response::write(std::shared_ptr<const void> owner,
                                                  wire::bytes_view data, bool end_stream) {
    return s_->write(*x_, data, end_stream, std::move(owner));
}

H2PB_DECL void response::set_deadline(h2::time_point at) {
    s_->set_deadline(*x_, at);
}

H2PB_DECL awaitable<bool> response::cancelled() {
    return s_->wait_cancelled(*x_);
}

H2PB_DECL void response::reset(error_code code) {
    s_->reset(*x_, code);
}

H2PB_DECL bool response::is_cancelled() const noexcept {
    return bool(x_->error);
}
H2PB_DECL bool response::headers_sent() const noexcept {
    return x_->out_headers_sent;
}
H2PB_DECL bool response::ended() const noexcept {
    return x_->out_ended || x_->out_end_queued;
}
H2PB_DECL const stream_error& response::error() const noexcept {
    return x_->error;
}

// ---------------------------------------------------------------------------
// server: its body (detail::server_impl), and the forwarding members

namespace detail {

class server_impl {
  public:
    server_impl(server_options o, router routes) : opts_(std::move(o)), routes_(std::move(routes)) {
        if (opts_.threads == 0) opts_.threads = 1;
        const unsigned contexts = opts_.model == thread_model::shared_context ? 1 : opts_.threads;
        const int hint =
            opts_.model == thread_model::shared_context ? static_cast<int>(opts_.threads) : 1;
        for (unsigned i = 0; i < contexts; ++i) workers_.push_back(std::make_unique<worker>(hint));
    }

    server_impl(const server_impl&) = delete;
    server_impl& operator=(const server_impl&) = delete;
    /// Closes whatever is still open (stop()) and waits for the threads.
    ~server_impl() {
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
        stop_accepting_and(
            [deadline](const std::shared_ptr<server_session>& s) { s->shutdown(deadline); });
    }

    /// Closes everything now.
    void stop() {
        stop_accepting_and(
            [](const std::shared_ptr<server_session>& s) { s->abort("server stopped"); });
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

    /// shutdown() and stop(): closes the acceptor (on worker 0, whose thread
    /// owns it), then on every worker refuses new sessions, posts
    /// `on_session` to each live session's executor and releases the
    /// worker's guard, so that its threads end when its sessions do.
    template <class OnSession>
    void stop_accepting_and(OnSession on_session) {
        net::post(workers_[0]->io, [this] {
            error_code_t ec;
            if (acceptor_) acceptor_->close(ec);
        });
        for (auto& w : workers_) {
            std::lock_guard<std::mutex> lock(w->mutex);
            w->stopping = true;
            for (auto& weak : w->sessions) {
                if (auto s = weak.lock())
                    net::post(s->get_executor(), [s, on_session] { on_session(s); });
            }
            w->guard.reset();
        }
    }

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

}  // namespace detail

H2PB_DECL server::server(server_options o, router routes)
    : impl_(std::make_unique<detail::server_impl>(std::move(o), std::move(routes))) {}
H2PB_DECL server::~server() = default;
H2PB_DECL std::optional<std::string> server::listen() {
    return impl_->listen();
}
H2PB_DECL tcp_endpoint server::local_endpoint() const {
    return impl_->local_endpoint();
}
H2PB_DECL std::uint16_t server::port() const {
    return impl_->port();
}
H2PB_DECL void server::start() {
    impl_->start();
}
H2PB_DECL void server::join() {
    impl_->join();
}
H2PB_DECL void server::run() {
    impl_->run();
}
H2PB_DECL void server::shutdown(duration grace) {
    impl_->shutdown(grace);
}
H2PB_DECL void server::stop() {
    impl_->stop();
}
H2PB_DECL std::size_t server::connections() const {
    return impl_->connections();
}

// NOLINTEND(misc-definitions-in-headers)

}  // namespace h2pb::h2::asio
