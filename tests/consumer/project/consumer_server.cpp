// The server unit of consumer_client (tests/consumer/consumer_test.sh, way
// "separate"): consumer.Greeter from hello.proto on an
// h2pb::rpc::asio::server, h2c on a free loopback port, in its own thread.
// consumer_client.cpp, the program's other unit, starts and stops it.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>

#include <h2pb/rpc/asio/server.hpp>

#include "hello.h2pb.grpc.hpp"

#include "greeter.hpp"

namespace ra = h2pb::rpc::asio;

namespace {

consumer_test::greeter service;
std::unique_ptr<ra::server> server;

}  // namespace

/// Starts the server; its port, or 0 when it cannot listen.
std::uint16_t consumer_server_start() {
    server = std::make_unique<ra::server>(ra::server_options());
    server->add_service(service);
    if (auto error = server->listen()) {
        std::printf("FAIL: listen: %s\n", error->c_str());
        return 0;
    }
    server->start();  // the server's own thread
    return server->port();
}

void consumer_server_stop() {
    server->shutdown(std::chrono::seconds(1));
    server->join();
    server.reset();
}
