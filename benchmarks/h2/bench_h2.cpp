// The sans-IO HTTP/2 core side by side with nghttp2's session API, in one
// binary: a client and a server connection wired back to back in memory.
//
//   exchange_small/h2pb     one request/response exchange per iteration, as a
//   exchange_small/nghttp2  unary gRPC call makes it: request HEADERS (small
//                           headers), a 100-byte DATA with END_STREAM; response
//                           HEADERS, a 100-byte DATA, trailers with END_STREAM.
//                           Windows are replenished (consume() / nghttp2's
//                           automatic WINDOW_UPDATE). items_per_second =
//                           exchanges per second.
//   bulk_16k/h2pb           1 MiB of DATA per iteration from client to server
//   bulk_16k/nghttp2        on one stream, in 16 KiB frames, the server
//                           consuming as it receives. bytes_per_second.
//   bulk_16k_copy/h2pb      the same with h2pb copying the payload into its
//   bulk_16k_copy/nghttp2   output (data_ownership::copy) as nghttp2 does.
//
// nghttp2 is driven with nghttp2_session_mem_send / nghttp2_session_mem_recv
// (its buffer is handed to the peer session without a copy); its bodies come
// from a data provider, which copies into nghttp2's frame buffer. h2pb hands
// its output gather list to the peer's receive() piece by piece (no copy);
// the bulk payload is sent with data_ownership::borrow (referenced, not
// copied), the small bodies are copied (under 512 octets h2pb always copies).
//
// Allocations: malloc, calloc and realloc are counted for the whole process
// (both libraries, and C++ new which goes through malloc); the counters
// allocs_per_exchange / allocs_per_frame are taken over the timed loop after
// a warm-up, i.e. in steady state.
#include <benchmark/benchmark.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <h2pb/h2/connection.hpp>

#include "count_allocations.hpp"

