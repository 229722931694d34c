// h2pb::rpc::asio — a gRPC client channel: calls to one target over one
// HTTP/2 connection (h2c with prior knowledge, or TLS with ALPN "h2").
//
//   rpc::asio::channel_options o;
//   o.use_tls = true;  o.ca_file = "ca.pem";        // server certificate verified by default
//   rpc::asio::channel ch(io.get_executor(), "localhost:50051", o);
//
//   // unary: the response or the status that says why there is none
//   rpc::result<Reply> r = co_await ch.unary<Req, Reply>(Svc::Get_method, req, {});
//   // with a deadline, metadata, compression and the response's metadata:
//   rpc::asio::client_context ctx;
//   rpc::asio::call_options opt;
//   opt.timeout = 2s;  opt.md.add("x-user", "ann");  opt.compression = "gzip";
//   opt.context = &ctx;                                   // ctx.cancel() from elsewhere
//   auto r2 = co_await ch.unary<Req, Reply>(Svc::Get_method, req, opt);
//   ctx.initial_metadata(); ctx.trailing_metadata(); ctx.final_status();
//
//   // server streaming: read until false, then finish() gives the status
//   auto rd = co_await ch.server_streaming<Req, Item>(Svc::List_method, req, {});
//   Item it;  while (co_await rd.read(it)) ...;  rpc::status st = co_await rd.finish();
//   // client streaming: write, then finish() half-closes and gives the response
//   auto wr = co_await ch.client_streaming<Item, Sum>(Svc::Upload_method, {});
//   co_await wr.write(item);  rpc::result<Sum> sum = co_await wr.finish();
//   // bidi: read() in one coroutine and write()/writes_done() in another
//   auto rw = co_await ch.bidi_streaming<Msg, Msg>(Svc::Chat_method, {});
//
//   // interceptors: before every call (metadata, deadline) and at its end
//   ch.add_interceptor({.before = [](const rpc::method_descriptor&, rpc::asio::call_options& o) {
//                           o.md.add("authorization", "Bearer t"); }});
//   // deadline propagation, in a server handler that calls another service:
//   rpc::asio::call_options down;  down.propagate_from(server_ctx);
//
// The generated `S::stub<rpc::asio::channel>` forwards to these templates.
//
// Threading: a channel and its calls live on one executor (an io_context's
// with one thread, or a strand): every member is called from it. The
// call objects must not outlive the channel.
//
// Connection: made on first use; remade when it has closed (transport lost,
// GOAWAY and drained). A call whose stream could not be opened on the
// current connection (closed, GOAWAY received, PROTOCOL-HTTP2.md: such a
// call was never seen by the server) is retried once on a new connection;
// a unary or server-streaming call that the server refused unprocessed
// (RST_STREAM(REFUSED_STREAM), or a GOAWAY whose last stream id is below
// ours: RFC 9113 §8.7) is retried once too, transparently, since its whole
// request is known.
//
// The gRPC rules themselves are the sans-IO rpc::client_call's (request
// headers and grpc-timeout, response headers, Trailers-Only, trailers,
// message framing and decompression, RST_STREAM -> status): this file only
// moves its actions and events between the HTTP/2 stream and coroutines.
//
// Deadlines: the stream's deadline is set in the HTTP/2 session, whose timer
// resets the stream with RST_STREAM(CANCEL) when it passes (never before);
// the call then ends with DEADLINE_EXCEEDED. A deadline that has passed when
// the call starts ends it at once, nothing sent (as grpc C++ and grpc-go).
//
// Limitation: a response header section that arrives with END_STREAM is
// taken as Trailers-Only when no trailers follow it; the h2 driver does not
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/h2/asio/wakeup.hpp>
#include <h2pb/rpc/asio/call.hpp>
#include <h2pb/rpc/asio/call_options.hpp>
#include <h2pb/rpc/asio/keepalive.hpp>

