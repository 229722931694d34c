// A small HTTP/2 server on h2pb::h2::asio (docs/asio.md walks through it).
//
//   GET  /hello  answered at once by an immediate handler
//   POST /echo   the request body streamed back by a coroutine handler,
//                its length in a trailer
//
// usage: hello_server [PORT]   (0 or nothing: the kernel picks a free port)
// SIGINT or SIGTERM shuts it down gracefully.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include <h2pb/h2/asio/server.hpp>

namespace ha = h2pb::h2::asio;
namespace wire = h2pb::wire;

/// GET /hello: called as soon as the request's header section is in, it
/// answers without waiting (a request body, if any, is discarded).
void hello(ha::request&, ha::response& res) {
    res.send_headers(200, {{"content-type", "text/plain"}});
    res.send(wire::as_bytes(std::string_view("hello\n")), /*end_stream=*/true);
}

/// POST /echo: a coroutine on the connection's executor. read() hands out
/// the body as DATA frames bring it (empty at the end); write() waits while
/// the client's flow-control window is closed.
ha::awaitable<void> echo(ha::request& req, ha::response& res) {
    res.send_headers(200, {{"content-type", "text/plain"}});
    std::size_t total = 0;
    for (;;) {
        auto piece = co_await req.read();
        if (!piece) co_return;      // the stream was reset
        if (piece->empty()) break;  // END_STREAM
        total += piece->size();
        if (co_await res.write(*piece)) co_return;
    }
    const std::string length = std::to_string(total);
    res.send_trailers({{"x-echo-length", length}});
}

int main(int argc, char** argv) try {
    ha::router routes;
    routes.add("/hello", ha::immediate_handler(hello));
    routes.add("/echo", ha::coroutine_handler(echo));

    ha::server_options options;  // h2c on 127.0.0.1, one thread
    options.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
    ha::server server(options, std::move(routes));
    if (auto error = server.listen()) {
        std::cerr << *error << '\n';
        return 1;
    }
    std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;

    // SIGINT or SIGTERM: graceful shutdown (RFC 9113 §6.8): GOAWAY, and the
    // streams in flight get 5 s to finish.
    ha::net::io_context main_io;
    ha::net::signal_set signals(main_io, SIGINT, SIGTERM);
    signals.async_wait(
        [&](const ha::error_code_t&, int) { server.shutdown(std::chrono::seconds(5)); });

    server.start();  // the server's own threads run it from here
    main_io.run();   // until the signal
    server.join();
    std::cout << "stopped" << std::endl;
} catch (const std::exception& e) {  // out of memory, no more sockets...
    std::cerr << e.what() << '\n';
    return 1;
}
