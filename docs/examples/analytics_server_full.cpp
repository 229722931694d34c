// The article's AnalyticsService in its four modes on h2pb's gRPC server,
// written the way the article writes its Python servicers. (The smaller
// analytics_server.cpp serves GetReport alone: docs/grpc_call.md follows one
// of its calls byte by byte, so it stays as it is.)
//
//   auth             every call must carry `authorization: Bearer <token>`,
//                    checked by a server interceptor before any handler runs
//                    (the article's AuthInterceptor): UNAUTHENTICATED if not
//   StreamEvents     the events of a small fixed "store", one every
//                    event_pace (the article's throttle), stopping when the
//                    client cancels (the article's `context.is_active()`)
//   GetReport        a downstream call: it reads the events from
//                    StreamEvents (of this same server, standing in for
//                    another service) with the time its own caller left it
//                    (deadline propagation), and keeps those whose timestamp
//                    lies in [start_timestamp, end_timestamp)
//   UploadBatch      counts the RawEvents the client streams
//   ProcessPipeline  answers each RawEvent ("ID TYPE") as it arrives with a
//                    ProcessedEvent: a tiny rule-based "model" classifies it
//
// The service's base class, analytics::v1::AnalyticsService, is generated
// from analytics_service.proto by protoc-gen-h2pb with the parameters
// `services,descriptors` (tests/docs/meson.build shows the protoc command):
// `descriptors` embeds the file's FileDescriptorProto, which the server's
// reflection service (enable_reflection(), server-reflection.md) hands to
// tools such as grpcurl and `h2pb call`. Reflection calls pass through the
// auth interceptor like any other: they need the token too.
//
// Browsers call it too: the server answers gRPC-Web (application/grpc-web
// and -text, PROTOCOL-WEB.md) on the same port, no Envoy in front. A browser
// speaks HTTP/2 only over TLS with ALPN h2, so give it a certificate, and a
// page of another origin needs that origin allowed (CORS).
//
// usage: analytics_server_full [--tls-cert FILE --tls-key FILE]
//                              [--cors-origin ORIGIN]... [PORT [DOWNSTREAM]]
//   PORT 0 or none: the kernel picks a free port. DOWNSTREAM (host:port):
//   where GetReport reads the events from; by default this server itself
//   (over TLS when the server has a certificate: it must then name
//   127.0.0.1, which the client side verifies against FILE: a chain that
//   ends with the CA, when a CA signed it).
//   --tls-cert/--tls-key: PEM certificate chain and key; TLS with ALPN h2.
//   --cors-origin: a page origin ("https://localhost:8443", or "*") allowed
//   to call from a browser; repeatable. None: same-origin pages only.
// SIGINT or SIGTERM shuts it down gracefully.
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/server.hpp>

#include "analytics_service.h2pb.grpc.hpp"

namespace av1 = analytics::v1;
namespace net = h2pb::h2::asio::net;
namespace rpc = h2pb::rpc;
namespace ra = h2pb::rpc::asio;
using namespace std::chrono_literals;

/// The events in the store (a real service would ask a database).
struct stored_event {
    const char* id;
    const char* type;
    std::int64_t timestamp;
};
constexpr stored_event stored_events[] = {
    {"abc123", "click", 1710000000},
    {"abd456", "view", 1720000000},
    {"abe789", "click", 1730000000},
    {"abf012", "purchase", 1740000000},
};

/// StreamEvents sends one event per event_pace, as the article's server
/// sleeps between log entries: it makes a whole report take measurably long
/// (4 events: at least 400 ms), so that a short deadline visibly expires.
constexpr auto event_pace = 100ms;

/// GetReport does not start a downstream call with less time left than this:
/// the caller would have given up before the answer came back.
constexpr auto min_time_for_report = 20ms;

/// Test-only: the longest stream StreamEvents{event_type: "bulk:N"} sends
/// (tests/interop/grpcweb's 1,000-message stream; a bound, so a request
/// cannot ask for an endless one).
constexpr std::uint64_t max_bulk_events = 100000;

/// The article's _validate_token: "Bearer " and more than 50 characters.
bool valid_token(std::string_view token) {
    return token.starts_with("Bearer ") && token.size() > 50;
}