namespace h2pb::rpc::asio {

namespace detail {

/// A host:port target split; "[v6]:port" too.
struct target_parts {
    std::string host, port;
};
inline std::optional<target_parts> split_target(std::string_view t) {
    target_parts p;
    if (!t.empty() && t.front() == '[') {
        const auto close = t.find(']');
        if (close == std::string_view::npos || close + 1 >= t.size() || t[close + 1] != ':')
            return std::nullopt;
        p.host = std::string(t.substr(1, close - 1));
        p.port = std::string(t.substr(close + 2));
    } else {
        const auto colon = t.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        p.host = std::string(t.substr(0, colon));
        p.port = std::string(t.substr(colon + 1));
    }
    if (p.host.empty() || p.port.empty()) return std::nullopt;
    for (const char c : p.port)
        if (c < '0' || c > '9') return std::nullopt;
    return p;
}

}  // namespace detail

// ------------------------------------------------------------ the channel

class channel final : public detail::call_host {
  public:
    /// `target` is "host:port" ("[v6]:port").
    channel(executor ex, std::string target, channel_options o = {})
        : ex_(std::move(ex)), target_(std::move(target)), opts_(std::move(o)) {
        if (auto p = detail::split_target(target_)) parts_ = *p;
        authority_ = opts_.server_name_override.empty() ? target_ : opts_.server_name_override;
        keepalive_ = {opts_.keepalive_time, opts_.keepalive_timeout,
                      opts_.keepalive_permit_without_calls};
    }
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;
    /// Closes the connection (call on the executor).
    ~channel() { close(); }

    using call_options = asio::call_options;

    const executor& get_executor() const noexcept { return ex_; }
    const channel_options& options() const noexcept override { return opts_; }
    const std::string& authority() const noexcept override { return authority_; }
    /// Adds an interceptor (see client_interceptor) for the calls created
    /// after this; interceptors run in the order added.
    void add_interceptor(client_interceptor i) { interceptors_.push_back(std::move(i)); }
    const std::vector<client_interceptor>& interceptors() const noexcept override {
        return interceptors_;
    }

    /// The keepalive settings new connections get (time doubled after a
    /// GOAWAY "too_many_pings": keepalive.hpp).
    const client_keepalive& keepalive() const noexcept { return keepalive_; }

    /// Connections made so far (tests: a restart makes a new one).
    std::size_t connections_made() const noexcept { return connections_made_; }

    /// Closes the connection now: calls in flight fail with UNAVAILABLE.
    void close() {
        if (conn_) conn_->close();
        conn_.reset();
    }

    /// A started call with messages as bytes (its status says if it failed).
    awaitable<std::unique_ptr<detail::call_core>> start_call(const method_descriptor& d,
                                                             call_options o = {}) {
        auto c = std::make_unique<detail::call_core>(*this, d, std::move(o));
        co_await c->start();
        co_return c;
    }

    /// Unary with bytes: the response message's bytes.
    awaitable<result<std::string>> unary_bytes(const method_descriptor& d, wire::bytes_view request,
                                               call_options o = {}) {
        detail::call_core c(*this, d, std::move(o));
        co_await c.start();
        co_await c.send_only(std::string(wire::as_chars(request)));
        std::string msg, extra;
        const bool got = co_await c.next(msg);
        bool more = false;
        if (got) more = co_await c.next(extra);
        status st = co_await c.finish();
        if (!st.ok()) co_return st;
        if (!got) co_return status{status_code::internal, "no response message for a unary call"};
        if (more) co_return status{status_code::internal, "more than one response message"};
        co_return msg;
    }

    template <class Req, class Resp>
    awaitable<result<Resp>> unary(const method_descriptor& d, const Req& request,
                                  call_options o = {}) {
        wire::buffer b;
        proto::encode(request, b);
        auto r = co_await unary_bytes(d, b.view(), std::move(o));
        if (!r) co_return r.get_status();
        Resp out{};
        if (proto::decode(out, wire::as_bytes(std::string_view(*r))))
            co_return status{status_code::internal,
                             "grpc: failed to unmarshal the response message"};
        co_return out;
    }

    template <class Req, class Resp>
    awaitable<client_reader<Resp>> server_streaming(const method_descriptor& d, const Req& request,
                                                    call_options o = {}) {
        auto c = std::make_unique<detail::call_core>(*this, d, std::move(o));
        co_await c->start();
        co_await c->send_only(proto::encode_to_string(request));
        co_return client_reader<Resp>(std::move(c));
    }

    template <class Req, class Resp>
    awaitable<client_writer<Req, Resp>> client_streaming(const method_descriptor& d,
                                                         call_options o = {}) {
        auto c = std::make_unique<detail::call_core>(*this, d, std::move(o));
        co_await c->start();
        co_return client_writer<Req, Resp>(std::move(c));
    }

