// h2pb::h2::asio — the options of the HTTP/2 client (h2/asio/client.hpp),
// apart from the client, so that code which only sets them (a gRPC channel's
// declaration in separately compiled mode, h2/asio/config.hpp) does not see
// Asio's sockets, TLS or the session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <h2pb/h2/asio/options.hpp>
#include <h2pb/h2/asio/tls_options.hpp>

namespace h2pb::h2::asio {

/// Receive windows of a client: a client reads what it asked for, so larger
/// windows than a server's (fewer WINDOW_UPDATE round trips on downloads).
inline constexpr std::uint32_t default_client_stream_window = 4 * 1024 * 1024;
inline constexpr std::uint32_t default_client_connection_window = 16 * 1024 * 1024;
/// Resolving and connecting; TLS has its own handshake timeout.
inline constexpr duration default_connect_timeout = 10s;
struct client_options {
    // A user-declared constructor (not an aggregate): g++ 12 destroys an
    // aggregate temporary twice when it is passed by value to a coroutine
    // inside a co_await expression (co_await connect(ex, u, client_options{})).
    client_options() {}  // NOLINT(modernize-use-equals-default)

    driver_options driver = [] {
        driver_options d;
        d.h2.initial_window_size = default_client_stream_window;
        d.h2.connection_window_size = default_client_connection_window;
        d.idle_timeout = duration::zero();        // the application decides when to close
        d.keepalive_interval = duration::zero();  // no PINGs unless asked
        // gRPC clients: keepalive PINGs only while calls are in flight, and
        // no policing of the server's PINGs (keepalive.md).
        d.keepalive_permit_without_calls = false;
        d.max_ping_strikes = 0;
        return d;
    }();
    tls_client_options tls;
    duration connect_timeout = default_connect_timeout;
};

}  // namespace h2pb::h2::asio
