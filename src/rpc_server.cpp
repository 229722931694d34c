// h2pb's separately compiled library (h2/asio/config.hpp), part 3 of 4: the
// gRPC server (rpc::asio::server, server_context's out-of-line members, the
// call bridge): the H2PB_DECL members of rpc/asio/impl/server.hpp, compiled
// here and in no other object. It calls the HTTP/2 server through
// h2/asio/server_decl.hpp, whose bodies are src/h2_server.cpp's.
// src/h2_server.cpp says why the library is split and how src/h2pb.cpp
// relates to the parts.
#if !defined(H2PB_SEPARATE_COMPILATION)
#error \
    "src/rpc_server.cpp is part of the separately compiled mode's library: define H2PB_SEPARATE_COMPILATION"
#endif

#include <h2pb/rpc/asio/impl/server.hpp>
#include <h2pb/rpc/asio/server.hpp>
