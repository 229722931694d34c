// grpc_cpp_stream_client: measures a TestService server's streaming
// throughput with grpc C++ 1.51 as the client, for
// benchmarks/grpc/grpc_vs.py; works against any grpc.testing.TestService.
//
//   grpc_cpp_stream_client --target HOST:PORT [--messages N] [--seconds S]
//       [--size BYTES] [--per-call K]
//   grpc_cpp_stream_client --target HOST:PORT --unary-check [--size BYTES]
//
// Streaming: StreamingOutputCall requests, each asking for K responses of
// BYTES payload octets (K ResponseParameters{size: BYTES}), one call after the
// other on one channel, until N messages were received or S seconds passed
// (whichever first; the last call is read to its end). One call cannot ask
// for a million messages: every ResponseParameters entry is 4 octets of the
// request, and grpc's default receive limit is 4 MiB, so the calls are
// chunked (K = 10,000 by default: a 40 KB request). Each call must end with
// status OK and every payload must have BYTES octets, or the run fails.
// Prints one JSON object: messages, calls, seconds, messages_per_s,
// payload_bytes_per_s (payload octets only) and message_bytes_per_s
// (serialized StreamingOutputCallResponse octets, without gRPC's 5-octet
// prefix and HTTP/2 framing).
//
// --unary-check: one UnaryCall with a BYTES-octet payload and response_size
// BYTES; prints the status and exits 0 only when it is OK (grpc-status 0)
// and the payload has BYTES octets. The driver uses it to check that the
// server answers the benchmark's request with a gRPC OK, which h2load (it
// counts HTTP 2xx) cannot see.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "grpc_testing.h"

namespace {

using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;
using grpc::testing::StreamingOutputCallRequest;
using grpc::testing::StreamingOutputCallResponse;
using grpc::testing::TestService;

// Responses asked for per call by default: a 40 KB request, far below the
// server's 4 MiB receive limit, and enough messages that a call's setup is
// noise next to its stream. Setting: --per-call.
constexpr long kDefaultPerCall = 10000;
// The most a call may ask for: 4 octets per entry must stay under grpc's
// default 4 MiB receive limit of the server.
constexpr long kMaxPerCall = 1000000;
// Payload octets per message by default: the benchmark's 100. Setting: --size.
constexpr long kDefaultSize = 100;
// The largest payload to ask for: the client's own 4 MiB receive limit.
constexpr long kMaxSize = 4 * 1024 * 1024 - 64;

[[noreturn]] void usage(const char* error) {
    std::fprintf(stderr,
                 "grpc_cpp_stream_client: %s\n"
                 "usage: grpc_cpp_stream_client --target HOST:PORT [--messages N] [--seconds S] "
                 "[--size BYTES] [--per-call K] [--unary-check]\n",
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

int unary_check(TestService::Stub& stub, long size) {
    SimpleRequest request;
    request.set_response_size(static_cast<int>(size));
    request.mutable_payload()->mutable_body()->assign(static_cast<std::size_t>(size), '\0');
    SimpleResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    const grpc::Status status = stub.UnaryCall(&context, request, &response);
    const std::size_t got = response.payload().body().size();
    std::printf("{\"grpc_status\": %d, \"message\": \"%s\", \"payload_bytes\": %zu}\n",
                static_cast<int>(status.error_code()), status.error_message().c_str(), got);
    return status.ok() && got == static_cast<std::size_t>(size) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::string target;
    long messages = 1000000;
    long seconds = 10;
    long size = kDefaultSize;
    long per_call = kDefaultPerCall;
    bool check = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
            target = argv[++i];
        } else if (std::strcmp(argv[i], "--messages") == 0) {
            messages = number_arg(argc, argv, i, 1, 1L << 40);
        } else if (std::strcmp(argv[i], "--seconds") == 0) {
            seconds = number_arg(argc, argv, i, 1, 3600);
        } else if (std::strcmp(argv[i], "--size") == 0) {
            size = number_arg(argc, argv, i, 0, kMaxSize);
        } else if (std::strcmp(argv[i], "--per-call") == 0) {
            per_call = number_arg(argc, argv, i, 1, kMaxPerCall);
        } else if (std::strcmp(argv[i], "--unary-check") == 0) {
            check = true;
        } else {
            usage("unknown argument");
        }
    }
    if (target.empty()) usage("--target is required");

    grpc::ChannelArguments args;
    // No limit of our own on what the server sends: a message larger than
    // asked for is caught below, not by the channel.
    args.SetMaxReceiveMessageSize(-1);
    auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    std::unique_ptr<TestService::Stub> stub = TestService::NewStub(channel);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
        std::fprintf(stderr, "grpc_cpp_stream_client: cannot connect to %s\n", target.c_str());
        return 1;
    }
    if (check) return unary_check(*stub, size);

    using clock = std::chrono::steady_clock;
    const clock::time_point start = clock::now();
    const clock::time_point deadline = start + std::chrono::seconds(seconds);
    long received = 0;
    long calls = 0;
    long message_bytes = 0;
    StreamingOutputCallResponse response;
    while (received < messages && clock::now() < deadline) {
        const long want = std::min(per_call, messages - received);
        StreamingOutputCallRequest request;
        for (long k = 0; k < want; ++k) {
            request.add_response_parameters()->set_size(static_cast<int>(size));
        }
        grpc::ClientContext context;
        std::unique_ptr<grpc::ClientReader<StreamingOutputCallResponse>> reader =
            stub->StreamingOutputCall(&context, request);
        long in_call = 0;
        while (reader->Read(&response)) {
            if (response.payload().body().size() != static_cast<std::size_t>(size)) {
                std::fprintf(stderr, "grpc_cpp_stream_client: payload of %zu octets, asked %ld\n",
                             response.payload().body().size(), size);
                return 1;
            }
            message_bytes += static_cast<long>(response.ByteSizeLong());
            ++in_call;
        }
        const grpc::Status status = reader->Finish();
        if (!status.ok() || in_call != want) {
            std::fprintf(stderr,
                         "grpc_cpp_stream_client: call %ld ended with status %d (%s) after %ld of "
                         "%ld messages\n",
                         calls, static_cast<int>(status.error_code()),
                         status.error_message().c_str(), in_call, want);
            return 1;
        }
        received += in_call;
        ++calls;
    }
    const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    std::printf(
        "{\"messages\": %ld, \"calls\": %ld, \"size\": %ld, \"seconds\": %.3f, "
        "\"messages_per_s\": %.1f, \"payload_bytes_per_s\": %.1f, \"message_bytes_per_s\": %.1f}\n",
        received, calls, size, elapsed, received / elapsed,
        static_cast<double>(received) * static_cast<double>(size) / elapsed,
        static_cast<double>(message_bytes) / elapsed);
    return 0;
}
