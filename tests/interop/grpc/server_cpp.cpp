// A grpc.testing.TestService server on grpc++ (Debian libgrpc++-dev 1.51), so
// that h2pb's gRPC client (`h2pb interop-client`) is tested against grpc C++'s
// server too. It implements the server features of
// interop-test-descriptions.md ("Server" section): EmptyCall, UnaryCall
// (response_size, response_type), CompressedResponse, CompressedRequest,
// StreamingInputCall, StreamingOutputCall, FullDuplexCall, HalfDuplexCall,
// Echo Status, Echo Metadata and ResponseParameters.interval_us.
// UnimplementedCall is not overridden, so grpc++'s generated base class
// answers it with UNIMPLEMENTED (12), as the unimplemented_method case wants.
//
// Command line (the server contract at the top of run_clients.py):
//
//   server_cpp --port N [--host ADDR] [--tls-cert F --tls-key F]
//
// The first stdout line is `listening on HOST:PORT` with the bound port (so
// --port 0 works). SIGTERM or SIGINT stop it (exit 0).
//
// CompressedRequest needs the Compressed-Flag of each request message
// (PROTOCOL-HTTP2.md, "Length-Prefixed-Message"), which grpc++'s API does not
// show. Like the official C++ interop server (test/cpp/interop/
// interop_server.cc, CheckExpectedCompression via
// server_helper.h's InteropServerContextInspector), this reads it with grpc
// core's grpc_call_test_only_get_message_flags(), which libgrpc exports
// (declared in core's src/core/lib/surface/call_test_only.h, not installed).
//
// CompressedResponse: grpc++ chooses the algorithm per call with
// ServerContext::set_compression_algorithm() (it must precede the initial
// metadata, so it is set once, before the first response) and lets each
// message opt out with WriteOptions::set_no_compression(), which is how the
// official server honours ResponseParameters.compressed per message.

#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "grpc/testing/empty.pb.h"
#include "grpc/testing/messages.pb.h"
#include "grpc/testing/test.grpc.pb.h"

// grpc core, src/core/lib/surface/call_test_only.h: the flags of the last
// message received on the call. C++ linkage, as core declares it.
uint32_t grpc_call_test_only_get_message_flags(grpc_call* call);

namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;
using grpc::testing::Empty;
using grpc::testing::Payload;
using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;
using grpc::testing::StreamingInputCallRequest;
using grpc::testing::StreamingInputCallResponse;
using grpc::testing::StreamingOutputCallRequest;
using grpc::testing::StreamingOutputCallResponse;

// grpc core's message flags (src/core/lib/transport/transport.h): a message
// still compressed has GRPC_WRITE_INTERNAL_COMPRESS; once core's
// decompression filter has inflated it, that bit is cleared and
// GRPC_WRITE_INTERNAL_TEST_ONLY_WAS_COMPRESSED set instead.
constexpr uint32_t kMessageCompressed = 0x80000000u;
constexpr uint32_t kMessageWasCompressed = 0x40000000u;
// Largest message either way: large_unary's are ~300 KiB and slow_reader
// streams 64 KiB messages; grpc's default receive limit is 4 MiB.
constexpr int kMaxMessageBytes = 8 * 1024 * 1024;
// On SIGTERM, calls still running get this long before they are cancelled.
constexpr auto kShutdownGrace = std::chrono::seconds(1);
constexpr int kExitUsage = 2;
constexpr int kExitListen = 1;

const char* const kEchoInitial = "x-grpc-test-echo-initial";
const char* const kEchoTrailing = "x-grpc-test-echo-trailing-bin";

bool last_message_compressed(ServerContext* ctx) {
    return (grpc_call_test_only_get_message_flags(ctx->c_call()) &
            (kMessageCompressed | kMessageWasCompressed)) != 0;
}

// The Compressed-Flag check proper, for request types with expect_compressed.
template <class Request>
Status check_flag(ServerContext* ctx, const Request& request) {
    if (!request.has_expect_compressed()) return Status::OK;
    const bool compressed = last_message_compressed(ctx);
    if (request.expect_compressed().value() && !compressed)
        return Status(StatusCode::INVALID_ARGUMENT,
                      "expect_compressed is set but the request is not compressed");
    if (!request.expect_compressed().value() && compressed)
        return Status(StatusCode::INVALID_ARGUMENT,
                      "expect_compressed is false but the request is compressed");
    return Status::OK;
}