/// The article's AuthInterceptor: runs before every handler; a non-OK
/// status ends the call before the handler runs.
ra::awaitable<rpc::status> require_token(ra::server_context& ctx) {
    const std::optional<std::string_view> token = ctx.client_metadata().get("authorization");
    if (!token || !valid_token(*token))
        co_return rpc::status{rpc::status_code::unauthenticated, "Invalid or missing auth token"};
    ctx.auth_identity = *token;  // the handlers pass it on downstream
    co_return rpc::status{};
}

/// A rule-based stand-in for the article's ml_model.classify_event.
struct classification {
    const char* category;
    float confidence;
};
classification classify_event(std::string_view type) {
    if (type == "purchase") return {"conversion", 0.95F};
    if (type == "page_view") return {"browsing", 0.80F};
    if (type == "click") return {"interaction", 0.70F};
    return {"unknown", 0.0F};
}

class analytics_service final : public av1::AnalyticsService {
  public:
    /// Where GetReport reads its events from (host:port), and how.
    ra::channel_options downstream_options;
    /// Where GetReport reads its events from (host:port).
    std::string downstream_target;

    // ---- server streaming: yield events until the client goes away
    awaitable<status> StreamEvents(const StreamEvents_request& filter,
                                   server_writer<StreamEvents_response>& writer,
                                   server_context& context) override {
        // Test-only, not in the article: "bulk:N" streams N made-up events
        // at once (tests/interop/grpcweb/cases.mjs, the stream of
        // 1,000 messages; the store has four).
        if (filter.event_type.starts_with("bulk:")) {
            const std::string_view digits = std::string_view(filter.event_type).substr(5);
            std::uint64_t n = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
            if (ec != std::errc{} || end != digits.data() + digits.size() || n > max_bulk_events)
                co_return status{status_code::invalid_argument,
                                 "bulk:N takes N up to " + std::to_string(max_bulk_events)};
            for (std::uint64_t i = 0; i < n; ++i) {
                av1::Event out;
                out.event_id = "bulk-" + std::to_string(i);
                out.event_type = "bulk";
                out.timestamp = static_cast<std::int64_t>(i);
                out.properties["seq"] = std::to_string(i);
                const bool sent = co_await writer.write(out);
                if (!sent) break;
            }
            co_return status{};
        }
        net::steady_timer pace(co_await net::this_coro::executor);
        for (const stored_event& e : stored_events) {
            if (!filter.event_type.empty() && filter.event_type != e.type) continue;
            pace.expires_after(event_pace);
            co_await pace.async_wait(net::use_awaitable);
            // Check if the client has cancelled (or its deadline passed).
            if (context.is_cancelled()) {
                std::cout << "StreamEvents: the caller gave up" << std::endl;
                co_return status{status_code::cancelled};
            }
            av1::Event out;
            out.event_id = e.id;
            out.event_type = e.type;
            out.timestamp = e.timestamp;
            const bool sent = co_await writer.write(out);
            if (!sent) break;  // the call is gone
        }
        co_return status{};
    }

    // ---- unary, with a downstream call that inherits the deadline
    awaitable<result<GetReport_response>> GetReport(const GetReport_request& request,
                                                    server_context& context) override {
        if (request.report_id.empty())
            co_return status{status_code::invalid_argument, "report_id is empty"};
        // Honour the deadline: do not start what the caller will not wait for.
        if (context.time_remaining() < min_time_for_report)
            co_return status{status_code::deadline_exceeded, "no time left for a report"};

        // The downstream call: the time that remains goes with it as its
        // grpc-timeout, so it gives up when our caller gives up.
        ra::call_options downstream;
        downstream.propagate_from(context);
        downstream.md.add("authorization", context.auth_identity);
        const ra::executor ex = co_await net::this_coro::executor;
        const StreamEvents_request all;  // no filter: every event
        auto events = co_await store(ex).StreamEvents(all, downstream);

        GetReport_response response;
        response.report_id = request.report_id;
        for (;;) {
            av1::Event e;
            const bool got = co_await events.read(e);
            if (!got) break;
            if (e.timestamp >= request.start_timestamp && e.timestamp < request.end_timestamp)
                response.events.push_back(std::move(e));
        }
        const status downstream_status = co_await events.finish();
        if (!downstream_status.ok()) {
            std::cout << "GetReport: downstream StreamEvents ended "
                      << rpc::name(downstream_status.code) << std::endl;
            co_return downstream_status;
        }
        co_return response;
    }

