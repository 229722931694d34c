// The Asio way in (tests/consumer/consumer_test.sh builds it where h2pb::asio
// or h2pb_asio.hpp is in): a gRPC server (h2pb::rpc::asio::server) serving
// consumer.Greeter from hello.proto, started in this process on a free
// loopback port, then, over h2c,
//   1. a gRPC call of Greeter/Greet with the generated stub on an
//      h2pb::rpc::asio::channel: the service answers "hello, " + text;
//   2. a plain HTTP/2 GET with h2pb::h2::asio::client: gRPC's
//      PROTOCOL-HTTP2.md answers a method other than POST with HTTP status
//      405 (rpc/asio/server.hpp does).
// Built with -DH2PB_CONSUMER_SINGLE_HEADER it includes h2pb_asio.hpp instead
// (and the headers were generated with single_header=h2pb_asio.hpp).
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#ifdef H2PB_CONSUMER_SINGLE_HEADER
#include <h2pb_asio.hpp>
#else
#include <h2pb/h2/asio/client.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/server.hpp>
#endif
#include "hello.h2pb.grpc.hpp"

#include "greeter.hpp"

namespace ha = h2pb::h2::asio;
namespace ra = h2pb::rpc::asio;

ha::awaitable<int> grpc_call(std::uint16_t port) {
    ra::channel ch(co_await ha::net::this_coro::executor, "127.0.0.1:" + std::to_string(port));
    consumer::Greeter::stub<ra::channel> stub(ch);
    const bool ok = co_await consumer_test::greet_checked(stub);
    ch.close();
    co_return ok ? 0 : 1;
}

ha::awaitable<int> http_get(std::uint16_t port) {
    const auto url = ha::parse_url("http://127.0.0.1:" + std::to_string(port));
    auto connected = co_await ha::client::connect(co_await ha::net::this_coro::executor, *url,
                                                  ha::client_options());
    if (!connected) {
        std::printf("FAIL: connect: %s\n", connected.error().to_string().c_str());
        co_return 1;
    }
    ha::client& client = **connected;
    auto got = co_await client.fetch("GET", "/consumer.Greeter/Greet");
    client.shutdown();
    const bool ok = got && got->status == 405;
    std::printf("%s: HTTP/2 GET /consumer.Greeter/Greet -> %u (405: not POST)\n",
                ok ? "ok" : "FAIL", got ? got->status : 0u);
    co_return ok ? 0 : 1;
}

ha::awaitable<int> both(std::uint16_t port) {
    const int a = co_await grpc_call(port);
    const int b = co_await http_get(port);
    co_return a + b;
}

int main() try {
    ra::server_options options;  // h2c on 127.0.0.1, port 0: the kernel picks one
    ra::server server(options);
    consumer_test::greeter service;
    server.add_service(service);
    if (auto error = server.listen()) {
        std::printf("FAIL: listen: %s\n", error->c_str());
        return 1;
    }
    server.start();  // the server's own thread

    int failures = 1;
    ha::net::io_context io;
    ha::net::co_spawn(io, both(server.port()), [&](const std::exception_ptr& e, int result) {
        if (e) std::rethrow_exception(e);
        failures = result;
    });
    io.run();
    server.shutdown(std::chrono::seconds(1));
    server.join();
    std::printf("%s\n", failures ? "consumer_asio: FAILED" : "consumer_asio: ok");
    return failures ? 1 : 0;
} catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
}
