// h2pb's separately compiled library (h2/asio/config.hpp), part 4 of 4: the
// gRPC client (rpc::asio::channel and its calls, client_context): the
// H2PB_DECL members of rpc/asio/impl/channel.hpp and rpc/asio/call.hpp,
// compiled here and in no other object. It calls the HTTP/2 client through
// h2/asio/client_decl.hpp, whose bodies are src/h2_client.cpp's.
// src/h2_server.cpp says why the library is split and how src/h2pb.cpp
// relates to the parts.
#if !defined(H2PB_SEPARATE_COMPILATION)
#error \
    "src/rpc_client.cpp is part of the separately compiled mode's library: define H2PB_SEPARATE_COMPILATION"
#endif

#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/impl/channel.hpp>
