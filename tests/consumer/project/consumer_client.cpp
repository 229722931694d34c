// The client unit of consumer_client (tests/consumer/consumer_test.sh, way
// "separate"): a gRPC call of Greeter/Greet with the generated stub on an
// h2pb::rpc::asio::channel, to the server that consumer_server.cpp (the
// program's other unit) starts. Separately compiled, this unit sees the
// channel's declaration only: the script checks that its object file
// defines none of the channel's body (it is in libh2pb.a).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include <h2pb/rpc/asio/channel.hpp>

// What this unit uses of Asio itself.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include "hello.h2pb.grpc.hpp"

#include "greeter.hpp"

namespace ha = h2pb::h2::asio;
namespace ra = h2pb::rpc::asio;

std::uint16_t consumer_server_start();  // consumer_server.cpp
void consumer_server_stop();

namespace {

ha::awaitable<int> grpc_calls(std::uint16_t port) {
    ra::channel ch(co_await ha::net::this_coro::executor, "127.0.0.1:" + std::to_string(port));
    consumer::Greeter::stub<ra::channel> stub(ch);
    const bool ok = co_await consumer_test::greet_checked(stub);
    // A deadline that has passed when the call starts: DEADLINE_EXCEEDED,
    // nothing sent (the channel's call machinery, in the library, decides).
    ra::call_options late;
    late.timeout = std::chrono::nanoseconds(0);
    consumer::Greeting req;
    auto d = co_await stub.Greet(req, late);
    const bool late_ok = !d && d.status().code == h2pb::rpc::status_code::deadline_exceeded;
    std::printf("%s: gRPC Greet with a past deadline -> %s\n", late_ok ? "ok" : "FAIL",
                d ? "a response" : d.status().to_string().c_str());
    ch.close();
    co_return (ok && late_ok) ? 0 : 1;
}

}  // namespace

int main() try {
    const std::uint16_t port = consumer_server_start();
    if (port == 0) return 1;
    int failures = 1;
    ha::net::io_context io;
    ha::net::co_spawn(io, grpc_calls(port), [&](const std::exception_ptr& e, int result) {
        if (e) std::rethrow_exception(e);
        failures = result;
    });
    io.run();
    consumer_server_stop();
    std::printf("%s\n", failures ? "consumer_client: FAILED" : "consumer_client: ok");
    return failures ? 1 : 0;
} catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
}
