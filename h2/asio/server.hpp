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
//
// Separately compiled (H2PB_SEPARATE_COMPILATION, h2/asio/config.hpp), this
// header declares request, response, router and server only
// (server_decl.hpp): their bodies, the session, the HTTP/2 connection, the
// HPACK coder and TLS are in impl/server.hpp, compiled once into the h2pb
// library. A handler is a std::function, erased in the program's own unit.
#pragma once

#include <h2pb/h2/asio/config.hpp>
#include <h2pb/h2/asio/server_decl.hpp>

#if !defined(H2PB_SEPARATE_COMPILATION)
#include <h2pb/h2/asio/impl/server.hpp>
#endif