namespace {

using namespace h2pb;

const std::string small_body(100, 'm');
const std::string bulk_chunk(1 << 20, 'B');
constexpr std::size_t bulk_per_iteration = 1 << 20;
// RFC 9113 section 6.5.2: the initial SETTINGS_MAX_FRAME_SIZE (neither side
// raises it here), so a bulk iteration is this many full DATA frames.
constexpr std::size_t default_max_frame_size = 16384;
constexpr std::size_t frames_per_iteration = bulk_per_iteration / default_max_frame_size;

// ---------------------------------------------------------------- h2pb

const hpack::field request_fields[] = {
    {":method", "POST"},
    {":scheme", "http"},
    {":path", "/analytics.v1.AnalyticsService/GetReport"},
    {":authority", "localhost:50051"},
    {"content-type", "application/grpc"},
    {"te", "trailers"},
    {"grpc-timeout", "1S"},
};
const hpack::field response_fields[] = {{":status", "200"}, {"content-type", "application/grpc"}};
const hpack::field trailer_fields[] = {{"grpc-status", "0"}};

/// Moves everything `from` wants to send into `to`, piece by piece.
template <class H>
void transfer(h2::connection& from, h2::connection& to, h2::time_point now, H& handler) {
    while (from.want_write()) {
        std::size_t n = 0;
        for (wire::bytes_view b : from.output()) {
            to.receive(b, now, handler);
            n += b.size();
        }
        from.consume_output(n);
    }
}

struct h2pb_server_handler {
    h2::connection* c = nullptr;
    std::size_t received = 0;
    void operator()(const h2::data_received& e) {
        c->consume(e.stream_id, e.data.size());
        received += e.data.size();
        if (!e.end_stream) return;
        (void)c->submit_response(e.stream_id, response_fields, false);
        (void)c->send_data(e.stream_id, wire::as_bytes(small_body), false);
        (void)c->submit_trailers(e.stream_id, trailer_fields);
    }
    void operator()(const auto&) {}
};

struct h2pb_client_handler {
    h2::connection* c = nullptr;
    std::size_t received = 0;
    std::size_t finished = 0;
    void operator()(const h2::data_received& e) {
        c->consume(e.stream_id, e.data.size());
        received += e.data.size();
    }
    void operator()(const h2::headers_received& e) {
        if (e.kind == h2::section_kind::trailers) ++finished;
    }
    void operator()(const auto&) {}
};

struct h2pb_pair {
    h2::time_point now = h2::time_point{} + std::chrono::seconds(1);
    h2::connection client;
    h2::connection server;
    h2pb_client_handler ch{&client};
    h2pb_server_handler sh{&server};
    explicit h2pb_pair(const h2::connection_options& co = {}, const h2::connection_options& so = {})
        : client(h2::role::client, h2::time_point{} + std::chrono::seconds(1), co),
          server(h2::role::server, h2::time_point{} + std::chrono::seconds(1), so) {
        for (int i = 0; i < 3; ++i) {
            transfer(client, server, now, sh);
            transfer(server, client, now, ch);
        }
    }
    void exchange() {
        auto id = client.submit_request(request_fields, false);
        (void)client.send_data(*id, wire::as_bytes(small_body), true);
        transfer(client, server, now, sh);
        transfer(server, client, now, ch);
    }
};

void exchange_small_h2pb(benchmark::State& state) {
    auto pair = std::make_unique<h2pb_pair>();
    for (int i = 0; i < 100; ++i) pair->exchange();  // warm up: buffers reach their size
    const auto allocs0 = h2pb_bench::allocations();
    std::size_t done = 0;
    for (auto _ : state) {
        pair->exchange();
        ++done;
        if (pair->client.active_streams() != 0) state.SkipWithError("exchange did not complete");
    }
    const auto allocs = h2pb_bench::allocations() - allocs0;
    state.SetItemsProcessed(static_cast<std::int64_t>(done));
    state.counters["allocs_per_exchange"] =
        static_cast<double>(allocs) / static_cast<double>(done ? done : 1);
    if (pair->ch.finished < done) state.SkipWithError("responses missing");
}

void bulk_16k_h2pb(benchmark::State& state, h2::data_ownership own) {
    h2::connection_options big;
    big.initial_window_size = 16 << 20;
    big.connection_window_size = 16 << 20;
    h2::connection_options sender;
    sender.limits.max_output_buffered = 4 << 20;
    h2pb_pair pair(sender, big);
    auto id = *pair.client.submit_request(request_fields, false);
    auto send_mib = [&] {
        std::size_t sent = 0;
        while (sent < bulk_per_iteration) {
            // Borrowed payloads are offered all at once; copied ones in the
            // pieces a driver would write per socket write, so that the copy
            // goes to a buffer that stays in cache.
            const std::size_t piece =
                own == h2::data_ownership::borrow
                    ? bulk_per_iteration - sent
                    : std::min(default_max_frame_size, bulk_per_iteration - sent);
            auto n = pair.client.send_data(id, wire::as_bytes(bulk_chunk).subspan(sent, piece),
                                           false, own);
            sent += *n;
            transfer(pair.client, pair.server, pair.now, pair.sh);
            transfer(pair.server, pair.client, pair.now, pair.ch);  // WINDOW_UPDATEs
        }
    };
    for (int i = 0; i < 4; ++i) send_mib();
    const std::size_t received0 = pair.sh.received;
    const auto allocs0 = h2pb_bench::allocations();
    std::size_t iterations = 0;
    for (auto _ : state) {
        send_mib();
        ++iterations;
    }
    const auto allocs = h2pb_bench::allocations() - allocs0;
    state.SetBytesProcessed(static_cast<std::int64_t>(iterations * bulk_per_iteration));
    state.counters["allocs_per_frame"] =
        static_cast<double>(allocs) / static_cast<double>(iterations * frames_per_iteration + 1);
    if (pair.sh.received - received0 != iterations * bulk_per_iteration)
        state.SkipWithError("bytes missing");
}
void bulk_16k_h2pb_borrow(benchmark::State& state) {
    bulk_16k_h2pb(state, h2::data_ownership::borrow);
}
void bulk_16k_h2pb_copy(benchmark::State& state) {
    bulk_16k_h2pb(state, h2::data_ownership::copy);
}

// ---------------------------------------------------------------- nghttp2

nghttp2_nv nv(const char* name, const char* value) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name)),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value)), std::strlen(name),
            std::strlen(value), NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
}
std::vector<nghttp2_nv> ng_request = {
    nv(":method", "POST"),
    nv(":scheme", "http"),
    nv(":path", "/analytics.v1.AnalyticsService/GetReport"),
    nv(":authority", "localhost:50051"),
    nv("content-type", "application/grpc"),
    nv("te", "trailers"),
    nv("grpc-timeout", "1S"),
};
std::vector<nghttp2_nv> ng_response = {nv(":status", "200"),
                                       nv("content-type", "application/grpc")};
