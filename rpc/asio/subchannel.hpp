// h2pb::rpc::asio — what is behind a channel (channel.hpp): the target's
// addresses, a subchannel (connection, connectivity state, backoff) per
// address, a load-balancing policy over them, the channel's state.
//
// Everything here runs on the channel's executor; the state lives in a
// shared channel_core that the background coroutines (a subchannel's
// connect loop, resolution, the idle timer) keep alive, so a channel may be
// destroyed while they are suspended: they wake, see SHUTDOWN, and end.
//
// Lifecycle (connectivity-semantics-and-api.md, load-balancing.md):
//
//   IDLE --first call / state(true)--> CONNECTING: resolve the target,
//     make the subchannels, start connecting them (pick_first: the first
//     address; the next one only after it failed; round_robin: all).
//   a subchannel connects --> READY (its backoff is reset: the HTTP/2
//     handshake, SETTINGS included, succeeded: connection-backoff.md).
//   every subchannel failed --> TRANSIENT_FAILURE; each retries on its own
//     backoff (connection-backoff.md); the channel stays there ("sticky",
//     gRFC A62) until one is READY again.
//   a READY connection is lost or receives GOAWAY (or the call that saw its
//     stream ids run out gives it up): pick_first --> IDLE (the next call
//     reconnects, grpc's pick_first does so); round_robin reconnects that
//     subchannel at once.
//   no call for idle_timeout, none in flight --> connections closed, IDLE.
//   close() --> SHUTDOWN.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/local/stream_protocol.hpp>

#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/client_session.hpp>
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/rpc/asio/call.hpp>
#include <h2pb/rpc/asio/call_options.hpp>
#include <h2pb/rpc/asio/keepalive.hpp>
#include <h2pb/rpc/backoff.hpp>
#include <h2pb/rpc/connectivity.hpp>
#include <h2pb/rpc/target.hpp>

namespace h2pb::rpc::asio::detail {

namespace ha = h2::asio;

/// Where one subchannel connects: a TCP endpoint, or a Unix socket path.
struct subchannel_address {
    std::optional<ha::tcp::endpoint> tcp;
    std::string unix_path;
    /// For messages: "1.2.3.4:80", "[::1]:80", "unix:/path".
    std::string label;
};

/// One address: its connection, state and backoff.
struct subchannel {
    subchannel(const executor& ex, subchannel_address a, const backoff_settings& b,
               connection_backoff::random_source r)
        : address(std::move(a)), backoff(b, std::move(r)), timer(ex) {}

    subchannel_address address;
    connectivity_state state = connectivity_state::idle;
    std::shared_ptr<ha::client> conn;
    connection_backoff backoff;
    std::string last_error;
    /// An attempt failed since this subchannel was made (the channel is in
    /// TRANSIENT_FAILURE once all have).
    bool failed_once = false;
    /// Its connect loop runs.
    bool active = false;
    /// Told to stop (pick_first chose another, the channel went IDLE or closed).
    bool stopped = false;
    /// The backoff sleep between attempts.
    ha::net::steady_timer timer;
};

enum class lb_policy : std::uint8_t { pick_first, round_robin };

/// "pick_first" / "round_robin" (load-balancing.md's names); anything else
/// is pick_first, as grpc falls back to it for an unknown policy name.
inline lb_policy lb_policy_from_name(std::string_view n) {
    return n == "round_robin" ? lb_policy::round_robin : lb_policy::pick_first;
}

/// One connection attempt in progress: close() ends it at once instead of
/// letting it run to its connect deadline.
struct connect_attempt {
    explicit connect_attempt(const executor& e) : socket(e), local(e), timer(e) {}
    ha::tcp::socket socket;
    boost::asio::local::stream_protocol::socket local;
    ha::net::steady_timer timer;
    std::weak_ptr<ha::client_session> session;  ///< once TCP is up: the HTTP/2 handshake
    bool timed_out = false;
    bool aborted = false;
    void abort() {
        aborted = true;
        ha::error_code_t ignored;
        socket.close(ignored);
        local.close(ignored);
        if (auto s = session.lock()) s->abort("channel closed");
    }
};

class channel_core : public std::enable_shared_from_this<channel_core> {
  public:
    using clock = std::chrono::steady_clock;

