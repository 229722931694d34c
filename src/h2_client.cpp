// h2pb's separately compiled library (h2/asio/config.hpp), part 2 of 4: the
// HTTP/2 client (h2::asio::client, client_stream): the H2PB_DECL members of
// h2/asio/impl/client.hpp, compiled here and in no other object, on the
// inline core (the client session, the HTTP/2 connection, HPACK, TLS).
// src/h2_server.cpp says why the library is split and how src/h2pb.cpp
// relates to the parts.
#if !defined(H2PB_SEPARATE_COMPILATION)
#error \
    "src/h2_client.cpp is part of the separately compiled mode's library: define H2PB_SEPARATE_COMPILATION"
#endif

#include <h2pb/h2/asio/impl/client.hpp>
