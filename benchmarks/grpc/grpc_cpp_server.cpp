// grpc_cpp_server: the reference server of the gRPC benchmark
// (benchmarks/grpc/grpc_vs.py). grpc C++ 1.51 (Debian libgrpc++-dev), the
// callback API (TestService::CallbackService: a reactor per call, no
// completion queue in application code), serving grpc.testing.TestService's
// two calls the benchmark makes, as the interop test descriptions define
// them (/work/shared/reference/grpc/interop-test-descriptions.md):
//
//   UnaryCall            SimpleResponse whose payload.body is
//                        request.response_size zero octets (type COMPRESSABLE)
//   StreamingOutputCall  one StreamingOutputCallResponse per
//                        request.response_parameters entry, payload of .size
//                        zero octets, then status OK
//
// Other methods answer UNIMPLEMENTED (grpc's default). Plaintext (h2c, prior
// knowledge), as the interop tests' --use_tls=false.
//
//   grpc_cpp_server [--host 127.0.0.1] [--port 0] [--threads N]
//
// The first line on stdout is `listening on HOST:PORT` (the port chosen by
// the kernel when --port 0). Runs until SIGINT or SIGTERM.
//
// Threads. grpc C++ 1.51 has no setting for the threads that run a callback
// service. The server's callback completion queue is, on Linux (the epoll1
// poller does not "run in background"), grpc's process-wide
// CallbackAlternativeCQ: clamp(cores / 2, 2, 16) "nexting" threads that poll
// the connections (epoll1 lets one of them poll at a time) and run the
// reactors inline. Next to them grpc starts a timer-manager thread
// (grpc_global_timer, more while timers are due), and executor threads
// (default-executor, resolver-executor) that grow with queued work, up to
// the number of cores each. ResourceQuota::SetMaxThreads bounds only the
// synchronous API's thread pool, so it would change nothing here. --threads is
// therefore accepted (so a driver can give every server the same command
// line) and reported, not enforced; the driver records the threads the
// process actually had (/proc/PID/task). The fewest grpc C++ allows for a
// callback service is 2 polling threads (this machine: 2 cores -> 2).

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "grpc_testing.h"

namespace {

using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;
using grpc::testing::StreamingOutputCallRequest;
using grpc::testing::StreamingOutputCallResponse;

// The largest payload a call may ask for. gRPC's default receive limit is
// 4 MiB (GRPC_DEFAULT_MAX_RECV_MESSAGE_LENGTH), so a client could not take a
// larger message anyway; refusing it keeps a request from making the server
// allocate without bound. Setting: --max-payload.
constexpr long kDefaultMaxPayload = 4L * 1024 * 1024;
long g_max_payload = kDefaultMaxPayload;

bool payload_size_ok(long size) {
    return size >= 0 && size <= g_max_payload;
}

grpc::Status too_large(long size) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "payload size " + std::to_string(size) + " outside [0, " +
                            std::to_string(g_max_payload) + "]");
}

// One StreamingOutputCall: writes the responses one at a time (the callback
// API allows one write in flight), each from OnWriteDone of the previous,
// then finishes. Deletes itself in OnDone, after grpc is done with it.
class StreamingOutput final : public grpc::ServerWriteReactor<StreamingOutputCallResponse> {
  public:
    explicit StreamingOutput(const StreamingOutputCallRequest* request) : request_(request) {
        next();
    }

    void OnWriteDone(bool ok) override {
        if (!ok) {  // the call was cancelled or the connection went away
            Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
            return;
        }
        next();
    }

    void OnDone() override { delete this; }

  private:
    void next() {
        if (index_ == request_->response_parameters_size()) {
            Finish(grpc::Status::OK);
            return;
        }
        const long size = request_->response_parameters(index_++).size();
        if (!payload_size_ok(size)) {
            Finish(too_large(size));
            return;
        }
        response_.mutable_payload()->set_type(grpc::testing::COMPRESSABLE);
        response_.mutable_payload()->mutable_body()->assign(static_cast<std::size_t>(size), '\0');
        StartWrite(&response_);
    }

    const StreamingOutputCallRequest* request_;
    int index_ = 0;
    StreamingOutputCallResponse response_;
};

class TestServiceImpl final : public grpc::testing::TestService::CallbackService {
    grpc::ServerUnaryReactor* UnaryCall(grpc::CallbackServerContext* context,
                                        const SimpleRequest* request,
                                        SimpleResponse* response) override {
        grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
        const long size = request->response_size();
        if (!payload_size_ok(size)) {
            reactor->Finish(too_large(size));
            return reactor;
        }
        response->mutable_payload()->set_type(grpc::testing::COMPRESSABLE);
        response->mutable_payload()->mutable_body()->assign(static_cast<std::size_t>(size), '\0');
        reactor->Finish(grpc::Status::OK);
        return reactor;
    }

    grpc::ServerWriteReactor<StreamingOutputCallResponse>* StreamingOutputCall(
        grpc::CallbackServerContext* /*context*/,
        const StreamingOutputCallRequest* request) override {
        return new StreamingOutput(request);
    }
};

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
    g_stop = 1;
}

[[noreturn]] void usage(const char* error) {
    std::fprintf(stderr,
                 "grpc_cpp_server: %s\n"
                 "usage: grpc_cpp_server [--host ADDR] [--port N] [--threads N] "
                 "[--max-payload BYTES]\n",
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

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    long port = 0;
    long threads = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
            host = argv[++i];
        } else if (std::strcmp(argv[i], "--port") == 0) {
            port = number_arg(argc, argv, i, 0, 65535);
        } else if (std::strcmp(argv[i], "--threads") == 0) {
            threads = number_arg(argc, argv, i, 1, 1024);
        } else if (std::strcmp(argv[i], "--max-payload") == 0) {
            g_max_payload = number_arg(argc, argv, i, 0, 1L << 30);
        } else {
            usage("unknown argument");
        }
    }

    TestServiceImpl service;
    grpc::ServerBuilder builder;
    int bound_port = 0;
    builder.AddListeningPort(host + ":" + std::to_string(port), grpc::InsecureServerCredentials(),
                             &bound_port);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server || bound_port == 0) {
        std::fprintf(stderr, "grpc_cpp_server: cannot listen on %s:%ld\n", host.c_str(), port);
        return 1;
    }
    std::printf("listening on %s:%d\n", host.c_str(), bound_port);
    std::fflush(stdout);
    std::fprintf(stderr,
                 "grpc_cpp_server: --threads %ld noted; grpc C++ 1.51's callback API chooses its "
                 "own threads (see the top of grpc_cpp_server.cpp)\n",
                 threads);

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    // A signal handler may not call Shutdown(); the main thread looks for the
    // flag instead. A 100 ms poll costs nothing measurable next to the load.
    while (!g_stop) {
        struct timespec pause {
            0, 100L * 1000 * 1000
        };
        nanosleep(&pause, nullptr);
    }
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    return 0;
}
