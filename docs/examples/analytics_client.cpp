// A client for the article's AnalyticsService on h2pb's gRPC channel, one
// call of each kind, written the way the article writes its Python clients
// (docs/grpc_client.md shows it in pieces):
//
//   GetReport        with a deadline (the article's `timeout=5.0`), then once
//                    more with one too short for the report: DEADLINE_EXCEEDED
//   StreamEvents     loops over the reader and cancels the call once it has
//                    what it needs
//   UploadBatch      writes several RawEvents, then reads the BatchSummary
//   ProcessPipeline  a writer coroutine sends events while the reader prints
//                    the results as they come back
//
// A client interceptor attaches the `authorization` token to every call and
// records how each call ended; a call on a channel without it shows what
// the server's auth interceptor answers. The stub, AnalyticsService::stub,
// is generated from analytics_service.proto by protoc-gen-h2pb (parameter
// `services`). What it prints depends only on the server's data.
//
// usage: analytics_client HOST:PORT
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <h2pb/rpc/asio/channel.hpp>

// What this program uses of Asio itself: separately compiled (README,
// "Separately compiled mode"), channel.hpp declares only the channel.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "analytics_service.h2pb.grpc.hpp"

namespace av1 = analytics::v1;
namespace net = h2pb::h2::asio::net;
namespace rpc = h2pb::rpc;
namespace ra = h2pb::rpc::asio;
using namespace std::chrono_literals;
using analytics_stub = av1::AnalyticsService::stub<ra::channel>;

/// The token the server's auth interceptor wants: "Bearer " and more than
/// 50 characters (the article's _validate_token).
constexpr const char* auth_token =
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmFseXRpY3MtY2xpZW50In0.c2lnbmF0dXJl";

/// One event of each report: "[click] abc123 at 1710000000".
void print_event(const av1::Event& e) {
    std::cout << "  [" << e.event_type << "] " << e.event_id << " at " << e.timestamp << '\n';
}

ra::awaitable<void> get_report(analytics_stub& stub) {
    av1::ReportRequest request;
    request.report_id = "weekly";
    request.start_timestamp = 1710000000;
    request.end_timestamp = 1730000000;

    ra::call_options options;
    options.timeout = 5s;  // grpcio's timeout=5.0
    rpc::result<av1::ReportResponse> report = co_await stub.GetReport(request, options);
    if (!report) {
        std::cout << "GetReport failed: " << report.status().to_string() << '\n';
        co_return;
    }
    std::cout << "GetReport " << report->report_id << ": " << report->events.size() << " events\n";
    for (const av1::Event& e : report->events) print_event(e);

    // The server needs at least 400 ms for a report (it reads the events at
    // a pace): 150 ms is not enough, and the call ends DEADLINE_EXCEEDED.
    ra::call_options hurried;
    hurried.timeout = 150ms;
    rpc::result<av1::ReportResponse> late = co_await stub.GetReport(request, hurried);
    if (!late && late.status().code == rpc::status_code::deadline_exceeded)
        std::cout << "GetReport with 150 ms: Call timed out!\n";
}

ra::awaitable<void> stream_events(analytics_stub& stub) {
    ra::client_context context;  // cancel() ends the call: CANCELLED
    ra::call_options options;
    options.context = &context;
    const av1::EventFilter all;  // no filter: every event
    auto events = co_await stub.StreamEvents(all, options);

    // A client may loop over all the events; this one needs only the
    // first three events, then tells the server to stop.
    constexpr int wanted = 3;
    int seen = 0;
    av1::Event e;
    while (!context.cancelled()) {
        const bool got = co_await events.read(e);
        if (!got) break;
        print_event(e);
        if (++seen == wanted) context.cancel();
    }
    const rpc::status end = co_await events.finish();
    std::cout << "StreamEvents: " << seen << " events, then " << rpc::name(end.code) << '\n';
}

