// Compile-time benchmark, shape "grpc_server", reference: the program of
// docs/examples/analytics_server.cpp (the article's AnalyticsService,
// GetReport over a small fixed table, the other methods UNIMPLEMENTED,
// graceful shutdown on SIGINT/SIGTERM) on grpc++ and the code protoc's
// cpp and grpc_cpp plugins generate for the same .proto.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "analytics_service.grpc.pb.h"

namespace av1 = analytics::v1;

namespace {
struct stored_event {
    const char* id;
    const char* type;
    std::int64_t timestamp;
};
constexpr stored_event stored_events[] = {
    {"abc123", "click", 1710000000},
    {"abd456", "view", 1720000000},
};

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) {
    stop_requested = 1;
}
}  // namespace

class analytics_service final : public av1::AnalyticsService::Service {
    grpc::Status GetReport(grpc::ServerContext*, const av1::ReportRequest* request,
                           av1::ReportResponse* response) override {
        if (request->report_id().empty())
            return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "report_id is empty");
        response->set_report_id(request->report_id());
        for (const stored_event& e : stored_events) {
            if (e.timestamp < request->start_timestamp() || e.timestamp >= request->end_timestamp())
                continue;
            av1::Event* out = response->add_events();
            out->set_event_id(e.id);
            out->set_event_type(e.type);
            out->set_timestamp(e.timestamp);
        }
        return grpc::Status::OK;
    }
};

int main(int argc, char** argv) try {
    const std::string address = "127.0.0.1:" + std::string(argc > 1 ? argv[1] : "0");
    analytics_service service;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
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
