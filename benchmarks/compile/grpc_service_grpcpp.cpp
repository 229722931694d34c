// Compile-time benchmark, shape "grpc_server_split", grpc++: the unit
// holding the service's implementation, GetReport as in
// grpc_server_grpcpp.cpp (the other methods UNIMPLEMENTED by the generated
// base).
#include <memory>

#include "analytics_impl.hpp"

namespace av1 = analytics::v1;

namespace {

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
}  // namespace

std::unique_ptr<analytics_service_base> make_analytics_service() {
    return std::make_unique<analytics_service>();
}
