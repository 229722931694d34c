// Compile-time benchmark, shape "h2_connection", reference: the same
// in-memory exchange as h2_connection_h2pb.cpp on two nghttp2 sessions
// driven with nghttp2_session_mem_send / nghttp2_session_mem_recv.
#include <cstdio>
#include <cstring>
#include <string_view>

#include <nghttp2/nghttp2.h>

namespace {
nghttp2_nv nv(const char* name, const char* value) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name)),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value)), std::strlen(name),
            std::strlen(value), NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
}
nghttp2_nv request_fields[] = {
    nv(":method", "POST"),
    nv(":scheme", "http"),
    nv(":path", "/analytics.v1.AnalyticsService/GetReport"),
    nv(":authority", "localhost:50051"),
    nv("content-type", "application/grpc"),
    nv("te", "trailers"),
};
nghttp2_nv response_fields[] = {nv(":status", "200"), nv("content-type", "application/grpc")};
nghttp2_nv trailer_fields[] = {nv("grpc-status", "0")};
// A gRPC message: 5-byte prefix (flag, length 8), then the protobuf bytes.
constexpr char body_octets[] = "\0\0\0\0\x08\x0a\x06weekly";
constexpr std::string_view body(body_octets, sizeof body_octets - 1);

struct peer {
    nghttp2_session* session = nullptr;
    std::size_t body_sent = 0;
    std::size_t received = 0;
    bool finished = false;
    bool server = false;
};

ssize_t read_body(nghttp2_session* session, std::int32_t stream_id, std::uint8_t* buf,
                  std::size_t length, std::uint32_t* flags, nghttp2_data_source*, void* user) {
    auto* p = static_cast<peer*>(user);
    const std::size_t n = std::min(length, body.size() - p->body_sent);
    std::memcpy(buf, body.data() + p->body_sent, n);
    p->body_sent += n;
    if (p->body_sent == body.size()) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (p->server) {
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            nghttp2_submit_trailer(session, stream_id, trailer_fields, 1);
        }
    }
    return static_cast<ssize_t>(n);
}

int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    auto* p = static_cast<peer*>(user);
    if (p->server && frame->hd.type == NGHTTP2_DATA &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        nghttp2_data_provider prd{};
        prd.read_callback = read_body;
        nghttp2_submit_response(session, frame->hd.stream_id, response_fields, 2, &prd);
    }
    if (p->server && frame->hd.type == NGHTTP2_HEADERS) std::printf("server: request headers\n");
    if (!p->server && frame->hd.type == NGHTTP2_HEADERS &&
        frame->headers.cat == NGHTTP2_HCAT_HEADERS)
        p->finished = true;  // the trailers
    return 0;
}

int on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t, const std::uint8_t*,
                  std::size_t len, void* user) {
    static_cast<peer*>(user)->received += len;
    return 0;
}

void transfer(peer& from, peer& to) {
    for (;;) {
        const std::uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(from.session, &data);
        if (n <= 0) return;
        nghttp2_session_mem_recv(to.session, data, static_cast<std::size_t>(n));
    }
}
}  // namespace

int main() {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
    peer client, server;
    server.server = true;
    nghttp2_session_client_new(&client.session, cbs, &client);
    nghttp2_session_server_new(&server.session, cbs, &server);
    nghttp2_submit_settings(client.session, NGHTTP2_FLAG_NONE, nullptr, 0);
    nghttp2_submit_settings(server.session, NGHTTP2_FLAG_NONE, nullptr, 0);
    nghttp2_data_provider prd{};
    prd.read_callback = read_body;
    if (nghttp2_submit_request(client.session, nullptr, request_fields, 6, &prd, nullptr) < 0)
        return 1;
    for (int i = 0; i < 3; ++i) {
        transfer(client, server);
        transfer(server, client);
    }
    std::printf("client: %zu body octets, %s\n", client.received,
                client.finished ? "trailers" : "no trailers");
    const bool ok = client.finished && client.received == body.size();
    nghttp2_session_del(client.session);
    nghttp2_session_del(server.session);
    nghttp2_session_callbacks_del(cbs);
    return ok ? 0 : 1;
}
