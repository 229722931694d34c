// Compile-time benchmark, shape "h2_connection" (compile_bench.py): a sans-IO
// HTTP/2 client and server (RFC 9113) exchange one gRPC-shaped call in
// memory: request HEADERS + DATA, response HEADERS + DATA + trailers, each
// side handing the other its output gather list. Same work as
// h2_connection_nghttp2.cpp.
#include <chrono>
#include <cstdio>
#include <string_view>

#include <h2pb/h2/connection.hpp>

namespace h2 = h2pb::h2;
namespace hpack = h2pb::hpack;
namespace wire = h2pb::wire;

namespace {
const hpack::field request_fields[] = {
    {":method", "POST"},
    {":scheme", "http"},
    {":path", "/analytics.v1.AnalyticsService/GetReport"},
    {":authority", "localhost:50051"},
    {"content-type", "application/grpc"},
    {"te", "trailers"},
};
const hpack::field response_fields[] = {{":status", "200"}, {"content-type", "application/grpc"}};
const hpack::field trailer_fields[] = {{"grpc-status", "0"}};
// A gRPC message: 5-byte prefix (flag, length 8), then the protobuf bytes.
constexpr char body_octets[] = "\0\0\0\0\x08\x0a\x06weekly";
constexpr std::string_view body(body_octets, sizeof body_octets - 1);

/// Moves everything `from` wants to send into `to`.
template <class Handler>
void transfer(h2::connection& from, h2::connection& to, h2::time_point now, Handler& handler) {
    while (from.want_write()) {
        std::size_t n = 0;
        for (wire::bytes_view b : from.output()) {
            to.receive(b, now, handler);
            n += b.size();
        }
        from.consume_output(n);
    }
}

struct server_handler {
    h2::connection* c;
    void operator()(const h2::data_received& e) {
        c->consume(e.stream_id, e.data.size());
        if (!e.end_stream) return;
        (void)c->submit_response(e.stream_id, response_fields, false);
        (void)c->send_data(e.stream_id, wire::as_bytes(body), false);
        (void)c->submit_trailers(e.stream_id, trailer_fields);
    }
    void operator()(const h2::headers_received& e) {
        std::printf("server: %zu request fields\n", e.fields.size());
    }
    void operator()(const auto&) {}
};

struct client_handler {
    h2::connection* c;
    std::size_t received = 0;
    bool finished = false;
    void operator()(const h2::data_received& e) {
        c->consume(e.stream_id, e.data.size());
        received += e.data.size();
    }
    void operator()(const h2::headers_received& e) {
        if (e.kind == h2::section_kind::trailers) finished = true;
    }
    void operator()(const auto&) {}
};
}  // namespace

int main() {
    const h2::time_point now = h2::clock::now();
    h2::connection client(h2::role::client, now);
    h2::connection server(h2::role::server, now);
    client_handler ch{&client};
    server_handler sh{&server};
    auto id = client.submit_request(request_fields, false);
    if (!id) return 1;
    (void)client.send_data(*id, wire::as_bytes(body), true);
    for (int i = 0; i < 3; ++i) {
        transfer(client, server, now, sh);
        transfer(server, client, now, ch);
    }
    std::printf("client: %zu body octets, %s\n", ch.received,
                ch.finished ? "trailers" : "no trailers");
    return ch.finished && ch.received == body.size() ? 0 : 1;
}