    channel_core(executor ex, std::string target, channel_options o)
        : ex_(std::move(ex)),
          target_(std::move(target)),
          opts_(std::move(o)),
          policy_(lb_policy_from_name(opts_.load_balancing)),
          rng_(std::random_device{}()),
          resolve_backoff_(opts_.backoff, random_source()),
          resolve_timer_(ex_),
          idle_timer_(ex_),
          keepalive_{opts_.keepalive_time, opts_.keepalive_timeout,
                     opts_.keepalive_permit_without_calls} {
        auto p = parse_target(target_);
        if (p)
            parsed_ = std::move(*p);
        else
            parse_error_ = p.error();
        authority_ = !opts_.server_name_override.empty() ? opts_.server_name_override
                     : parsed_                           ? parsed_->authority
                                                         : target_;
    }

    const executor& get_executor() const noexcept { return ex_; }
    const channel_options& options() const noexcept { return opts_; }
    const std::string& authority() const noexcept { return authority_; }
    std::size_t connections_made() const noexcept { return connections_made_; }
    /// The keepalive settings new connections get (keepalive.hpp).
    const client_keepalive& keepalive() const noexcept { return keepalive_; }
    const std::string& last_error() const noexcept { return last_error_; }

    /// grpc's GetState(try_to_connect).
    connectivity_state state(bool try_to_connect) {
        if (state_ == connectivity_state::idle && try_to_connect) start();
        return state_;
    }

    /// grpc's WaitForStateChange: true once the state differs from `last`
    /// (or changed meanwhile), false at the deadline.
    static awaitable<bool> wait_for_state_change(std::shared_ptr<channel_core> self,
                                                 connectivity_state last, time_point deadline) {
        if (self->state_ != last) co_return true;
        const std::uint64_t before = self->changes_;
        ha::net::steady_timer t(self->ex_);
        t.expires_at(deadline);
        self->watchers_.push_back(&t);
        ha::error_code_t ec;
        co_await t.async_wait(ha::net::redirect_error(ha::net::use_awaitable, ec));
        std::erase(self->watchers_, &t);
        co_return self->changes_ != before || self->state_ != last;
    }

    /// pick() when it need not wait: a READY connection, else null (then
    /// pick()). Not a coroutine: a call on a READY channel costs no frame.
    std::shared_ptr<ha::client> try_pick() {
        if (state_ == connectivity_state::shutdown) return nullptr;
        note_activity();
        if (state(true) != connectivity_state::ready) return nullptr;
        return choose();
    }

    /// A connection for a call (see channel.hpp, "Picking").
    static awaitable<connection_result> pick(std::shared_ptr<channel_core> self, pick_args a) {
        for (;;) {
            if (self->state_ == connectivity_state::shutdown)
                co_return connection_result{nullptr, "channel closed", status_code::unavailable};
            self->note_activity();
            const connectivity_state st = self->state(true);
            if (st == connectivity_state::ready) {
                if (auto c = self->choose()) co_return connection_result{std::move(c), {}};
            } else if (st == connectivity_state::transient_failure && !a.wait_for_ready) {
                co_return connection_result{nullptr, self->unavailable_message(),
                                            status_code::unavailable};
            }
            const time_point deadline = a.deadline.value_or(time_point::max());
            if (clock::now() >= deadline) {
                co_return connection_result{
                    nullptr,
                    "deadline exceeded while waiting for a connection" +
                        (self->last_error_.empty() ? std::string()
                                                   : " (last error: " + self->last_error_ + ")"),
                    status_code::deadline_exceeded};
            }
            (void)co_await wait_for_state_change(self, st, deadline);
        }
    }

