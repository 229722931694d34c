// Compile-time benchmark, shape "asio_floor": no h2pb and no HTTP/2, only the
// I/O skeleton that any header-only server on Boost.Asio's coroutines has,
// the skeleton h2pb's servers are built on. It is the floor under every
// header-only Asio server's unit, h2pb's included: what a unit costs before
// it frames, codes or routes anything.
//
//   - a TCP acceptor, its accept loop a coroutine spawned per worker;
//   - per connection, on h2c or TLS (OpenSSL via asio::ssl, the server
//     handshake), a read loop and writes, coroutines on the socket's
//     executor;
//   - an idle timer per connection (steady_timer), reset by each read;
//   - SIGINT/SIGTERM (signal_set) close the acceptor: a graceful stop.
//
// The connections echo what they read, so that nothing is optimised away.
//
// usage: asio_floor [PORT [CERT KEY]]  (with CERT and KEY: TLS)
#include <coroutine>
#include <utility>  // before Asio's awaitable.hpp, which uses std::exchange

// clang 14 with libstdc++ 12: Boost 1.74 does not detect C++20 coroutines;
// tell it they are there (as h2pb's h2/asio/awaitable.hpp does).
#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#endif
#if defined(__clang__) && !defined(BOOST_ASIO_HAS_STD_COROUTINE)
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {
constexpr auto idle_timeout = std::chrono::seconds(30);

/// Closes the connection when no read completed for idle_timeout.
awaitable<void> watch_idle(std::shared_ptr<asio::steady_timer> timer, tcp::socket& socket) {
    boost::system::error_code ec;
    while (socket.is_open()) {
        co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
        if (timer->expiry() <= asio::steady_timer::clock_type::now()) socket.close(ec);
    }
}

template <class Stream>
awaitable<void> echo(Stream& stream, tcp::socket& socket) {
    auto timer = std::make_shared<asio::steady_timer>(socket.get_executor());
    timer->expires_after(idle_timeout);
    asio::co_spawn(socket.get_executor(), watch_idle(timer, socket), asio::detached);
    std::array<char, 16384> buffer{};
    boost::system::error_code ec;
    for (;;) {
        std::size_t n = co_await stream.async_read_some(asio::buffer(buffer),
                                                        asio::redirect_error(use_awaitable, ec));
        if (ec) break;
        timer->expires_after(idle_timeout);
        co_await asio::async_write(stream, asio::buffer(buffer.data(), n),
                                   asio::redirect_error(use_awaitable, ec));
        if (ec) break;
    }
    timer->cancel();
}

awaitable<void> serve_h2c(tcp::socket socket) {
    co_await echo(socket, socket);
}

awaitable<void> serve_tls(tcp::socket socket, asio::ssl::context& tls) {
    asio::ssl::stream<tcp::socket> stream(std::move(socket), tls);
    boost::system::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    co_await echo(stream, stream.next_layer());
    co_await stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
}

awaitable<void> accept_loop(tcp::acceptor& acceptor, asio::ssl::context* tls) {
    boost::system::error_code ec;
    while (acceptor.is_open()) {
        tcp::socket socket =
            co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
        if (ec) continue;
        if (tls) {
            asio::co_spawn(acceptor.get_executor(), serve_tls(std::move(socket), *tls),
                           asio::detached);
        } else {
            asio::co_spawn(acceptor.get_executor(), serve_h2c(std::move(socket)), asio::detached);
        }
    }
}
}  // namespace

int main(int argc, char** argv) try {
    asio::io_context io;
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    std::optional<asio::ssl::context> tls;
    if (argc > 3) {
        tls.emplace(asio::ssl::context::tls_server);
        tls->use_certificate_chain_file(argv[2]);
        tls->use_private_key_file(argv[3], asio::ssl::context::pem);
    }
    asio::co_spawn(io, accept_loop(acceptor, tls ? &*tls : nullptr), asio::detached);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { acceptor.close(); });
    std::cout << "listening on 127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
    io.run();
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
