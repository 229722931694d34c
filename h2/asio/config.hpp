// h2pb — header-only (the default) or separately compiled.
//
// Header-only, every function of h2pb is defined in the headers: nothing to
// build or link, and every translation unit that includes
// <h2pb/rpc/asio/server.hpp> compiles the whole stack (HTTP/2 connection,
// HPACK coder, TLS set-up, the gRPC call machinery) again.
//
// Separately compiled, in the manner of Asio's BOOST_ASIO_SEPARATE_COMPILATION:
// define H2PB_SEPARATE_COMPILATION for every translation unit (the build
// systems' h2pb::separate / h2pb_separate_dep do it) and link the library
// built once, libh2pb.a: one object per part, from src/h2_server.cpp,
// h2_client.cpp, rpc_server.cpp and rpc_client.cpp, so that a program links
// only the parts it uses (src/h2pb.cpp is the same library as one file, for
// a build that wants one source: either it or the four parts, never both).
// The headers then only declare the heavy, non-template parts (today:
// rpc::asio::server, rpc::asio::channel with its calls, h2::asio::server
// with its request and response, h2::asio::client with its client_stream,
// and what they run); a translation unit holding a
// gRPC service sees the generated messages, the service base, server_context
// and the server's declaration, one holding a gRPC client the stub and
// rpc/asio/channel_decl.hpp, and one holding HTTP/2 handlers or a client
// sees h2/asio/server_decl.hpp or client_decl.hpp: not Asio's sockets nor
// the HTTP/2 stack (sessions, connection, HPACK, TLS). The program behaves
// the same in both modes.
//
// H2PB_DECL marks the definitions that the library compiles in separate mode:
// `inline` header-only (defined in every unit, merged by the linker), nothing
// in separate mode (defined once, in the one part of the library that
// includes the impl header defining it).
#pragma once

#if defined(H2PB_SEPARATE_COMPILATION)
#define H2PB_DECL
#else
#define H2PB_DECL inline
#endif
