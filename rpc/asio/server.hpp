// h2pb::rpc::asio — a gRPC server on the h2/asio HTTP/2 server.
//
//   class Analytics : public analytics::AnalyticsService {     // generated base
//       awaitable<rpc::result<analytics::ReportResponse>>
//       GetReport(const analytics::ReportRequest& req, server_context& ctx) override {
//           analytics::ReportResponse r;
//           ...
//           co_return r;
//       }
//   };
//
//   rpc::asio::server_options o;
//   o.http.port = 50051;
//   rpc::asio::server srv(o);
//   Analytics analytics;
//   srv.add_service(analytics);
//   srv.add_interceptor(require_token);       // before every handler
//   srv.listen();  srv.run();
//
// One call = one HTTP/2 stream. For each request header section the server
//
//   1. checks the request head (rpc/call_head.hpp): a method other than POST
//      is answered 405, a content-type that is not gRPC 415 (plain HTTP, as
//      PROTOCOL-HTTP2.md says); a bad grpc-timeout, too much metadata or an
//      unsupported grpc-encoding is a Trailers-Only gRPC error;
//   2. finds the method by :path (UNIMPLEMENTED when unknown);
//   3. runs the interceptors, in the order added (the first non-OK status
//      ends the call before the handler runs);
//   4. runs the handler coroutine: request messages come from the DATA
//      frames (5-byte prefix, reassembled, decompressed, size-checked);
//      response messages go out as DATA, each write waiting for flow control
//      (a slow reader holds the writer, not memory);
//   5. ends the call with trailers (grpc-status, grpc-message, trailing
//      metadata) or, when nothing was sent yet, a Trailers-Only response.
//
// gRPC-Web (PROTOCOL-WEB.md, rpc/grpc_web.hpp) is served on the same port by
// the same services and interceptors, chosen per request by its content-type:
// application/grpc-web[+proto] and application/grpc-web-text[+proto] (the
// body in base64). The response's content-type is the request's; messages
// are framed as in gRPC; the status goes in the body as the last frame
// (flag 0x80, "grpc-status: 0\r\n"...) with END_STREAM on that DATA frame
// and no HTTP trailers, because a browser cannot read trailers. A call that
// ends before any message answers Trailers-Only: grpc-status in the response
// headers, as PROTOCOL-WEB.md says ("no change to the gRPC protocol spec").
// Pages on another origin need CORS (server_options::grpc_web): a preflight
// OPTIONS is answered 204 with the Access-Control-Allow-* fields when its
// Origin is allowed (403 without them otherwise), and the responses of
// allowed origins carry Access-Control-Allow-Origin and -Expose-Headers
// (grpc-status, grpc-message and the application's), so that the page can
// read the status of a Trailers-Only response.
//
// Cancellation: the client's RST_STREAM, the deadline (grpc-timeout: the
// stream is reset with CANCEL when it passes, and the handler sees
// is_cancelled()), the connection's end and a shutdown past its grace
// period all cancel the call. A gRPC-Web call first gets the status
// DEADLINE_EXCEEDED at its deadline (trailer frame, or Trailers-Only), as
// grpc C++ servers send it when they can: a fetch() that sees a reset
// reports a network error, not a status (web_deadline_grace). A handler that throws ends its call
// UNKNOWN; the connection and the other calls go on.
//
// Separately compiled (H2PB_SEPARATE_COMPILATION, h2/asio/config.hpp), this
// header declares the server and its options only (server_decl.hpp): the
// server's body is in
// impl/server.hpp, compiled once into the h2pb library, and a program that
// calls enable_health() or enable_reflection() includes health.hpp or
// reflection.hpp itself (as it does local_endpoint()'s Asio header).
#pragma once

#include <h2pb/h2/asio/config.hpp>
#include <h2pb/rpc/asio/server_decl.hpp>

#if !defined(H2PB_SEPARATE_COMPILATION)
#include <h2pb/rpc/asio/health.hpp>
#include <h2pb/rpc/asio/impl/server.hpp>
#include <h2pb/rpc/asio/reflection.hpp>
#endif
