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
//
// Separately compiled (H2PB_SEPARATE_COMPILATION, h2/asio/config.hpp), this
// header declares the client only (client_decl.hpp): its body, the session
// (client_session.hpp), the HTTP/2 connection, the HPACK coder and TLS are in
// impl/client.hpp, compiled once into the h2pb library.
#pragma once

#include <h2pb/h2/asio/client_decl.hpp>
#include <h2pb/h2/asio/config.hpp>

#if !defined(H2PB_SEPARATE_COMPILATION)
#include <h2pb/h2/asio/impl/client.hpp>
#endif