// CompressedRequest: a message with expect_compressed true must have arrived
// compressed, one with expect_compressed false plain; else INVALID_ARGUMENT
// (the official servers check both ways). StreamingOutputCallRequest has no
// expect_compressed field, so it always passes.
template <class Request>
Status check_expect_compressed(ServerContext* ctx, const Request& request) {
    if constexpr (!requires { request.has_expect_compressed(); }) {
        return Status::OK;
    } else {
        return check_flag(ctx, request);
    }
}

// Echo Metadata: x-grpc-test-echo-initial back as initial metadata and
// x-grpc-test-echo-trailing-bin back as trailing metadata. grpc++ hands -bin
// values decoded and base64-encodes them again when it sends them.
void echo_metadata(ServerContext* ctx) {
    for (const auto& [key, value] : ctx->client_metadata()) {
        const std::string k(key.data(), key.size());
        const std::string v(value.data(), value.size());
        if (k == kEchoInitial) ctx->AddInitialMetadata(k, v);
        if (k == kEchoTrailing) ctx->AddTrailingMetadata(k, v);
    }
}

// Echo Status: a request with a non-zero response_status ends the call with
// that code and message.
template <class Request>
bool wants_status(const Request& request, Status* out) {
    if (!request.has_response_status() || request.response_status().code() == 0) return false;
    *out = Status(static_cast<StatusCode>(request.response_status().code()),
                  request.response_status().message());
    return true;
}

template <class Request>
Status check_response_type(const Request& request) {
    if (request.response_type() != grpc::testing::COMPRESSABLE)
        return Status(StatusCode::INVALID_ARGUMENT,
                      "unsupported response_type " + std::to_string(request.response_type()));
    return Status::OK;
}

void zeros(Payload* p, int32_t n) {
    // Payloads of type COMPRESSABLE are zeros (messages.proto, PayloadType).
    p->set_type(grpc::testing::COMPRESSABLE);
    p->set_body(std::string(static_cast<size_t>(n < 0 ? 0 : n), '\0'));
}

// Writes the responses one StreamingOutputCallRequest asks for, honouring
// interval_us (a sleep before each) and per-response compression. The
// call's algorithm is set to gzip once, before the first response, if any
// response may be compressed; plain responses then opt out per message.
// Returns false when the client has gone (a write failed).
template <class Stream>
bool respond(ServerContext* ctx, Stream* stream, const StreamingOutputCallRequest& request,
             bool* gzip_set) {
    for (const auto& params : request.response_parameters()) {
        if (params.interval_us() > 0)
            std::this_thread::sleep_for(std::chrono::microseconds(params.interval_us()));
        const bool compress = params.has_compressed() && params.compressed().value();
        if (compress && !*gzip_set) {
            ctx->set_compression_algorithm(GRPC_COMPRESS_GZIP);
            *gzip_set = true;
        }
        grpc::WriteOptions options;
        if (!compress) options.set_no_compression();
        StreamingOutputCallResponse response;
        zeros(response.mutable_payload(), params.size());
        if (!stream->Write(response, options)) return false;
    }
    return true;
}

class TestServiceImpl final : public grpc::testing::TestService::Service {
  public:
    Status EmptyCall(ServerContext* ctx, const Empty*, Empty*) override {
        echo_metadata(ctx);
        return Status::OK;
    }

    Status UnaryCall(ServerContext* ctx, const SimpleRequest* request,
                     SimpleResponse* response) override {
        echo_metadata(ctx);
        Status s = check_expect_compressed(ctx, *request);
        if (!s.ok()) return s;
        if (wants_status(*request, &s)) return s;
        s = check_response_type(*request);
        if (!s.ok()) return s;
        // CompressedResponse (unary): the whole call compressed or not.
        ctx->set_compression_algorithm(request->response_compressed().value() ? GRPC_COMPRESS_GZIP
                                                                              : GRPC_COMPRESS_NONE);
        zeros(response->mutable_payload(), request->response_size());
        return Status::OK;
    }

    Status StreamingOutputCall(ServerContext* ctx, const StreamingOutputCallRequest* request,
                               grpc::ServerWriter<StreamingOutputCallResponse>* writer) override {
        echo_metadata(ctx);
        Status s = check_expect_compressed(ctx, *request);
        if (!s.ok()) return s;
        s = check_response_type(*request);
        if (!s.ok()) return s;
        bool gzip_set = false;
        if (!respond(ctx, writer, *request, &gzip_set))
            return Status(StatusCode::CANCELLED, "client went away");
        if (wants_status(*request, &s)) return s;
        return Status::OK;
    }

