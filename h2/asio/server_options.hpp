// h2pb::h2::asio — the options of the HTTP/2 server (h2/asio/server.hpp),
// apart from the server, so that code which only sets them (the gRPC
// server's declaration in separately compiled mode, h2/asio/config.hpp) does
// not see Asio's sockets, TLS or the session: the types of Asio they name
// are declared here, not defined.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <h2pb/h2/asio/options.hpp>

namespace boost::asio {
namespace ssl {
class context;
}  // namespace ssl
namespace ip {
class tcp;
template <typename InternetProtocol>
class basic_endpoint;
}  // namespace ip
}  // namespace boost::asio

namespace h2pb::h2::asio {

/// A TLS context (OpenSSL's SSL_CTX, through Asio), built by tls.hpp.
using tls_context_ptr = std::shared_ptr<::boost::asio::ssl::context>;
/// tcp::endpoint, named without Asio's ip/tcp.hpp.
using tcp_endpoint = ::boost::asio::ip::basic_endpoint<::boost::asio::ip::tcp>;
class trace_sink;  // session.hpp

/// "Never": the default of the connection management settings below, as in
/// grpc (INT_MAX in grpc core, infinity in grpc-go). Zero means never too.
inline constexpr duration no_connection_limit = duration::max();

enum class thread_model : std::uint8_t {
    context_per_thread,  ///< one io_context per thread, connections spread round robin
    shared_context,      ///< one io_context run by all threads, a strand per connection
};

struct server_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  ///< 0: any free port (see server::port())
    unsigned threads = 1;
    thread_model model = thread_model::context_per_thread;
    /// TLS (ALPN h2) when set; h2c with prior knowledge otherwise.
    tls_context_ptr tls;
    bool require_alpn = true;
    driver_options driver;
    int backlog = 1024;
    /// Graceful GOAWAY once a connection is this old (± max_connection_age_jitter, server.hpp).
    /// no_connection_limit (the default) or zero: never.
    duration max_connection_age = no_connection_limit;
    /// After that GOAWAY, how long calls in flight may still run before the
    /// connection is closed. no_connection_limit (the default) or zero: they
    /// are never cut (the connection closes when the last one ends).
    duration max_connection_age_grace = no_connection_limit;
    /// Graceful GOAWAY once a connection has had no stream for this long
    /// (gRFC A9's MAX_CONNECTION_IDLE: no calls, PINGs do not count; unlike
    /// driver.idle_timeout, which any frame resets). no_connection_limit (the
    /// default) or zero: never.
    duration max_connection_idle = no_connection_limit;
    /// Optional: a trace sink per connection (h2pb serve --trace).
    std::function<std::unique_ptr<trace_sink>(std::uint64_t connection_number,
                                              const tcp_endpoint& peer)>
        trace;
};

}  // namespace h2pb::h2::asio