std::vector<nghttp2_nv> ng_trailers = {nv("grpc-status", "0")};

struct ng_side {
    nghttp2_session* session = nullptr;
    bool server = false;
    std::size_t received = 0;
    std::size_t finished = 0;
    std::size_t bulk_quota = 0;  ///< bulk: octets the data provider may still produce
};

ssize_t small_body_read(nghttp2_session* session, std::int32_t stream_id, std::uint8_t* buf,
                        std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                        void* user) {
    auto* side = static_cast<ng_side*>(user);
    const std::size_t n = std::min(length, small_body.size());
    std::copy_n(small_body.data(), n, buf);
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (side->server) {  // the response ends with trailers
        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_submit_trailer(session, stream_id, ng_trailers.data(), ng_trailers.size());
    }
    return static_cast<ssize_t>(n);
}

ssize_t bulk_read(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                  std::uint32_t*, nghttp2_data_source*, void* user) {
    auto* side = static_cast<ng_side*>(user);
    if (side->bulk_quota == 0) return NGHTTP2_ERR_DEFERRED;
    const std::size_t n = std::min(length, side->bulk_quota);
    // The same source octets as h2pb's: the 1 MiB buffer, front to back.
    std::memcpy(buf, bulk_chunk.data() + (bulk_per_iteration - side->bulk_quota), n);
    side->bulk_quota -= n;
    return static_cast<ssize_t>(n);
}

int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    auto* side = static_cast<ng_side*>(user);
    if (side->server && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
        (frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS)) {
        nghttp2_data_provider prd{};
        prd.read_callback = small_body_read;
        nghttp2_submit_response(session, frame->hd.stream_id, ng_response.data(),
                                ng_response.size(), &prd);
    }
    if (!side->server && frame->hd.type == NGHTTP2_HEADERS &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        ++side->finished;
    return 0;
}

int on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t, const std::uint8_t*,
                  std::size_t len, void* user) {
    static_cast<ng_side*>(user)->received += len;
    return 0;
}

int on_header(nghttp2_session*, const nghttp2_frame*, const std::uint8_t*, std::size_t,
              const std::uint8_t*, std::size_t, std::uint8_t, void*) {
    return 0;  // fields are delivered one by one; a gRPC layer would look at them here
}

void ng_transfer(ng_side& from, ng_side& to) {
    for (;;) {
        const std::uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(from.session, &data);
        if (n <= 0) return;
        nghttp2_session_mem_recv(to.session, data, static_cast<std::size_t>(n));
    }
}

