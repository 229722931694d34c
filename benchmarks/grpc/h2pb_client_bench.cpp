// h2pb_client_bench: the h2pb side of the gRPC client benchmark
// (benchmarks/grpc/client_vs.py): the load of grpc_cpp_client.cpp, with the
// same flags and the same JSON output, on h2pb's client
// (rpc::asio::channel, rpc/asio/channel.hpp), against any
// grpc.testing.TestService server.
//
//   h2pb_client_bench --target HOST:PORT [--mode unary|stream] [--channels N]
//       [--calls M] [--seconds D] [--warmup W] [--threads T] [--size BYTES]
//       [--per-call K]
//
// N channels (each one HTTP/2 connection, made on its first call), M
// coroutines per channel, each making calls one after the other (a closed
// loop): unary SimpleRequest{response_size: BYTES, payload.body: BYTES zero
// octets}, or StreamingOutputCall for K responses of BYTES octets, counting
// messages. Every call must end OK with BYTES-octet payloads, or exit 1.
//
// Threads: T io_contexts, each run by one thread, the channels spread over
// them round-robin (a channel and its calls live on one executor). The
// benchmark gives both clients the same T (client_vs.py: 1, on a 2-core
// machine whose other core is the server's); grpc C++ adds its own timer and
// executor threads on top, which no setting removes.
//
// Timing as grpc_cpp_client: W seconds of warm-up, then D measured seconds in
// which completed calls (messages) count; CPU time from getrusage
// (RUSAGE_SELF: every thread, user + system) at both ends of the window.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <h2pb/rpc/asio/channel.hpp>

#include "grpc/testing/test.h2pb.grpc.hpp"

