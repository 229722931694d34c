// Compile-time benchmark, shape "grpc_server_split", h2pb: the unit that
// serves the service of grpc_service_h2pb.cpp, as
// docs/examples/analytics_server.cpp's main() (h2c on 127.0.0.1, graceful
// shutdown on SIGINT/SIGTERM).
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>

#include <h2pb/rpc/asio/server.hpp>

#include "analytics_impl.hpp"

namespace rpc = h2pb::rpc;

int main(int argc, char** argv) try {
    rpc::asio::server_options options;
    options.http.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
    rpc::asio::server server(options);
    std::unique_ptr<analytics_service_base> service = make_analytics_service();
    server.add_service(*service);
    if (auto error = server.listen()) {
        std::cerr << *error << '\n';
        return 1;
    }
    std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;
    server.run_until_signal(std::chrono::seconds(5));
    std::cout << "stopped" << std::endl;
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
