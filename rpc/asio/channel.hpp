// h2pb::rpc::asio — a gRPC client channel: calls to one target (naming.md:
// one or several addresses) over HTTP/2 connections (h2c with prior
// knowledge, or TLS with ALPN "h2"), one per address, load balanced.
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
// Targets (rpc/target.hpp): "host:port", "[v6]:port", "dns:///host:port"
// (every address the name resolves to), "ipv4:1.2.3.4:80,5.6.7.8:81",
// "ipv6:[::1]:80", "unix:/path" (a Unix socket; :authority "localhost").
//
// Connections (rpc/asio/subchannel.hpp): a subchannel per address, each with
// its connection, connectivity state and backoff (connection-backoff.md,
// channel_options::backoff). channel_options::load_balancing chooses how
// calls use them: "pick_first" (default: the first address that connects,
// in order) or "round_robin" (calls spread over every READY address).
//
// States (rpc/connectivity.hpp): IDLE until the first call (or
// state(true)), then CONNECTING, then READY or TRANSIENT_FAILURE (retried on
// the backoff); back to IDLE after channel_options::idle_timeout with no
// call (30 min, grpc's default), or when pick_first's connection is lost
// or drained by GOAWAY (the next call reconnects); SHUTDOWN after close().
//   auto s = ch.state(/*try_to_connect=*/true);
//   bool changed = co_await ch.wait_for_state_change(s, deadline);
//
// Picking (a call's connection): READY: one of the connections (a new one
// is made when the current has received GOAWAY or run out of stream ids);
// IDLE / CONNECTING: the call waits for the attempt; TRANSIENT_FAILURE:
// the call fails at once with UNAVAILABLE and the last connection error,
// unless call_options::wait_for_ready (wait-for-ready.md): it then waits
// for READY until its deadline (DEADLINE_EXCEEDED).
//
// Mutual TLS: channel_options::client_cert_file / client_key_file.
//
// Connection failures of a call: a call whose stream could not be opened on the
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
#include <h2pb/rpc/asio/subchannel.hpp>
#include <h2pb/rpc/connectivity.hpp>

namespace h2pb::rpc::asio {

// ------------------------------------------------------------ the channel

class channel final : public detail::call_host {
  public:
    /// `target`: see rpc/target.hpp ("host:port", "dns:///host:port",
    /// "unix:/path", "ipv4:1.2.3.4:80,5.6.7.8:81", ...). A malformed target
    /// puts the channel in TRANSIENT_FAILURE: its calls fail with
    /// UNAVAILABLE and the parse error.
    channel(executor ex, std::string target, channel_options o = {})
        : ex_(ex),
          core_(std::make_shared<detail::channel_core>(std::move(ex), std::move(target),
                                                       std::move(o))) {}
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;
    /// Closes the connections (call on the executor). A destructor that lets
    /// an exception out terminates the program; what close() can throw (an
    /// allocation failing while it queues the GOAWAYs) leaves nothing for a
    /// dying channel to do, so it is dropped here; call close() first to see it.
    ~channel() {
        try {
            close();
        } catch (...) {  // see above
        }
    }

    using call_options = asio::call_options;

    const executor& get_executor() const noexcept { return ex_; }
    const channel_options& options() const noexcept override { return core_->options(); }
    const std::string& authority() const noexcept override { return core_->authority(); }
    /// Adds an interceptor (see client_interceptor) for the calls created
    /// after this; interceptors run in the order added.
    void add_interceptor(client_interceptor i) { interceptors_.push_back(std::move(i)); }
    const std::vector<client_interceptor>& interceptors() const noexcept override {
        return interceptors_;
    }

    /// The keepalive settings new connections get (time doubled after a
    /// GOAWAY "too_many_pings": keepalive.hpp).
    const client_keepalive& keepalive() const noexcept { return core_->keepalive(); }

    /// Connections made so far (tests: a restart makes a new one).
    std::size_t connections_made() const noexcept { return core_->connections_made(); }

    /// Closes the channel now (SHUTDOWN): calls in flight fail with UNAVAILABLE.
    void close() { core_->close(); }

    /// The channel's connectivity state; with `try_to_connect`, an IDLE
    /// channel starts connecting (grpc C++'s Channel::GetState).
    connectivity_state state(bool try_to_connect = false) { return core_->state(try_to_connect); }

    /// Completes with true once the state is no longer `last`, or false at
    /// `deadline` (grpc C++'s Channel::WaitForStateChange).
    awaitable<bool> wait_for_state_change(connectivity_state last, time_point deadline) {
        return detail::channel_core::wait_for_state_change(core_, last, deadline);
    }

    /// Why the last connection attempt (or resolution) failed; empty if none did.
    const std::string& last_error() const noexcept { return core_->last_error(); }

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
        // `request` outlives the call: kept for a retry without a copy.
        (void)co_await c.send_last(request, true);
        std::string msg, extra;
        const bool got = co_await c.next(msg);
        bool more = false;
        if (got) {
            more = co_await c.next(extra);
        }
        status st;
        if (c.done()) {  // (finish() would only return it)
            st = c.final_status();
        } else {
            st = co_await c.finish();
        }
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
        if (!r) co_return r.status();
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

    /// A connection for a call: see "Picking" above.
    awaitable<detail::connection_result> pick(detail::pick_args a) override {
        return detail::channel_core::pick(core_, a);
    }

    /// A READY connection without waiting, else null (the call then pick()s).
    std::shared_ptr<h2::asio::client> try_pick() override { return core_->try_pick(); }

    /// Forgets `c` for new calls (its GOAWAY, failure or stream id
    /// exhaustion was seen): it closes once its streams are done.
    void drop(const std::shared_ptr<h2::asio::client>& c) override { core_->drop(c); }

  private:
    executor ex_;
    std::shared_ptr<detail::channel_core> core_;
    std::vector<client_interceptor> interceptors_;
};

}  // namespace h2pb::rpc::asio
