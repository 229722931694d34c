// Compile-time benchmark, shape "grpc_client", reference: the program of
// docs/examples/analytics_client.cpp (one call of each kind of the
// article's AnalyticsService: GetReport with a deadline, StreamEvents
// cancelled after three events, UploadBatch, ProcessPipeline with a writer
// thread; the authorization token on every call) on grpc++'s synchronous
// API and the code protoc's cpp and grpc_cpp plugins generate. The h2pb
// program adds its token with a client interceptor; grpc++'s interceptor
// API is experimental, so here each call adds the metadata itself.
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "analytics_service.grpc.pb.h"

namespace av1 = analytics::v1;
using namespace std::chrono_literals;
using analytics_stub = av1::AnalyticsService::Stub;

namespace {
constexpr const char* auth_token =
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmFseXRpY3MtY2xpZW50In0.c2lnbmF0dXJl";

void prepare(grpc::ClientContext& context) {
    context.AddMetadata("authorization", auth_token);
}

void print_event(const av1::Event& e) {
    std::cout << "  [" << e.event_type() << "] " << e.event_id() << " at " << e.timestamp() << '\n';
}

void get_report(analytics_stub& stub) {
    av1::ReportRequest request;
    request.set_report_id("weekly");
    request.set_start_timestamp(1710000000);
    request.set_end_timestamp(1730000000);
    av1::ReportResponse report;
    {
        grpc::ClientContext context;
        prepare(context);
        context.set_deadline(std::chrono::system_clock::now() + 5s);
        const grpc::Status status = stub.GetReport(&context, request, &report);
        if (!status.ok()) {
            std::cout << "GetReport failed: " << status.error_message() << '\n';
            return;
        }
    }
    std::cout << "GetReport " << report.report_id() << ": " << report.events_size() << " events\n";
    for (const av1::Event& e : report.events()) print_event(e);

    grpc::ClientContext hurried;
    prepare(hurried);
    hurried.set_deadline(std::chrono::system_clock::now() + 150ms);
    av1::ReportResponse late;
    const grpc::Status status = stub.GetReport(&hurried, request, &late);
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
        std::cout << "GetReport with 150 ms: Call timed out!\n";
}

void stream_events(analytics_stub& stub) {
    grpc::ClientContext context;
    prepare(context);
    const av1::EventFilter all;
    std::unique_ptr<grpc::ClientReader<av1::Event>> events = stub.StreamEvents(&context, all);
    constexpr int wanted = 3;
    int seen = 0;
    av1::Event e;
    while (events->Read(&e)) {
        print_event(e);
        if (++seen == wanted) context.TryCancel();
    }
    const grpc::Status end = events->Finish();
    std::cout << "StreamEvents: " << seen << " events, then " << end.error_code() << '\n';
}

void upload_batch(analytics_stub& stub) {
    grpc::ClientContext context;
    prepare(context);
    av1::BatchSummary summary;
    std::unique_ptr<grpc::ClientWriter<av1::RawEvent>> batch = stub.UploadBatch(&context, &summary);
    constexpr int count = 5;
    for (int i = 1; i <= count; ++i) {
        av1::RawEvent raw;
        raw.set_payload("sensor_042 reading " + std::to_string(i));
        if (!batch->Write(raw)) break;
    }
    batch->WritesDone();
    const grpc::Status status = batch->Finish();
    if (!status.ok()) {
        std::cout << "UploadBatch failed: " << status.error_message() << '\n';
        return;
    }
    std::cout << "UploadBatch: sent " << count << ", server received " << summary.received()
              << '\n';
}

void process_pipeline(analytics_stub& stub) {
    grpc::ClientContext context;
    prepare(context);
    std::shared_ptr<grpc::ClientReaderWriter<av1::RawEvent, av1::ProcessedEvent>> pipeline =
        stub.ProcessPipeline(&context);
    std::thread writer([pipeline] {
        for (const char* event : {"e001 purchase", "e002 page_view", "e003 click"}) {
            av1::RawEvent raw;
            raw.set_payload(event);
            if (!pipeline->Write(raw)) break;
        }
        pipeline->WritesDone();
    });
    av1::ProcessedEvent result;
    while (pipeline->Read(&result)) {
        char confidence[16];
        std::snprintf(confidence, sizeof confidence, "%.2f",
                      static_cast<double>(result.confidence()));
        std::cout << "  [" << result.event_id() << "] -> " << result.category()
                  << " (confidence: " << confidence << ")\n";
    }
    writer.join();
    const grpc::Status end = pipeline->Finish();
    std::cout << "ProcessPipeline: " << end.error_code() << ' ' << end.error_message() << '\n';
}
}  // namespace

int main(int argc, char** argv) try {
    if (argc != 2) {
        std::cerr << "usage: grpc_client_grpcpp HOST:PORT\n";
        return 2;
    }
    auto channel = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
    analytics_stub stub(channel);
    get_report(stub);
    stream_events(stub);
    upload_batch(stub);
    process_pipeline(stub);

    auto anonymous = av1::AnalyticsService::NewStub(channel);
    av1::ReportRequest request;
    request.set_report_id("weekly");
    av1::ReportResponse refused;
    grpc::ClientContext context;
    const grpc::Status status = anonymous->GetReport(&context, request, &refused);
    std::cout << "without a token: " << status.error_code() << ' ' << status.error_message()
              << '\n';
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