struct ng_pair {
    ng_side client, server;
    nghttp2_session_callbacks* cbs = nullptr;
    explicit ng_pair(std::uint32_t window = 65535) {
        nghttp2_session_callbacks_new(&cbs);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
        nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
        server.server = true;
        nghttp2_session_client_new(&client.session, cbs, &client);
        nghttp2_session_server_new(&server.session, cbs, &server);
        nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
                                       {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window}};
        nghttp2_submit_settings(client.session, NGHTTP2_FLAG_NONE, iv, 2);
        nghttp2_submit_settings(server.session, NGHTTP2_FLAG_NONE, iv, 2);
        if (window > 65535) {
            nghttp2_session_set_local_window_size(server.session, NGHTTP2_FLAG_NONE, 0,
                                                  static_cast<std::int32_t>(window));
            nghttp2_session_set_local_window_size(client.session, NGHTTP2_FLAG_NONE, 0,
                                                  static_cast<std::int32_t>(window));
        }
        for (int i = 0; i < 3; ++i) {
            ng_transfer(client, server);
            ng_transfer(server, client);
        }
    }
    ~ng_pair() {
        nghttp2_session_del(client.session);
        nghttp2_session_del(server.session);
        nghttp2_session_callbacks_del(cbs);
    }
    void exchange() {
        nghttp2_data_provider prd{};
        prd.read_callback = small_body_read;
        nghttp2_submit_request(client.session, nullptr, ng_request.data(), ng_request.size(), &prd,
                               nullptr);
        ng_transfer(client, server);
        ng_transfer(server, client);
    }
};

void exchange_small_nghttp2(benchmark::State& state) {
    ng_pair pair;
    for (int i = 0; i < 100; ++i) pair.exchange();
    const auto allocs0 = h2pb_bench::allocations();
    const std::size_t finished0 = pair.client.finished;
    std::size_t done = 0;
    for (auto _ : state) {
        pair.exchange();
        ++done;
    }
    const auto allocs = h2pb_bench::allocations() - allocs0;
    state.SetItemsProcessed(static_cast<std::int64_t>(done));
    state.counters["allocs_per_exchange"] =
        static_cast<double>(allocs) / static_cast<double>(done ? done : 1);
    if (pair.client.finished - finished0 < done) state.SkipWithError("responses missing");
}

void bulk_16k_nghttp2(benchmark::State& state) {
    ng_pair pair(16 << 20);
    nghttp2_data_provider prd{};
    prd.read_callback = bulk_read;
    const std::int32_t id = nghttp2_submit_request(pair.client.session, nullptr, ng_request.data(),
                                                   ng_request.size(), &prd, nullptr);
    auto send_mib = [&] {
        pair.client.bulk_quota = bulk_per_iteration;
        nghttp2_session_resume_data(pair.client.session, id);
        while (pair.client.bulk_quota > 0 || nghttp2_session_want_write(pair.client.session)) {
            ng_transfer(pair.client, pair.server);
            ng_transfer(pair.server, pair.client);
            if (pair.client.bulk_quota > 0) nghttp2_session_resume_data(pair.client.session, id);
        }
    };
    for (int i = 0; i < 4; ++i) send_mib();
    const std::size_t received0 = pair.server.received;
    const auto allocs0 = h2pb_bench::allocations();
    std::size_t iterations = 0;
    for (auto _ : state) {
        send_mib();
        ++iterations;
    }
    const auto allocs = h2pb_bench::allocations() - allocs0;
    state.SetBytesProcessed(static_cast<std::int64_t>(iterations * bulk_per_iteration));
    state.counters["allocs_per_frame"] =
        static_cast<double>(allocs) / static_cast<double>(iterations * frames_per_iteration + 1);
    if (pair.server.received - received0 != iterations * bulk_per_iteration)
        state.SkipWithError("bytes missing");
}

}  // namespace

BENCHMARK(exchange_small_h2pb)->Name("exchange_small/h2pb");
BENCHMARK(exchange_small_nghttp2)->Name("exchange_small/nghttp2");
BENCHMARK(bulk_16k_h2pb_borrow)->Name("bulk_16k/h2pb");
BENCHMARK(bulk_16k_nghttp2)->Name("bulk_16k/nghttp2");
// The same transfer with h2pb copying the payload into its output, as
// nghttp2's data provider does: the ratio without the zero-copy advantage.
BENCHMARK(bulk_16k_h2pb_copy)->Name("bulk_16k_copy/h2pb");
BENCHMARK(bulk_16k_nghttp2)->Name("bulk_16k_copy/nghttp2");

BENCHMARK_MAIN();