    Status StreamingInputCall(ServerContext* ctx,
                              grpc::ServerReader<StreamingInputCallRequest>* reader,
                              StreamingInputCallResponse* response) override {
        echo_metadata(ctx);
        StreamingInputCallRequest request;
        int64_t total = 0;
        while (reader->Read(&request)) {
            Status s = check_expect_compressed(ctx, request);
            if (!s.ok()) return s;
            total += static_cast<int64_t>(request.payload().body().size());
        }
        response->set_aggregated_payload_size(static_cast<int32_t>(total));
        return Status::OK;
    }

    Status FullDuplexCall(ServerContext* ctx,
                          grpc::ServerReaderWriter<StreamingOutputCallResponse,
                                                   StreamingOutputCallRequest>* stream) override {
        echo_metadata(ctx);
        StreamingOutputCallRequest request;
        bool gzip_set = false;
        while (stream->Read(&request)) {
            Status s = check_expect_compressed(ctx, request);
            if (!s.ok()) return s;
            if (wants_status(request, &s)) return s;
            s = check_response_type(request);
            if (!s.ok()) return s;
            if (!respond(ctx, stream, request, &gzip_set))
                return Status(StatusCode::CANCELLED, "client went away");
        }
        return Status::OK;
    }

    Status HalfDuplexCall(ServerContext* ctx,
                          grpc::ServerReaderWriter<StreamingOutputCallResponse,
                                                   StreamingOutputCallRequest>* stream) override {
        echo_metadata(ctx);
        std::vector<StreamingOutputCallRequest> requests;
        StreamingOutputCallRequest request;
        while (stream->Read(&request)) {
            Status s = check_expect_compressed(ctx, request);
            if (!s.ok()) return s;
            requests.push_back(request);
        }
        bool gzip_set = false;
        for (const auto& r : requests) {
            Status s;
            if (wants_status(r, &s)) return s;
            s = check_response_type(r);
            if (!s.ok()) return s;
            if (!respond(ctx, stream, r, &gzip_set))
                return Status(StatusCode::CANCELLED, "client went away");
        }
        return Status::OK;
    }
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

int usage() {
    std::fprintf(stderr, "usage: server_cpp --port N [--host ADDR] [--tls-cert F --tls-key F]\n");
    return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
    // --name value or --name=value.
    std::map<std::string, std::string> flags{{"host", "127.0.0.1"}};
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0) return usage();
        arg = arg.substr(2);
        const auto eq = arg.find('=');
        if (eq != std::string::npos) {
            flags[arg.substr(0, eq)] = arg.substr(eq + 1);
        } else if (i + 1 < argc) {
            flags[arg] = argv[++i];
        } else {
            return usage();
        }
    }
    for (const auto& [k, v] : flags)
        if (k != "port" && k != "host" && k != "tls-cert" && k != "tls-key") return usage();
    if (!flags.count("port") || flags.count("tls-cert") != flags.count("tls-key")) return usage();

    // Block SIGTERM/SIGINT before grpc starts its threads, so only sigwait()
    // below sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    const std::string& host = flags["host"];
    const std::string address =
        (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + flags["port"];
    std::shared_ptr<grpc::ServerCredentials> creds;
    try {
        if (flags.count("tls-cert")) {
            grpc::SslServerCredentialsOptions options;
            options.pem_key_cert_pairs.push_back(
                {read_file(flags["tls-key"]), read_file(flags["tls-cert"])});
            creds = grpc::SslServerCredentials(options);
        } else {
            creds = grpc::InsecureServerCredentials();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "server_cpp: %s\n", e.what());
        return kExitUsage;
    }

    TestServiceImpl service;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(address, creds, &port);
    builder.RegisterService(&service);
    builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
    builder.SetMaxSendMessageSize(kMaxMessageBytes);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server || port == 0) {
        std::fprintf(stderr, "server_cpp: cannot listen on %s\n", address.c_str());
        return kExitListen;
    }
    std::printf("listening on %s:%d\n", host.c_str(), port);
    std::fflush(stdout);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    server->Wait();
    return 0;
}
