// Compile-time benchmark, shape "grpc_server_split", h2pb: the unit holding
// the service's implementation, GetReport as in
// docs/examples/analytics_server.cpp (the other methods UNIMPLEMENTED by the
// generated base). It includes the generated headers only: not the server.
#include <memory>

#include "analytics_impl.hpp"

namespace av1 = analytics::v1;

namespace {

class analytics_service final : public av1::AnalyticsService {
  public:
    awaitable<result<GetReport_response>> GetReport(const GetReport_request& request,
                                                    server_context& /*context*/) override {
        if (request.report_id.empty())
            co_return status{status_code::invalid_argument, "report_id is empty"};
        GetReport_response response;
        response.report_id = request.report_id;
        for (const stored_event& e : stored_events) {
            if (e.timestamp < request.start_timestamp || e.timestamp >= request.end_timestamp)
                continue;
            av1::Event& out = response.events.emplace_back();
            out.event_id = e.id;
            out.event_type = e.type;
            out.timestamp = e.timestamp;
        }
        co_return response;
    }
};
}  // namespace

std::unique_ptr<analytics_service_base> make_analytics_service() {
    return std::make_unique<analytics_service>();
}