    /// A call saw `c` fail or refuse new streams (GOAWAY, stream ids run
    /// out): no new call goes there; it closes once its streams are done.
    void drop(const std::shared_ptr<ha::client>& c) {
        if (!c) return;
        keepalive_.observe(*c);  // a GOAWAY "too_many_pings" doubles keepalive_time
        for (auto& s : subs_) {
            if (s->conn == c) {
                if (!c->is_closed()) c->shutdown();
                c->session().mark_unusable();  // wakes the subchannel's watcher
            }
        }
    }

    /// SHUTDOWN: every connection closed (calls in flight fail UNAVAILABLE).
    void close() {
        if (state_ == connectivity_state::shutdown) return;
        stop_all(/*close_connections=*/true);
        for (auto& w : attempts_)
            if (auto a = w.lock()) a->abort();
        attempts_.clear();
        ha::error_code_t ignored;
        resolve_timer_.cancel(ignored);
        idle_timer_.cancel(ignored);
        set_state(connectivity_state::shutdown);
    }

    /// Number of subchannels and how many are READY (tests, diagnostics).
    std::size_t subchannel_count() const noexcept { return subs_.size(); }

  private:
    connection_backoff::random_source random_source() {
        auto self = this;
        return [self] { return std::uniform_real_distribution<double>(0.0, 1.0)(self->rng_); };
    }

    void set_state(connectivity_state s) {
        if (s == state_) return;
        state_ = s;
        ++changes_;
        for (auto* t : watchers_) {
            ha::error_code_t ignored;
            t->cancel(ignored);
        }
    }

    std::string unavailable_message() const {
        if (parse_error_)
            return "invalid target \"" + target_ + "\": " + std::string(describe(*parse_error_));
        return last_error_.empty() ? std::string("no connection to ") + target_ : last_error_;
    }

    void note_activity() {
        last_activity_ = clock::now();
        if (opts_.idle_timeout <= clock::duration::zero() || idle_running_) return;
        idle_running_ = true;
        ha::net::co_spawn(ex_, idle_loop(shared_from_this(), generation_), ha::net::detached);
    }

    // ---------------------------------------------------------- start

    void start() {
        ++generation_;
        set_state(connectivity_state::connecting);
        if (parse_error_) {
            last_error_ =
                "invalid target \"" + target_ + "\": " + std::string(describe(*parse_error_));
            set_state(connectivity_state::transient_failure);
            return;
        }
        resolve_backoff_.reset();
        ha::net::co_spawn(ex_, resolve_and_connect(shared_from_this(), generation_),
                          ha::net::detached);
    }

    bool stale(std::uint64_t gen) const {
        return gen != generation_ || state_ == connectivity_state::shutdown;
    }

    static awaitable<void> resolve_and_connect(std::shared_ptr<channel_core> self,
                                               std::uint64_t gen) {
        for (;;) {
            const auto attempt = self->resolve_backoff_.next_attempt(clock::now());
            std::string error;
            std::vector<subchannel_address> addrs = co_await self->resolve(error);
            if (self->stale(gen)) co_return;
            if (!addrs.empty()) {
                self->make_subchannels(std::move(addrs), gen);
                co_return;
            }
            // naming.md: resolution failed: TRANSIENT_FAILURE, retried on
            // the backoff.
            self->last_error_ = error;
            self->set_state(connectivity_state::transient_failure);
            self->resolve_timer_.expires_at(attempt.retry_at);
            ha::error_code_t ec;
            co_await self->resolve_timer_.async_wait(
                ha::net::redirect_error(ha::net::use_awaitable, ec));
            if (self->stale(gen)) co_return;
        }
    }

