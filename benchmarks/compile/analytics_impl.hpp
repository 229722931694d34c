// Compile-time benchmark, shape "grpc_server_split": the article's
// AnalyticsService as an embedder's project lays it out, in two units: the
// service's implementation (grpc_service_*.cpp, the file that changes
// often and that a project has many of) and the program that serves it
// (grpc_main_*.cpp, written once). This header is all they share (with the
// service's table, which both libraries' service units read).
#pragma once

#include <cstdint>
#include <memory>

#if defined(COMPILE_BENCH_GRPCPP)
#include "analytics_service.grpc.pb.h"
using analytics_service_base = analytics::v1::AnalyticsService::Service;
#else
#include "analytics_service.h2pb.grpc.hpp"
using analytics_service_base = analytics::v1::AnalyticsService;
#endif

/// The events the report is made of (a real service would ask a database).
struct stored_event {
    const char* id;
    const char* type;
    std::int64_t timestamp;
};
inline constexpr stored_event stored_events[] = {
    {"abc123", "click", 1710000000},
    {"abd456", "view", 1720000000},
};

/// The service of grpc_service_*.cpp, which must outlive the server.
std::unique_ptr<analytics_service_base> make_analytics_service();
