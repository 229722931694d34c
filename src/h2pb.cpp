// h2pb's separately compiled library (h2/asio/config.hpp): the definitions
// that the headers only declare when H2PB_SEPARATE_COMPILATION is defined,
// compiled once. Build it with that macro defined, as every translation unit
// of the program that links it (meson's h2pb_separate_dep, CMake's
// h2pb::separate).
#if !defined(H2PB_SEPARATE_COMPILATION)
#error "src/h2pb.cpp is the separately compiled mode's library: define H2PB_SEPARATE_COMPILATION"
#endif

#include <h2pb/rpc/asio/server.hpp>

// The gRPC client (rpc::asio::channel, the call objects' members).
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/impl/channel.hpp>

// The gRPC server (rpc::asio::server, server_context's out-of-line members).
#include <h2pb/rpc/asio/impl/server.hpp>

// The HTTP/2 server and client (h2::asio::server, request, response,
// client, client_stream): their members, the sessions, the HTTP/2
// connection, the HPACK coder and TLS.
#include <h2pb/h2/asio/impl/client.hpp>
#include <h2pb/h2/asio/impl/server.hpp>