    awaitable<std::vector<subchannel_address>> resolve(std::string& error) {
        std::vector<subchannel_address> out;
        const parsed_target& t = *parsed_;
        switch (t.kind) {
            case target_kind::unix_socket:
                out.push_back({std::nullopt, t.path, "unix:" + t.path});
                break;
            case target_kind::ipv4:
            case target_kind::ipv6:
                for (const auto& a : t.addresses) {
                    ha::error_code_t ec;
                    const auto ip = ha::net::ip::make_address(a.host, ec);
                    if (ec) {
                        error = "bad address " + a.host + ": " + ec.message();
                        co_return std::vector<subchannel_address>{};
                    }
                    ha::tcp::endpoint e(ip, a.port);
                    out.push_back({e, {}, label_of(e)});
                }
                break;
            case target_kind::dns: {
                const auto& a = t.addresses.front();
                ha::error_code_t ec;
                ha::tcp::resolver resolver(ex_);
                const auto results = co_await resolver.async_resolve(
                    a.host, std::to_string(a.port),
                    ha::net::redirect_error(ha::net::use_awaitable, ec));
                if (ec) {
                    error = "cannot resolve " + a.host + ": " + ec.message();
                    co_return std::vector<subchannel_address>{};
                }
                for (const auto& r : results) {
                    const ha::tcp::endpoint e = r.endpoint();
                    const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& x) {
                        return x.tcp && *x.tcp == e;
                    });
                    if (!seen && out.size() < max_target_addresses)
                        out.push_back({e, {}, label_of(e)});
                }
                if (out.empty()) error = "no address for " + a.host;
                break;
            }
        }
        co_return out;
    }

    static std::string label_of(const ha::tcp::endpoint& e) {
        const std::string ip = e.address().to_string();
        return (e.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(e.port());
    }

    void make_subchannels(std::vector<subchannel_address> addrs, std::uint64_t gen) {
        subs_.clear();
        for (auto& a : addrs)
            subs_.push_back(
                std::make_shared<subchannel>(ex_, std::move(a), opts_.backoff, random_source()));
        rr_next_ = 0;
        if (policy_ == lb_policy::round_robin)
            for (auto& s : subs_) activate(s, gen);
        else
            activate(subs_.front(), gen);
    }

    void activate(const std::shared_ptr<subchannel>& s, std::uint64_t gen) {
        if (s->active || s->stopped) return;
        s->active = true;
        ha::net::co_spawn(ex_, run_subchannel(shared_from_this(), s, gen), ha::net::detached);
    }

    // ------------------------------------------------ a subchannel's loop

    static awaitable<void> run_subchannel(std::shared_ptr<channel_core> self,
                                          std::shared_ptr<subchannel> s, std::uint64_t gen) {
        auto gone = [&] { return self->stale(gen) || s->stopped; };
        while (!gone()) {
            const auto attempt = s->backoff.next_attempt(clock::now());
            s->state = connectivity_state::connecting;
            self->update();
            connection_result r = co_await self->connect_one(s->address, attempt.connect_deadline);
            if (gone()) {
                if (r.conn) r.conn->close();
                break;
            }
            if (r.conn) {
                // connection-backoff.md: reset once the server accepted us
                // (the HTTP/2 handshake included its SETTINGS).
                s->backoff.reset();
                s->conn = r.conn;
                s->failed_once = false;
                s->state = connectivity_state::ready;
                ++self->connections_made_;
                self->update();
                co_await r.conn->session().wait_unusable();
                // Its GOAWAY may say "too_many_pings": keepalive time doubled.
                self->keepalive_.observe(*r.conn);
                if (s->conn == r.conn) s->conn.reset();
                if (gone()) break;
                s->state = connectivity_state::idle;
                if (self->policy_ == lb_policy::pick_first) {
                    // grpc's pick_first: the connection is lost, the channel
                    // goes IDLE and the next call reconnects (from the first
                    // address). Streams in flight keep their connection.
                    self->go_idle(/*close_connections=*/false);
                    break;
                }
                self->update();
                continue;  // round_robin: reconnect this address now
            }
            s->last_error = s->address.label + ": " + r.error;
            self->last_error_ = s->last_error;
            s->failed_once = true;
            s->state = connectivity_state::transient_failure;
            self->on_failed(*s, gen);
            self->update();
            s->timer.expires_at(attempt.retry_at);
            ha::error_code_t ec;
            co_await s->timer.async_wait(ha::net::redirect_error(ha::net::use_awaitable, ec));
        }
        s->active = false;
    }

    /// pick_first tries the addresses in order: the next one once this one failed.
    void on_failed(const subchannel& s, std::uint64_t gen) {
        if (policy_ != lb_policy::pick_first) return;
        for (std::size_t i = 0; i + 1 < subs_.size(); ++i) {
            if (subs_[i].get() == &s) {
                activate(subs_[i + 1], gen);
                return;
            }
        }
    }

    /// The channel's state from its subchannels' (see the file comment).
    void update() {
        if (state_ == connectivity_state::shutdown || state_ == connectivity_state::idle) return;
        if (subs_.empty()) return;
        const auto ready = std::find_if(subs_.begin(), subs_.end(), [](const auto& s) {
            return s->state == connectivity_state::ready;
        });
        if (ready != subs_.end()) {
            if (policy_ == lb_policy::pick_first) {
                // The first that connected is the one: the others stop.
                for (auto& s : subs_)
                    if (s != *ready && !s->stopped) stop(*s, true);
            }
            set_state(connectivity_state::ready);
            return;
        }
        const bool all_failed = std::all_of(
            subs_.begin(), subs_.end(), [](const auto& s) { return s->failed_once || s->stopped; });
        if (all_failed || state_ == connectivity_state::transient_failure)
            set_state(connectivity_state::transient_failure);
        else
            set_state(connectivity_state::connecting);
    }

    std::shared_ptr<ha::client> choose() {
        const std::size_t n = subs_.size();
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = (rr_next_ + k) % n;
            auto& s = subs_[i];
            if (s->state != connectivity_state::ready || !s->conn) continue;
            if (s->conn->session().unusable()) continue;  // its watcher will see it
            if (policy_ == lb_policy::round_robin) rr_next_ = i + 1;
            return s->conn;
        }
        return nullptr;
    }

    void stop(subchannel& s, bool close_connection) {
        s.stopped = true;
        ha::error_code_t ignored;
        s.timer.cancel(ignored);
        if (close_connection && s.conn) s.conn->close();
        s.state = connectivity_state::shutdown;
    }

    void stop_all(bool close_connections) {
        ++generation_;
        for (auto& s : subs_) stop(*s, close_connections);
        subs_.clear();
    }

    void go_idle(bool close_connections) {
        stop_all(close_connections);
        set_state(connectivity_state::idle);
        // Nothing left to time out: an IDLE channel holds no timer, so that
        // io_context::run() can return when the rest of the program is done.
        ha::error_code_t ignored;
        idle_timer_.cancel(ignored);
    }

    // ---------------------------------------------------- idle timeout

    static awaitable<void> idle_loop(std::shared_ptr<channel_core> self, std::uint64_t) {
        for (;;) {
            // (co_spawn starts this later: the channel may have closed meanwhile.)
            if (self->state_ == connectivity_state::shutdown ||
                self->state_ == connectivity_state::idle)
                break;
            self->idle_timer_.expires_at(self->last_activity_ + self->opts_.idle_timeout);
            ha::error_code_t ec;
            co_await self->idle_timer_.async_wait(
                ha::net::redirect_error(ha::net::use_awaitable, ec));
            if (self->state_ == connectivity_state::shutdown ||
                self->state_ == connectivity_state::idle)
                break;
            if (self->parse_error_) break;  // a malformed target: nothing to close
            const auto now = clock::now();
            if (now < self->last_activity_ + self->opts_.idle_timeout) continue;
            const bool busy = std::any_of(
                self->subs_.begin(), self->subs_.end(),
                [](const auto& s) { return s->conn && s->conn->session().live_exchanges() > 0; });
            if (busy) {  // calls in flight: not idle
                self->last_activity_ = now;
                continue;
            }
            self->go_idle(/*close_connections=*/true);
            break;
        }
        self->idle_running_ = false;
    }

    // ---------------------------------------------------- one connection

    /// TCP (or a Unix socket), TLS if asked, the HTTP/2 handshake; bounded
    /// by `deadline` until the TCP connection is made (TLS has its own
    /// handshake timeout in the driver).
    awaitable<connection_result> connect_one(const subchannel_address& addr, time_point deadline) {
        auto fail = [](std::string m) { return connection_result{nullptr, std::move(m)}; };
        if (opts_.use_tls && !tls_) {
            ha::tls_client_options t = opts_.http.tls;
            t.verify_peer = opts_.verify_peer;
            if (!opts_.ca_file.empty()) t.ca_file = opts_.ca_file;
            if (!opts_.client_cert_file.empty())
                t.client_credentials.cert_file = opts_.client_cert_file;
            if (!opts_.client_key_file.empty())
                t.client_credentials.key_file = opts_.client_key_file;
            auto c = ha::make_client_context(t);
            if (!c) co_return fail("TLS setup: " + c.error());
            tls_ = *c;
        }
        auto st = std::make_shared<connect_attempt>(ex_);
        std::erase_if(attempts_, [](const auto& w) { return w.expired(); });
        attempts_.push_back(st);
        st->timer.expires_at(deadline);
        st->timer.async_wait([st](const ha::error_code_t& ec) {
            if (ec) return;
            st->timed_out = true;
            ha::error_code_t ignored;
            st->socket.close(ignored);
            st->local.close(ignored);
        });
        ha::error_code_t ec;
        if (addr.tcp) {
            co_await st->socket.async_connect(*addr.tcp,
                                              ha::net::redirect_error(ha::net::use_awaitable, ec));
        } else {
            co_await st->local.async_connect(
                boost::asio::local::stream_protocol::endpoint(addr.unix_path),
                ha::net::redirect_error(ha::net::use_awaitable, ec));
            if (!ec && !st->timed_out) {
                // The HTTP/2 session takes a tcp::socket, but it only reads,
                // writes and shuts down its descriptor: calls that mean the
                // same on a Unix stream socket. So the connected descriptor
                // moves into a tcp::socket (the protocol tag only matters
                // for open() and endpoints, which the session never uses).
                // Its TCP_NODELAY then fails with EOPNOTSUPP, and
                // h2::asio::transport::configure ignores that error.
                const int fd = st->local.release(ec);
                if (!ec) st->socket.assign(ha::tcp::v4(), fd, ec);
            }
        }
        st->timer.cancel();
        if (st->timed_out) co_return fail("connect timed out");
        if (ec) co_return fail("cannot connect: " + ec.message());
        ha::client_options http = opts_.http;
        keepalive_.apply(http);
        auto s = std::make_shared<ha::client_session>(ex_, std::move(st->socket),
                                                      opts_.use_tls ? tls_ : nullptr, http.driver);
        if (opts_.use_tls) {
            std::string name = opts_.server_name_override;
            if (name.empty())
                name = parsed_->kind == target_kind::unix_socket ? std::string("localhost")
                                                                 : parsed_->addresses.front().host;
            if (auto e = ha::prepare_client(s->transport().native_ssl(), name, opts_.verify_peer))
                co_return fail(*e);
        }
        st->session = s;
        if (st->aborted) co_return fail("channel closed");
        const ha::stream_error err = co_await s->handshake();
        if (st->aborted) co_return fail("channel closed");
        if (err) co_return fail(err.to_string());
        co_return connection_result{std::make_shared<ha::client>(std::move(s)), {}};
    }

    executor ex_;
    std::string target_;
    channel_options opts_;
    lb_policy policy_;
    std::optional<parsed_target> parsed_;
    std::optional<target_errc> parse_error_;
    std::string authority_;
    std::mt19937_64 rng_;
    connection_backoff resolve_backoff_;
    ha::net::steady_timer resolve_timer_;
    ha::net::steady_timer idle_timer_;
    client_keepalive keepalive_;
    bool idle_running_ = false;
    time_point last_activity_{};
    ha::tls_context_ptr tls_;
    connectivity_state state_ = connectivity_state::idle;
    std::uint64_t changes_ = 0;
    std::uint64_t generation_ = 0;
    std::vector<ha::net::steady_timer*> watchers_;
    std::vector<std::shared_ptr<subchannel>> subs_;
    std::vector<std::weak_ptr<connect_attempt>> attempts_;
    std::size_t rr_next_ = 0;
    std::string last_error_;
    std::size_t connections_made_ = 0;
};

}  // namespace h2pb::rpc::asio::detail
