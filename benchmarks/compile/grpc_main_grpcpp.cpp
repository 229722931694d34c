// Compile-time benchmark, shape "grpc_server_split", grpc++: the unit that
// serves the service of grpc_service_grpcpp.cpp, as grpc_server_grpcpp.cpp's
// main().
#include <chrono>
#include <csignal>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "analytics_impl.hpp"

namespace {
volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) {
    stop_requested = 1;
}
}  // namespace

int main(int argc, char** argv) try {
    const std::string address = "127.0.0.1:" + std::string(argc > 1 ? argv[1] : "0");
    std::unique_ptr<analytics_service_base> service = make_analytics_service();
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service.get());
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) {
        std::cerr << "cannot listen on " << address << '\n';
        return 1;
    }
    std::cout << "listening on 127.0.0.1:" << port << std::endl;

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    while (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    std::cout << "stopped" << std::endl;
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
