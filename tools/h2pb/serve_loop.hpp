// The run loop `h2pb serve` and `h2pb interop-server` share: start the
// server's threads, then wait for signals on a context of their own. The
// first SIGINT/SIGTERM shuts down gracefully (GOAWAY, streams in flight get
// `grace`), the second closes everything; returns when the server's threads
// have ended.
#pragma once

#include <chrono>
#include <csignal>
#include <functional>
#include <thread>

#include <h2pb/h2/asio/asio.hpp>

namespace h2pb::cli {

/// Server: h2::asio::server or rpc::asio::server (start, join, shutdown, stop).
/// on_shutdown is called at the first signal, before the GOAWAY (to say so).
template <class Server>
void run_until_signalled(Server& srv, std::chrono::seconds grace,
                         const std::function<void()>& on_shutdown) {
    namespace net = h2::asio::net;
    net::io_context signal_io(1);
    net::signal_set signals(signal_io, SIGINT, SIGTERM);
    int received = 0;
    std::function<void(const h2::asio::error_code_t&, int)> on_signal =
        [&](const h2::asio::error_code_t& ec, int) {
            if (ec) return;
            if (++received == 1) {
                on_shutdown();
                srv.shutdown(grace);
            } else {
                srv.stop();
            }
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    srv.start();
    std::thread joiner([&] {
        srv.join();
        signal_io.stop();
    });
    signal_io.run();
    joiner.join();
}

}  // namespace h2pb::cli
