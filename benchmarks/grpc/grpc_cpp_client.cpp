// grpc_cpp_client: the reference client of the gRPC client benchmark
// (benchmarks/grpc/client_vs.py): grpc C++ 1.51 (Debian libgrpc++-dev)
// loading any grpc.testing.TestService server. benchmarks/grpc/
// h2pb_client_bench.cpp is the same load on h2pb's client, with the same
// flags and output.
//
//   grpc_cpp_client --target HOST:PORT [--mode unary|stream] [--api callback|cq]
//       [--channels N] [--calls M] [--seconds D] [--warmup W] [--threads T]
//       [--size BYTES] [--per-call K]
//
// unary   N channels, M UnaryCalls in flight on each: every call sends
//         SimpleRequest{response_size: BYTES, payload.body: BYTES zero
//         octets}, and starts the next one when it completes (a closed loop).
// stream  N channels, M StreamingOutputCalls in flight on each, each asking
//         for K responses of BYTES payload octets, the next call started
//         when one ends; counts messages.
// Every call must end with status OK and every payload must have BYTES
// octets, or the run fails (exit 1).
//
// Each channel is its own TCP connection: grpc C++ shares subchannels (and so
// connections) between channels with the same target and arguments, through
// the global subchannel pool; GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL gives each
// channel its own pool (grpc_types.h), and a distinct channel argument makes
// the channels differ anyway.
//
// Timing: the load runs W seconds (warm-up: connections, allocator, grpc's
// thread pools) before the measured D seconds; only calls (or messages) that
// complete inside the window count, and the process's CPU time (getrusage
// RUSAGE_SELF, every thread: user + system) is read at both ends of it.
//
// APIs. --api callback (default): the callback API (stub->async(), a
// reactor per call); its callbacks run on grpc's own callback threads
// (on Linux, clamp(cores / 2, 2, 16) of them, plus grpc's timer and
// executor threads), which no setting bounds, so --threads does not apply.
// --api cq (unary only): the asynchronous completion-queue API, T threads
// each with its own CompletionQueue driving an even share of the channels'
// calls; with T = 1 the I/O is done by the one thread that polls (epoll1
// polls inside CompletionQueue::Next), next to grpc's timer threads.
//
// Output: one JSON object: calls (or messages), seconds, calls_per_s,
// p50_us / p99_us (per-call latency, start of the call to its completion;
// unary only), cpu_s, cpu_us_per_call, and the settings.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <grpcpp/grpcpp.h>

#include "grpc_testing.h"