ra::awaitable<void> upload_batch(analytics_stub& stub) {
    auto batch = co_await stub.UploadBatch();
    constexpr int count = 5;
    for (int i = 1; i <= count; ++i) {
        av1::RawEvent raw;
        raw.payload = "sensor_042 reading " + std::to_string(i);
        const bool sent = co_await batch.write(raw);
        if (!sent) break;  // the call ended early: finish() says why
    }
    rpc::result<av1::BatchSummary> summary = co_await batch.finish();
    if (!summary) {
        std::cout << "UploadBatch failed: " << summary.status().to_string() << '\n';
        co_return;
    }
    std::cout << "UploadBatch: sent " << count << ", server received " << summary->received << '\n';
}

using pipeline_call = ra::client_reader_writer<av1::RawEvent, av1::ProcessedEvent>;

/// The writer half of ProcessPipeline: it generates the events to send. A
/// coroutine function (not a lambda) so that its arguments live in its frame.
ra::awaitable<void> send_events(pipeline_call* pipeline, net::steady_timer* writer_done) {
    for (const char* event : {"e001 purchase", "e002 page_view", "e003 click"}) {
        av1::RawEvent raw;
        raw.payload = event;
        const bool sent = co_await pipeline->write(raw);
        if (!sent) break;
    }
    (void)co_await pipeline->writes_done();  // END_STREAM: no more events
    // Wakes the reader's wait below, or makes it return at once if it has
    // not begun (a timer's cancel() would only cancel waits begun already).
    writer_done->expires_at(net::steady_timer::time_point::min());
}

ra::awaitable<void> process_pipeline(analytics_stub& stub) {
    pipeline_call pipeline = co_await stub.ProcessPipeline();
    const ra::executor ex = co_await net::this_coro::executor;
    net::steady_timer writer_done(ex, net::steady_timer::time_point::max());
    net::co_spawn(ex, send_events(&pipeline, &writer_done), net::detached);

    // Meanwhile, this coroutine reads the results as they arrive.
    av1::ProcessedEvent result;
    for (;;) {
        const bool got = co_await pipeline.read(result);
        if (!got) break;
        char confidence[16];
        std::snprintf(confidence, sizeof confidence, "%.2f",
                      static_cast<double>(result.confidence));
        std::cout << "  [" << result.event_id << "] -> " << result.category
                  << " (confidence: " << confidence << ")\n";
    }
    const rpc::status end = co_await pipeline.finish();
    // The writer must be done before `pipeline` goes away.
    h2pb::h2::asio::error_code_t ignored;
    co_await writer_done.async_wait(net::redirect_error(net::use_awaitable, ignored));
    std::cout << "ProcessPipeline: " << end.to_string() << '\n';
}

ra::awaitable<void> run(ra::channel& channel, ra::channel& without_token) {
    analytics_stub stub(channel);
    co_await get_report(stub);
    co_await stream_events(stub);
    co_await upload_batch(stub);
    co_await process_pipeline(stub);

    analytics_stub anonymous(without_token);
    av1::ReportRequest request;
    request.report_id = "weekly";
    rpc::result<av1::ReportResponse> refused = co_await anonymous.GetReport(request);
    std::cout << "without a token: " << refused.status().to_string() << '\n';
    channel.close();
    without_token.close();
}

int main(int argc, char** argv) try {
    if (argc != 2) {
        std::cerr << "usage: analytics_client HOST:PORT\n";
        return 2;
    }
    net::io_context io;
    ra::channel channel(io.get_executor(), argv[1]);

    // The client interceptor: the token goes with every call of this
    // channel, and each call's end is noted (printed at the end, in order).
    std::vector<std::string> finished;
    ra::client_interceptor interceptor;
    interceptor.before = [](const rpc::method_descriptor&, ra::call_options& options) {
        options.md.add("authorization", auth_token);
    };
    interceptor.on_finish = [&finished](const rpc::method_descriptor& m, const rpc::status& end) {
        finished.push_back(std::string(m.method) + " " + std::string(rpc::name(end.code)));
    };
    channel.add_interceptor(interceptor);
    ra::channel without_token(io.get_executor(), argv[1]);

    net::co_spawn(io, run(channel, without_token), net::detached);
    io.run();
    std::cout << "interceptor saw:";
    for (const std::string& call : finished) std::cout << ' ' << call << ';';
    std::cout << '\n';
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
