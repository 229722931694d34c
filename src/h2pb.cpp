// h2pb's separately compiled library (h2/asio/config.hpp) as one source file:
// the definitions that the headers only declare when
// H2PB_SEPARATE_COMPILATION is defined. Build it with that macro defined, as
// every translation unit of the program that links it.
//
// h2pb's own builds (meson's h2pb_separate_dep, CMake's h2pb::separate)
// compile the four parts below as four objects of libh2pb.a, so that a
// program links only the parts it uses (src/h2_server.cpp says more). This
// file, in the manner of Asio's boost/asio/impl/src.hpp, is for a project
// that adds one h2pb source to its own build: it compiles all four parts in
// one object, which a program then links whole. Use either this file or the
// four parts, never both: each H2PB_DECL definition would be defined twice.
#if !defined(H2PB_SEPARATE_COMPILATION)
#error "src/h2pb.cpp is the separately compiled mode's library: define H2PB_SEPARATE_COMPILATION"
#endif

// The parts are .cpp files by design (each is one object of libh2pb.a);
// including them here makes the one-file form of the same library.
// NOLINTBEGIN(bugprone-suspicious-include)
#include "h2_client.cpp"   // the HTTP/2 client
#include "h2_server.cpp"   // the HTTP/2 server
#include "rpc_client.cpp"  // the gRPC client
#include "rpc_server.cpp"  // the gRPC server
// NOLINTEND(bugprone-suspicious-include)