    template <class Req, class Resp>
    awaitable<client_reader_writer<Req, Resp>> bidi_streaming(const method_descriptor& d,
                                                              call_options o = {}) {
        auto c = std::make_unique<detail::call_core>(*this, d, std::move(o));
        co_await c->start();
        co_return client_reader_writer<Req, Resp>(std::move(c));
    }

    /// The connection, made if there is none or the last one closed.
    awaitable<detail::connection_result> pick(detail::pick_args /*unused*/) override {
        for (;;) {
            if (conn_ && !conn_->is_closed()) co_return detail::connection_result{conn_, {}};
            if (conn_) keepalive_.observe(*conn_);  // its GOAWAY may say "too_many_pings"
            if (!connecting_) break;
            h2::asio::wakeup w;  // another call is connecting: wait for it
            waiters_.push_back(&w);
            co_await w.wait();
        }
        connecting_ = true;
        detail::connection_result r = co_await connect();
        connecting_ = false;
        if (r.conn) {
            conn_ = r.conn;
            ++connections_made_;
        }
        for (auto* w : std::exchange(waiters_, {})) w->notify();
        co_return r;
    }

    /// Forgets `c` (its GOAWAY or failure was seen) so that the next call
    /// makes a new connection.
    void drop(const std::shared_ptr<h2::asio::client>& c) override {
        if (c) keepalive_.observe(*c);  // a GOAWAY "too_many_pings" doubles keepalive_time
        if (conn_ == c) conn_.reset();
    }

  private:
    awaitable<detail::connection_result> connect() {
        namespace ha = h2::asio;
        auto fail = [](std::string m) { return detail::connection_result{nullptr, std::move(m)}; };
        if (parts_.host.empty()) co_return fail("invalid target \"" + target_ + "\" (host:port)");
        if (opts_.use_tls && !tls_) {
            ha::tls_client_options t = opts_.http.tls;
            t.verify_peer = opts_.verify_peer;
            if (!opts_.ca_file.empty()) t.ca_file = opts_.ca_file;
            auto c = ha::make_client_context(t);
            if (!c) co_return fail("TLS setup: " + c.error());
            tls_ = *c;
        }
        struct state {
            explicit state(const executor& e) : socket(e), timer(e) {}
            ha::tcp::socket socket;
            ha::net::steady_timer timer;
            bool timed_out = false;
        };
        auto st = std::make_shared<state>(ex_);
        st->timer.expires_after(opts_.http.connect_timeout);
        st->timer.async_wait([st](const ha::error_code_t& ec) {
            if (ec) return;
            st->timed_out = true;
            ha::error_code_t ignored;
            st->socket.close(ignored);
        });
        ha::error_code_t ec;
        ha::tcp::resolver resolver(ex_);
        const auto endpoints = co_await resolver.async_resolve(
            parts_.host, parts_.port, ha::net::redirect_error(ha::net::use_awaitable, ec));
        if (ec) {
            st->timer.cancel();
            co_return fail("cannot resolve " + parts_.host + ": " + ec.message());
        }
        co_await ha::net::async_connect(st->socket, endpoints,
                                        ha::net::redirect_error(ha::net::use_awaitable, ec));
        st->timer.cancel();
        if (st->timed_out) co_return fail("connect to " + target_ + " timed out");
        if (ec) co_return fail("cannot connect to " + target_ + ": " + ec.message());
        ha::client_options http = opts_.http;
        keepalive_.apply(http);
        auto s = std::make_shared<ha::client_session>(ex_, std::move(st->socket),
                                                      opts_.use_tls ? tls_ : nullptr, http.driver);
        if (opts_.use_tls) {
            const std::string& name =
                opts_.server_name_override.empty() ? parts_.host : opts_.server_name_override;
            if (auto e =
                    ha::prepare_client(s->get_transport().native_ssl(), name, opts_.verify_peer))
                co_return fail(*e);
        }
        const ha::stream_error err = co_await s->handshake();
        if (err) co_return fail(err.to_string());
        co_return detail::connection_result{std::make_shared<ha::client>(std::move(s)), {}};
    }

    executor ex_;
    std::string target_;
    channel_options opts_;
    detail::target_parts parts_;
    std::string authority_;
    h2::asio::tls_context_ptr tls_;
    std::shared_ptr<h2::asio::client> conn_;
    bool connecting_ = false;
    std::vector<h2::asio::wakeup*> waiters_;
    std::size_t connections_made_ = 0;
    std::vector<client_interceptor> interceptors_;
    client_keepalive keepalive_;
};

}  // namespace h2pb::rpc::asio