    // ---- client streaming: read them all, answer once
    awaitable<result<UploadBatch_response>> UploadBatch(server_reader<UploadBatch_request>& reader,
                                                        server_context& /*context*/) override {
        UploadBatch_response summary;
        UploadBatch_request raw;
        for (;;) {
            const bool got = co_await reader.read(raw);
            if (!got) break;
            ++summary.received;
        }
        if (reader.decode_failed()) co_return status{status_code::internal, "bad RawEvent"};
        co_return summary;
    }

    // ---- bidi streaming: one result per event, as each arrives
    awaitable<status> ProcessPipeline(server_reader<ProcessPipeline_request>& reader,
                                      server_writer<ProcessPipeline_response>& writer,
                                      server_context& /*context*/) override {
        ProcessPipeline_request event;
        for (;;) {
            const bool got = co_await reader.read(event);
            if (!got) break;
            // payload: "ID TYPE", e.g. "e001 purchase"
            const std::string_view payload = event.payload;
            const std::size_t space = payload.find(' ');
            const std::string_view id = payload.substr(0, space);
            const std::string_view type =
                space == std::string_view::npos ? std::string_view() : payload.substr(space + 1);
            const classification c = classify_event(type);
            ProcessPipeline_response result;
            result.event_id = id;
            result.category = c.category;
            result.confidence = c.confidence;
            const bool sent = co_await writer.write(result);
            if (!sent) break;
        }
        co_return status{};
    }

  private:
    /// The downstream stub, made on the first call on the handler's executor
    /// (the server runs one thread, so there is one; a channel is used on
    /// the executor it was made with).
    stub<ra::channel>& store(const ra::executor& ex) {
        if (!store_channel_) {
            store_channel_ =
                std::make_unique<ra::channel>(ex, downstream_target, downstream_options);
            store_stub_.emplace(*store_channel_);
        }
        return *store_stub_;
    }
    std::unique_ptr<ra::channel> store_channel_;
    std::optional<stub<ra::channel>> store_stub_;
};

int main(int argc, char** argv) try {
    ra::server_options options;  // h2c on 127.0.0.1, one thread
    std::string cert, key;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--tls-cert" && has_value) {
            cert = argv[++i];
        } else if (a == "--tls-key" && has_value) {
            key = argv[++i];
        } else if (a == "--cors-origin" && has_value) {
            options.grpc_web.allowed_origins.emplace_back(argv[++i]);
        } else if (a.starts_with("--")) {
            std::cerr << "unknown option or missing value: " << a << '\n';
            return 2;
        } else {
            positional.emplace_back(a);
        }
    }
    if (cert.empty() != key.empty()) {
        std::cerr << "--tls-cert and --tls-key go together\n";
        return 2;
    }
    if (!cert.empty()) {
        h2pb::h2::asio::tls_server_options tls;
        tls.credentials.cert_file = cert;
        tls.credentials.key_file = key;
        auto ctx = h2pb::h2::asio::make_server_context(tls);
        if (!ctx) {
            std::cerr << "TLS: " << ctx.error() << '\n';
            return 1;
        }
        options.http.tls = *ctx;
    }
    options.http.port =
        static_cast<std::uint16_t>(!positional.empty() ? std::atoi(positional[0].c_str()) : 0);
    // gRPC-Web is on by default (server_options::grpc_web.enabled); CORS
    // only for the origins given.
    ra::server server(options);
    analytics_service service;
    server.add_service(service);
    server.enable_reflection();  // grpc.reflection.v1 and v1alpha: `h2pb call ... list`
    server.add_interceptor(require_token);
    if (auto error = server.listen()) {
        std::cerr << *error << '\n';
        return 1;
    }
    if (positional.size() > 1) {
        service.downstream_target = positional[1];
    } else {
        service.downstream_target = "127.0.0.1:" + std::to_string(server.port());
        if (!cert.empty()) {  // this server itself, over its TLS
            service.downstream_options.use_tls = true;
            service.downstream_options.ca_file = cert;
        }
    }
    std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;

    // SIGINT or SIGTERM: graceful shutdown (GOAWAY; calls in flight get 5 s).
    net::io_context main_io;
    net::signal_set signals(main_io, SIGINT, SIGTERM);
    signals.async_wait([&](const h2pb::h2::asio::error_code_t&, int) {
        server.shutdown(std::chrono::seconds(5));
    });

    server.start();  // the server's own thread runs it from here
    main_io.run();   // until the signal
    server.join();
    std::cout << "stopped" << std::endl;
} catch (const std::exception& e) {  // out of memory, no more sockets...
    std::cerr << e.what() << '\n';
    return 1;
}