namespace {

using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;
using grpc::testing::StreamingOutputCallRequest;
using grpc::testing::StreamingOutputCallResponse;
using grpc::testing::TestService;
using clock_type = std::chrono::steady_clock;

// Defaults: the benchmark's load (issue 10): 8 connections, 32 calls in
// flight on each, 100-octet payloads. Settings: --channels, --calls, --size.
constexpr long kDefaultChannels = 8;
constexpr long kDefaultCalls = 32;
constexpr long kDefaultSize = 100;
// Responses per StreamingOutputCall: a 40 KB request (4 octets per entry),
// far below the server's 4 MiB receive limit, and enough messages that the
// call's setup is noise next to its stream. Setting: --per-call.
constexpr long kDefaultPerCall = 10000;
constexpr long kMaxPerCall = 1000000;
// Bounds that keep a typo from asking for an absurd load.
constexpr long kMaxChannels = 1024;
constexpr long kMaxCalls = 100000;
constexpr long kMaxThreads = 64;
// The largest payload to ask for: the client's own 4 MiB receive limit.
constexpr long kMaxSize = 4 * 1024 * 1024 - 64;

[[noreturn]] void usage(const char* error) {
    std::fprintf(stderr,
                 "grpc_cpp_client: %s\n"
                 "usage: grpc_cpp_client --target HOST:PORT [--mode unary|stream] "
                 "[--api callback|cq] [--channels N] [--calls M] [--seconds D] [--warmup W] "
                 "[--threads T] [--size BYTES] [--per-call K]\n",
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

// The run's phases; calls completing in `measure` count.
enum phase : int { warmup = 0, measure = 1, stop = 2 };
std::atomic<int> g_phase{warmup};
std::atomic<bool> g_failed{false};
std::atomic<long> g_outstanding{0};  // call loops not yet ended

void fail(const char* what, const grpc::Status& s) {
    if (!g_failed.exchange(true))
        std::fprintf(stderr, "grpc_cpp_client: %s: status %d (%s)\n", what,
                     static_cast<int>(s.error_code()), s.error_message().c_str());
}

struct settings {
    long size = kDefaultSize;
    long per_call = kDefaultPerCall;
};

// One slot of M per channel: its calls are one after the other, so its
// counters need no lock (callbacks of one slot never overlap).
struct slot_stats {
    long count = 0;                     // calls (unary) or messages (stream)
    std::vector<std::uint32_t> lat_us;  // unary: one per counted call
};

// ------------------------------------------------------- callback API

class unary_loop {
  public:
    unary_loop(TestService::Stub* stub, const settings& s) : stub_(stub), size_(s.size) {
        request_.set_response_size(static_cast<int>(s.size));
        request_.mutable_payload()->mutable_body()->assign(static_cast<std::size_t>(s.size), '\0');
    }
    slot_stats stats;

    void start() {
        if (g_phase.load(std::memory_order_relaxed) == stop || g_failed.load()) {
            g_outstanding.fetch_sub(1);
            return;
        }
        context_ = std::make_unique<grpc::ClientContext>();
        response_.Clear();
        started_ = clock_type::now();
        stub_->async()->UnaryCall(context_.get(), &request_, &response_,
                                  [this](const grpc::Status& s) { done(s); });
    }

  private:
    void done(const grpc::Status& s) {
        if (!s.ok()) {
            fail("UnaryCall", s);
        } else if (response_.payload().body().size() != static_cast<std::size_t>(size_)) {
            fail("UnaryCall payload size", grpc::Status::OK);
        } else if (g_phase.load(std::memory_order_relaxed) == measure) {
            const auto us =
                std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started_);
            stats.lat_us.push_back(static_cast<std::uint32_t>(us.count()));
            ++stats.count;
        }
        start();
    }

    TestService::Stub* stub_;
    long size_;
    SimpleRequest request_;
    SimpleResponse response_;
    std::unique_ptr<grpc::ClientContext> context_;
    clock_type::time_point started_;
};

class stream_loop final : public grpc::ClientReadReactor<StreamingOutputCallResponse> {
  public:
    stream_loop(TestService::Stub* stub, const settings& s) : stub_(stub), size_(s.size) {
        for (long k = 0; k < s.per_call; ++k)
            request_.add_response_parameters()->set_size(static_cast<int>(s.size));
    }
    slot_stats stats;

    void start() {
        if (g_phase.load(std::memory_order_relaxed) == stop || g_failed.load()) {
            g_outstanding.fetch_sub(1);
            return;
        }
        context_ = std::make_unique<grpc::ClientContext>();
        stub_->async()->StreamingOutputCall(context_.get(), &request_, this);
        StartRead(&response_);
        StartCall();
    }

    void OnReadDone(bool ok) override {
        if (!ok) return;  // the stream ended: OnDone follows
        if (response_.payload().body().size() != static_cast<std::size_t>(size_)) {
            fail("StreamingOutputCall payload size", grpc::Status::OK);
            context_->TryCancel();
            return;
        }
        if (g_phase.load(std::memory_order_relaxed) == measure) ++stats.count;
        if (g_phase.load(std::memory_order_relaxed) == stop) {
            context_->TryCancel();  // ends the call early: OnDone with CANCELLED
            return;
        }
        StartRead(&response_);
    }

    void OnDone(const grpc::Status& s) override {
        if (!s.ok() && g_phase.load() != stop) fail("StreamingOutputCall", s);
        start();
    }

  private:
    TestService::Stub* stub_;
    long size_;
    StreamingOutputCallRequest request_;
    StreamingOutputCallResponse response_;
    std::unique_ptr<grpc::ClientContext> context_;
};

// ------------------------------------------------------- completion-queue API

// One unary call slot on a completion queue; its tag is the slot itself.
struct cq_unary_slot {
    TestService::Stub* stub = nullptr;
    grpc::CompletionQueue* cq = nullptr;
    long size = 0;
    SimpleRequest request;
    SimpleResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientAsyncResponseReader<SimpleResponse>> reader;
    clock_type::time_point started;
    slot_stats stats;

    bool start() {
        if (g_phase.load(std::memory_order_relaxed) == stop || g_failed.load()) return false;
        context = std::make_unique<grpc::ClientContext>();
        response.Clear();
        started = clock_type::now();
        reader = stub->AsyncUnaryCall(context.get(), request, cq);
        reader->Finish(&response, &status, this);
        return true;
    }

    void done() {
        if (!status.ok()) {
            fail("UnaryCall", status);
        } else if (response.payload().body().size() != static_cast<std::size_t>(size)) {
            fail("UnaryCall payload size", grpc::Status::OK);
        } else if (g_phase.load(std::memory_order_relaxed) == measure) {
            const auto us =
                std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started);
            stats.lat_us.push_back(static_cast<std::uint32_t>(us.count()));
            ++stats.count;
        }
    }
};

// Drives the slots of one completion queue until none is in flight.
void cq_thread(grpc::CompletionQueue* cq, const std::vector<cq_unary_slot*>& slots) {
    long in_flight = 0;
    for (cq_unary_slot* s : slots)
        if (s->start()) ++in_flight;
    void* tag = nullptr;
    bool ok = false;
    while (in_flight > 0 && cq->Next(&tag, &ok)) {
        auto* s = static_cast<cq_unary_slot*>(tag);
        s->done();
        if (!s->start()) --in_flight;
    }
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
    std::string target, mode = "unary", api = "callback";
    long channels = kDefaultChannels, calls = kDefaultCalls, seconds = 10, warmup_s = 2,
         threads = 1;
    settings set;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
            target = argv[++i];
        } else if (std::strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            mode = argv[++i];
        } else if (std::strcmp(argv[i], "--api") == 0 && i + 1 < argc) {
            api = argv[++i];
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
            set.size = number_arg(argc, argv, i, 0, kMaxSize);
        } else if (std::strcmp(argv[i], "--per-call") == 0) {
            set.per_call = number_arg(argc, argv, i, 1, kMaxPerCall);
        } else {
            usage("unknown argument");
        }
    }
    if (target.empty()) usage("--target is required");
    if (mode != "unary" && mode != "stream") usage("--mode is unary or stream");
    if (api != "callback" && api != "cq") usage("--api is callback or cq");
    if (api == "cq" && mode != "unary") usage("--api cq is implemented for --mode unary only");

    std::vector<std::shared_ptr<grpc::Channel>> chans;
    std::vector<std::unique_ptr<TestService::Stub>> stubs;
    for (long c = 0; c < channels; ++c) {
        grpc::ChannelArguments args;
        args.SetMaxReceiveMessageSize(-1);  // sizes are checked by the loops
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        args.SetInt("h2pb.bench.channel_index", static_cast<int>(c));  // distinct channels
        chans.push_back(
            grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
        if (!chans.back()->WaitForConnected(std::chrono::system_clock::now() +
                                            std::chrono::seconds(10))) {
            std::fprintf(stderr, "grpc_cpp_client: cannot connect to %s\n", target.c_str());
            return 1;
        }
        stubs.push_back(TestService::NewStub(chans.back()));
    }

    std::vector<std::unique_ptr<unary_loop>> unary;
    std::vector<std::unique_ptr<stream_loop>> streams;
    std::vector<std::unique_ptr<cq_unary_slot>> cq_slots;
    std::vector<std::unique_ptr<grpc::CompletionQueue>> cqs;
    std::vector<std::thread> workers;
    const long slots = channels * calls;
    if (api == "cq") {
        for (long t = 0; t < threads; ++t) cqs.push_back(std::make_unique<grpc::CompletionQueue>());
        std::vector<std::vector<cq_unary_slot*>> share(static_cast<std::size_t>(threads));
        for (long c = 0; c < channels; ++c) {
            for (long m = 0; m < calls; ++m) {
                auto s = std::make_unique<cq_unary_slot>();
                const auto t = static_cast<std::size_t>((c * calls + m) % threads);
                s->stub = stubs[static_cast<std::size_t>(c)].get();
                s->cq = cqs[t].get();
                s->size = set.size;
                s->request.set_response_size(static_cast<int>(set.size));
                s->request.mutable_payload()->mutable_body()->assign(
                    static_cast<std::size_t>(set.size), '\0');
                share[t].push_back(s.get());
                cq_slots.push_back(std::move(s));
            }
        }
        for (long t = 0; t < threads; ++t)
            workers.emplace_back(cq_thread, cqs[static_cast<std::size_t>(t)].get(),
                                 share[static_cast<std::size_t>(t)]);
    } else {
        g_outstanding = slots;
        for (long c = 0; c < channels; ++c) {
            for (long m = 0; m < calls; ++m) {
                TestService::Stub* stub = stubs[static_cast<std::size_t>(c)].get();
                if (mode == "unary")
                    unary.push_back(std::make_unique<unary_loop>(stub, set));
                else
                    streams.push_back(std::make_unique<stream_loop>(stub, set));
            }
        }
        for (auto& u : unary) u->start();
        for (auto& s : streams) s->start();
    }

    std::this_thread::sleep_for(std::chrono::seconds(warmup_s));
    const double cpu0 = cpu_seconds();
    const auto t0 = clock_type::now();
    g_phase = measure;
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    g_phase = stop;
    const auto t1 = clock_type::now();
    const double cpu1 = cpu_seconds();

    // Let the loops end (each notices `stop` at its next completion).
    for (auto& w : workers) w.join();
    while (g_outstanding.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (auto& cq : cqs) cq->Shutdown();

    long count = 0;
    std::vector<std::uint32_t> lat;
    auto add = [&](slot_stats& s) {
        count += s.count;
        lat.insert(lat.end(), s.lat_us.begin(), s.lat_us.end());
    };
    for (auto& u : unary) add(u->stats);
    for (auto& s : streams) add(s->stats);
    for (auto& s : cq_slots) add(s->stats);
    if (g_failed) return 1;

    const double elapsed = std::chrono::duration<double>(t1 - t0).count();
    const double cpu = cpu1 - cpu0;
    const std::uint32_t p50 = percentile(lat, 50), p99 = percentile(lat, 99);
    std::printf(
        "{\"client\": \"grpc-cpp-%s\", \"mode\": \"%s\", \"channels\": %ld, \"calls_in_flight\": "
        "%ld, \"threads\": %ld, \"size\": %ld, \"count\": %ld, \"seconds\": %.3f, "
        "\"per_s\": %.1f, \"p50_us\": %u, \"p99_us\": %u, \"cpu_s\": %.3f, "
        "\"cpu_us_per_op\": %.3f}\n",
        api.c_str(), mode.c_str(), channels, calls, api == "cq" ? threads : -1, set.size, count,
        elapsed, static_cast<double>(count) / elapsed, p50, p99, cpu,
        count ? cpu * 1e6 / static_cast<double>(count) : 0.0);
    return 0;
}
