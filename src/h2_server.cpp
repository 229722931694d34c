// h2pb's separately compiled library (h2/asio/config.hpp), part 1 of 4: the
// HTTP/2 server (h2::asio::server, request, response, router): the
// H2PB_DECL members of h2/asio/impl/server.hpp, compiled here and in no other
// object. The inline core it runs on (the server session, the HTTP/2
// connection, the HPACK coder, TLS) is compiled here too and in the other
// parts that use it: inline functions, one copy kept by the linker.
//
// One object per part, so that a static-library link pulls only the parts a
// program calls: a program that serves HTTP/2 alone links neither the HTTP/2
// client nor gRPC. src/h2pb.cpp is the same library as one source file; a
// build uses either it or the four parts (src/h2_server.cpp,
// src/h2_client.cpp, src/rpc_server.cpp, src/rpc_client.cpp), never both:
// each H2PB_DECL definition would then be defined twice.
#if !defined(H2PB_SEPARATE_COMPILATION)
#error \
    "src/h2_server.cpp is part of the separately compiled mode's library: define H2PB_SEPARATE_COMPILATION"
#endif

#include <h2pb/h2/asio/impl/server.hpp>
