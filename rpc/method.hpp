// h2pb::rpc — what kind of call a method is, and its descriptor.
//
// A .proto `rpc` line names one of four kinds by where it says `stream`:
//
//   rpc GetReport(ReportRequest) returns (Report);                  unary
//   rpc StreamEvents(Filter) returns (stream Event);                server streaming
//   rpc UploadBatch(stream Event) returns (Summary);                client streaming
//   rpc ProcessPipeline(stream Step) returns (stream Result);       bidirectional streaming
//
// On the wire every kind is the same: one HTTP/2 stream, :path
// "/package.Service/Method", messages each way. The kind only says how many
// messages each side may send (exactly one, or any number).
#pragma once

#include <cstdint>
#include <string_view>

namespace h2pb::rpc {

enum class method_kind : std::uint8_t {
    unary,             ///< one request, one response
    server_streaming,  ///< one request, any number of responses
    client_streaming,  ///< any number of requests, one response
    bidi_streaming,    ///< any number each way, interleaved as the application likes
};

constexpr std::string_view name(method_kind k) noexcept {
    switch (k) {
        case method_kind::unary:
            return "unary";
        case method_kind::server_streaming:
            return "server streaming";
        case method_kind::client_streaming:
            return "client streaming";
        case method_kind::bidi_streaming:
            return "bidi streaming";
    }
    return "unknown";
}

/// The client sends exactly one message.
constexpr bool client_sends_one(method_kind k) noexcept {
    return k == method_kind::unary || k == method_kind::server_streaming;
}
/// The server sends exactly one message (on success).
constexpr bool server_sends_one(method_kind k) noexcept {
    return k == method_kind::unary || k == method_kind::client_streaming;
}

/// A method as generated code describes it: the full path and the kind.
struct method_descriptor {
    std::string_view path;     ///< "/analytics.AnalyticsService/GetReport"
    std::string_view service;  ///< "analytics.AnalyticsService"
    std::string_view method;   ///< "GetReport"
    method_kind kind = method_kind::unary;
};

}  // namespace h2pb::rpc
