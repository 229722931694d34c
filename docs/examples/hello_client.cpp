// A small HTTP/2 client on h2pb::h2::asio (docs/asio.md walks through it):
// one connection, a whole GET with fetch(), then a POST whose body is
// written in pieces and whose response is read as a stream, trailers
// included.
//
// usage: hello_client http://127.0.0.1:PORT     (https:// for TLS)
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <h2pb/h2/asio/client.hpp>

namespace ha = h2pb::h2::asio;
namespace wire = h2pb::wire;

ha::awaitable<int> talk(ha::url url) {
    auto connected = co_await ha::client::connect(co_await ha::net::this_coro::executor, url,
                                                  ha::client_options());
    if (!connected) {
        std::cerr << connected.error().to_string() << '\n';
        co_return 1;
    }
    ha::client& client = **connected;

    // Everything in memory: status, headers, body, trailers.
    auto hello = co_await client.fetch("GET", "/hello");
    if (!hello) {
        std::cerr << "GET /hello: " << hello.error().to_string() << '\n';
        co_return 1;
    }
    std::cout << "GET /hello -> " << hello->status << ": " << hello->body;

    // A stream: the request body goes out in two writes (each waits for
    // flow-control credit), the response comes back piece by piece.
    const std::vector<h2pb::hpack::field> fields = client.request_fields("POST", "/echo");
    auto stream = co_await client.open(fields, /*end_stream=*/false);
    if (!stream) {
        std::cerr << "POST /echo: " << stream.error().to_string() << '\n';
        co_return 1;
    }
    // (A write that fails, because the stream was reset, shows in response().)
    co_await stream->write(wire::as_bytes(std::string_view("ping, ")));
    co_await stream->write(wire::as_bytes(std::string_view("pong\n")), /*end_stream=*/true);
    if (auto error = co_await stream->response()) {
        std::cerr << "POST /echo: " << error.to_string() << '\n';
        co_return 1;
    }
    std::cout << "POST /echo -> " << stream->status() << ": ";
    for (;;) {
        auto piece = co_await stream->read();
        if (!piece) {
            std::cerr << "POST /echo: " << piece.error().to_string() << '\n';
            co_return 1;
        }
        if (piece->empty()) break;  // END_STREAM
        std::cout << wire::as_chars(*piece);
    }
    for (const auto& trailer : stream->trailers())
        std::cout << "trailer " << trailer.name << ": " << trailer.value << '\n';

    client.shutdown();  // GOAWAY, then close once nothing is in flight
    co_return 0;
}

int main(int argc, char** argv) {
    const auto url = ha::parse_url(argc > 1 ? argv[1] : "");
    if (!url) {
        std::cerr << "usage: hello_client http://HOST:PORT\n";
        return 2;
    }
    try {
        ha::net::io_context io;
        int status = 1;
        ha::net::co_spawn(io, talk(*url), [&](const std::exception_ptr& e, int result) {
            if (e) std::rethrow_exception(e);
            status = result;
        });
        io.run();
        return status;
    } catch (const std::exception& e) {  // out of memory, no more sockets...
        std::cerr << e.what() << '\n';
        return 1;
    }
}
