// The Asio way in (tests/consumer/consumer_test.sh builds it where h2pb::asio,
// h2pb-asio or h2pb_asio.hpp is in): an HTTP/2 server on h2pb::h2::asio,
// started in this process on a free loopback port, and a client on the same
// driver that GETs /hello from it over h2c.
// Built with -DH2PB_CONSUMER_SINGLE_HEADER it includes h2pb_asio.hpp instead.
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#ifdef H2PB_CONSUMER_SINGLE_HEADER
#include <h2pb_asio.hpp>
#else
#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/server.hpp>
#endif

namespace ha = h2pb::h2::asio;
namespace wire = h2pb::wire;

void hello(ha::request&, ha::response& res) {
    res.send_headers(200, {{"content-type", "text/plain"}});
    res.send(wire::as_bytes(std::string_view("hello\n")), /*end_stream=*/true);
}

ha::awaitable<int> get_hello(ha::url url) {
    auto connected = co_await ha::client::connect(co_await ha::net::this_coro::executor, url,
                                                  ha::client_options());
    if (!connected) {
        std::printf("FAIL: connect: %s\n", connected.error().to_string().c_str());
        co_return 1;
    }
    ha::client& client = **connected;
    auto hello = co_await client.fetch("GET", "/hello");
    client.shutdown();
    if (!hello) {
        std::printf("FAIL: GET /hello: %s\n", hello.error().to_string().c_str());
        co_return 1;
    }
    const bool ok = hello->status == 200 && hello->body == "hello\n";
    std::printf("%s: GET /hello -> %d %s", ok ? "ok" : "FAIL", int(hello->status),
                hello->body.c_str());
    co_return ok ? 0 : 1;
}

int main() try {
    ha::router routes;
    routes.add("/hello", ha::immediate_handler(hello));
    ha::server_options options;  // h2c on 127.0.0.1, port 0: the kernel picks one
    ha::server server(options, std::move(routes));
    if (auto error = server.listen()) {
        std::printf("FAIL: listen: %s\n", error->c_str());
        return 1;
    }
    server.start();  // the server's own thread

    const auto url = ha::parse_url("http://127.0.0.1:" + std::to_string(server.port()));
    int status = 1;
    ha::net::io_context io;
    ha::net::co_spawn(io, get_hello(*url), [&](const std::exception_ptr& e, int result) {
        if (e) std::rethrow_exception(e);
        status = result;
    });
    io.run();
    server.shutdown(std::chrono::seconds(1));
    server.join();
    std::printf("%s\n", status ? "consumer_asio: FAILED" : "consumer_asio: ok");
    return status;
} catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
}
