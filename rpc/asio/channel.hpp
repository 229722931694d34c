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
//
// Separately compiled (H2PB_SEPARATE_COMPILATION, h2/asio/config.hpp), this
// header declares the channel and the call objects only (channel_decl.hpp):
// the connections, TLS, load balancing, retries, keepalive and the call
// machinery are in impl/channel.hpp and call.hpp, compiled once into the
// h2pb library; the call templates (unary<Req, Resp>, ...) stay here and
// work on the messages' bytes. A unit that uses Asio itself (an
// io_context, co_spawn, a timer) includes the Asio headers it uses.
#pragma once

#include <h2pb/h2/asio/config.hpp>
#include <h2pb/rpc/asio/channel_decl.hpp>

#if !defined(H2PB_SEPARATE_COMPILATION)
#include <h2pb/rpc/asio/impl/channel.hpp>
#endif