namespace {

namespace gt = ::grpc::testing;
namespace ra = ::h2pb::rpc::asio;
namespace net = ::h2pb::h2::asio::net;
using ra::awaitable;
using clock_type = std::chrono::steady_clock;

// Defaults and bounds: those of grpc_cpp_client.cpp (the same load).
constexpr long kDefaultChannels = 8;
constexpr long kDefaultCalls = 32;
constexpr long kDefaultSize = 100;
constexpr long kDefaultPerCall = 10000;
constexpr long kMaxPerCall = 1000000;
constexpr long kMaxChannels = 1024;
constexpr long kMaxCalls = 100000;
constexpr long kMaxThreads = 64;
constexpr long kMaxSize = 4 * 1024 * 1024 - 64;

[[noreturn]] void usage(const char* error) {
    std::fprintf(stderr,
                 "h2pb_client_bench: %s\n"
                 "usage: h2pb_client_bench --target HOST:PORT [--mode unary|stream] "
                 "[--channels N] [--calls M] [--seconds D] [--warmup W] [--threads T] "
                 "[--size BYTES] [--per-call K]\n",
                 error);
    std::exit(2);
}

long number_arg(int argc, char** argv, int& i, long low, long high) {
    if (i + 1 >= argc) usage("a flag is missing its value");
    char* end = nullptr;
    const long v = std::strtol(argv[++i], &end, 10);
    if (*end != '\0' || v < low || v > high) usage("a number is out of range");
    return v;
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

enum phase : int { warmup = 0, measure = 1, stop = 2 };
std::atomic<int> g_phase{warmup};
std::atomic<bool> g_failed{false};

void fail(const std::string& what) {
    if (!g_failed.exchange(true)) std::fprintf(stderr, "h2pb_client_bench: %s\n", what.c_str());
}

bool running() {
    return g_phase.load(std::memory_order_relaxed) != stop && !g_failed.load();
}

struct slot_stats {
    long count = 0;
    std::vector<std::uint32_t> lat_us;
};

/// One channel and the coroutines that use it; the last to end closes it.
struct channel_group {
    channel_group(const ra::executor& ex, const std::string& target) : ch(ex, target) {}
    ra::channel ch;
    long live = 0;
    void ended() {
        if (--live == 0) ch.close();
    }
};

// Coroutine functions take their arguments by value (Asio 1.18's co_spawn
// of a capturing lambda loses the captures); requests are named variables,
// never temporaries in a co_await expression (g++ 12).
awaitable<void> unary_loop(channel_group* g, slot_stats* st, long size) {
    gt::SimpleRequest req;
    req.response_size = static_cast<std::int32_t>(size);
    req.payload.ensure().body.assign(static_cast<std::size_t>(size), '\0');
    const ra::call_options opts{};
    while (running()) {
        const auto t0 = clock_type::now();
        auto r = co_await g->ch.unary<gt::SimpleRequest, gt::SimpleResponse>(
            gt::TestService::UnaryCall_method, req, opts);
        if (!r) {
            fail("UnaryCall: " + r.status().to_string());
            break;
        }
        const std::size_t got = r->payload ? r->payload->body.size() : 0;
        if (got != static_cast<std::size_t>(size)) {
            fail("UnaryCall: payload of " + std::to_string(got) + " octets");
            break;
        }
        if (g_phase.load(std::memory_order_relaxed) == measure) {
            const auto us =
                std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0);
            st->lat_us.push_back(static_cast<std::uint32_t>(us.count()));
            ++st->count;
        }
    }
    g->ended();
}

awaitable<void> stream_loop(channel_group* g, slot_stats* st, long size, long per_call) {
    gt::StreamingOutputCallRequest req;
    for (long k = 0; k < per_call; ++k)
        req.response_parameters.emplace_back().size = static_cast<std::int32_t>(size);
    const ra::call_options opts{};
    gt::StreamingOutputCallResponse resp;
    while (running()) {
        auto rd =
            co_await g->ch
                .server_streaming<gt::StreamingOutputCallRequest, gt::StreamingOutputCallResponse>(
                    gt::TestService::StreamingOutputCall_method, req, opts);
        long in_call = 0;
        bool stopped = false;
        for (;;) {
            const bool got = co_await rd.read(resp);
            if (!got) break;
            const std::size_t n = resp.payload ? resp.payload->body.size() : 0;
            if (n != static_cast<std::size_t>(size)) {
                fail("StreamingOutputCall: payload of " + std::to_string(n) + " octets");
                break;
            }
            ++in_call;
            if (g_phase.load(std::memory_order_relaxed) == measure) ++st->count;
            if (!running()) {
                stopped = true;
                break;
            }
        }
        if (stopped || g_failed.load()) break;  // the reader's destructor cancels the call
        const h2pb::rpc::status s = co_await rd.finish();
        if (!s.ok() || in_call != per_call) {
            fail("StreamingOutputCall: " + s.to_string() + " after " + std::to_string(in_call) +
                 " messages");
            break;
        }
    }
    g->ended();
}

std::uint32_t percentile(std::vector<std::uint32_t>& v, double p) {
    if (v.empty()) return 0;
    const auto k =
        static_cast<std::size_t>(std::lround(p / 100.0 * static_cast<double>(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

}  // namespace

int main(int argc, char** argv) {
    std::string target, mode = "unary";
    long channels = kDefaultChannels, calls = kDefaultCalls, seconds = 10, warmup_s = 2,
         threads = 1, size = kDefaultSize, per_call = kDefaultPerCall;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
            target = argv[++i];
        } else if (std::strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            mode = argv[++i];
        } else if (std::strcmp(argv[i], "--channels") == 0) {
            channels = number_arg(argc, argv, i, 1, kMaxChannels);
        } else if (std::strcmp(argv[i], "--calls") == 0) {
            calls = number_arg(argc, argv, i, 1, kMaxCalls);
        } else if (std::strcmp(argv[i], "--seconds") == 0) {
            seconds = number_arg(argc, argv, i, 1, 3600);
        } else if (std::strcmp(argv[i], "--warmup") == 0) {
            warmup_s = number_arg(argc, argv, i, 0, 600);
        } else if (std::strcmp(argv[i], "--threads") == 0) {
            threads = number_arg(argc, argv, i, 1, kMaxThreads);
        } else if (std::strcmp(argv[i], "--size") == 0) {
            size = number_arg(argc, argv, i, 0, kMaxSize);
        } else if (std::strcmp(argv[i], "--per-call") == 0) {
            per_call = number_arg(argc, argv, i, 1, kMaxPerCall);
        } else {
            usage("unknown argument");
        }
    }
    if (target.empty()) usage("--target is required");
    if (mode != "unary" && mode != "stream") usage("--mode is unary or stream");
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<std::unique_ptr<net::io_context>> ios;
    for (long t = 0; t < threads; ++t) ios.push_back(std::make_unique<net::io_context>(1));
    std::vector<std::unique_ptr<channel_group>> groups;
    std::vector<slot_stats> stats(static_cast<std::size_t>(channels * calls));
    for (long c = 0; c < channels; ++c) {
        net::io_context& io = *ios[static_cast<std::size_t>(c % threads)];
        groups.push_back(std::make_unique<channel_group>(io.get_executor(), target));
        channel_group* g = groups.back().get();
        g->live = calls;
        for (long m = 0; m < calls; ++m) {
            slot_stats* st = &stats[static_cast<std::size_t>(c * calls + m)];
            if (mode == "unary")
                net::co_spawn(io, unary_loop(g, st, size), net::detached);
            else
                net::co_spawn(io, stream_loop(g, st, size, per_call), net::detached);
        }
    }
    std::vector<std::thread> workers;
    workers.reserve(ios.size());
    for (auto& io : ios) workers.emplace_back([p = io.get()] { p->run(); });

    std::this_thread::sleep_for(std::chrono::seconds(warmup_s));
    const double cpu0 = cpu_seconds();
    const auto t0 = clock_type::now();
    g_phase = measure;
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    g_phase = stop;
    const auto t1 = clock_type::now();
    const double cpu1 = cpu_seconds();
    for (auto& w : workers) w.join();
    groups.clear();  // channels are destroyed before their io_contexts
    if (g_failed) return 1;

    long count = 0;
    std::vector<std::uint32_t> lat;
    for (auto& s : stats) {
        count += s.count;
        lat.insert(lat.end(), s.lat_us.begin(), s.lat_us.end());
    }
    const double elapsed = std::chrono::duration<double>(t1 - t0).count();
    const double cpu = cpu1 - cpu0;
    const std::uint32_t p50 = percentile(lat, 50), p99 = percentile(lat, 99);
    std::printf(
        "{\"client\": \"h2pb\", \"mode\": \"%s\", \"channels\": %ld, \"calls_in_flight\": %ld, "
        "\"threads\": %ld, \"size\": %ld, \"count\": %ld, \"seconds\": %.3f, \"per_s\": %.1f, "
        "\"p50_us\": %u, \"p99_us\": %u, \"cpu_s\": %.3f, \"cpu_us_per_op\": %.3f}\n",
        mode.c_str(), channels, calls, threads, size, count, elapsed,
        static_cast<double>(count) / elapsed, p50, p99, cpu,
        count ? cpu * 1e6 / static_cast<double>(count) : 0.0);
    return 0;
}
