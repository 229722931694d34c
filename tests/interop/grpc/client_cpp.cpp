// gRPC interop client on grpc++ (Debian libgrpc++-dev 1.51): the cases of
// interop-test-descriptions.md, plus concurrent_unary, slow_reader and
// cancel_mid_stream. Command line and exit codes follow the contract at the
// top of run_clients.py:
//
//   client_cpp --server_host=H --server_port=P --test_case=NAME
//              [--use_tls=true --ca_file=F --server_host_override=NAME]
//
// Exit 0: passed; 1: failed (the reason on stderr); 2: bad command line.
//
// The Compressed-Flag of a received message (PROTOCOL-HTTP2.md,
// "Length-Prefixed-Message") is not part of grpc++'s API; like the official
// C++ interop client (test/cpp/interop/client_helper.h) this reads it with
// grpc core's grpc_call_test_only_get_message_flags(), which libgrpc exports
// (declared in core's src/core/lib/surface/call_test_only.h, not installed),
// so server_compressed_* check the flag as the descriptions ask.

#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "grpc/testing/empty.pb.h"
#include "grpc/testing/messages.pb.h"
#include "grpc/testing/test.grpc.pb.h"

// grpc core, src/core/lib/surface/call_test_only.h: the flags of the last
// message received on the call. C++ linkage, as core declares it.
uint32_t grpc_call_test_only_get_message_flags(grpc_call* call);

namespace {

using grpc::testing::Empty;
using grpc::testing::Payload;
using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;
using grpc::testing::StreamingInputCallRequest;
using grpc::testing::StreamingInputCallResponse;
using grpc::testing::StreamingOutputCallRequest;
using grpc::testing::StreamingOutputCallResponse;
using grpc::testing::TestService;

// grpc core's message flags (src/core/lib/transport/transport.h): a message
// still compressed has GRPC_WRITE_INTERNAL_COMPRESS; once core's compression
// filter has inflated it, that bit is cleared and
// GRPC_WRITE_INTERNAL_TEST_ONLY_WAS_COMPRESSED set instead.
constexpr uint32_t kMessageCompressed = 0x80000000u;
constexpr uint32_t kMessageWasCompressed = 0x40000000u;
// Per-call deadline so a hung server fails a case instead of hanging it.
constexpr auto kCallTimeout = std::chrono::seconds(30);
// concurrent_unary: calls in flight at once on one channel.
constexpr int kConcurrentCalls = 1000;
// slow_reader: 256 responses of 64 KiB = 16 MiB, with a pause after each read
// so the client's flow-control window fills and the server must wait.
constexpr int kSlowReaderMessages = 256;
constexpr int kSlowReaderMessageBytes = 64 * 1024;
constexpr auto kSlowReaderPause = std::chrono::milliseconds(2);
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void check(bool condition, const std::string& message) {
    if (!condition) throw Failure(message);
}

std::string describe(const grpc::Status& s) {
    return "status " + std::to_string(s.error_code()) + " (\"" + s.error_message() + "\")";
}

void check_ok(const grpc::Status& s, const std::string& what) {
    check(s.ok(), what + ": " + describe(s) + ", want OK");
}

void check_code(const grpc::Status& s, grpc::StatusCode code, const std::string& what) {
    check(s.error_code() == code, what + ": " + describe(s) + ", want " + std::to_string(code));
}

void zeros(Payload* p, int n) {
    p->set_body(std::string(static_cast<size_t>(n), '\0'));
}

void check_payload(const Payload& p, int size, const std::string& what) {
    check(p.body().size() == static_cast<size_t>(size), what + ": payload is " +
                                                            std::to_string(p.body().size()) +
                                                            " bytes, want " + std::to_string(size));
    check(p.body() == std::string(static_cast<size_t>(size), '\0'),
          what + ": payload is not all zeros");
}

bool last_message_compressed(grpc::ClientContext& ctx) {
    return (grpc_call_test_only_get_message_flags(ctx.c_call()) &
            (kMessageCompressed | kMessageWasCompressed)) != 0;
}

void set_deadline(grpc::ClientContext& ctx) {
    ctx.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
}

SimpleRequest large_request() {
    SimpleRequest r;
    r.set_response_size(314159);
    zeros(r.mutable_payload(), 271828);
    return r;
}

StreamingOutputCallRequest output_request(const std::vector<int>& sizes, int payload_bytes = -1) {
    StreamingOutputCallRequest r;
    for (int n : sizes) r.add_response_parameters()->set_size(n);
    if (payload_bytes >= 0) zeros(r.mutable_payload(), payload_bytes);
    return r;
}

struct Client {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<TestService::Stub> stub;
};

void empty_unary(Client& c) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    Empty response;
    check_ok(c.stub->EmptyCall(&ctx, Empty(), &response), "EmptyCall");
}

void large_unary(Client& c) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    SimpleResponse response;
    check_ok(c.stub->UnaryCall(&ctx, large_request(), &response), "UnaryCall");
    check_payload(response.payload(), 314159, "response");
}

void client_compressed_unary(Client& c) {
    SimpleRequest probe = large_request();
    probe.mutable_expect_compressed()->set_value(true);
    {
        grpc::ClientContext ctx;
        set_deadline(ctx);
        SimpleResponse response;
        check_code(c.stub->UnaryCall(&ctx, probe, &response), grpc::StatusCode::INVALID_ARGUMENT,
                   "uncompressed probe with expect_compressed");
    }
    for (bool compressed : {true, false}) {
        SimpleRequest request = large_request();
        request.mutable_expect_compressed()->set_value(compressed);
        grpc::ClientContext ctx;
        set_deadline(ctx);
        ctx.set_compression_algorithm(compressed ? GRPC_COMPRESS_GZIP : GRPC_COMPRESS_NONE);
        SimpleResponse response;
        const std::string what = compressed ? "compressed request" : "uncompressed request";
        check_ok(c.stub->UnaryCall(&ctx, request, &response), what);
        check_payload(response.payload(), 314159, what);
    }
}

void server_compressed_unary(Client& c) {
    for (bool compressed : {true, false}) {
        SimpleRequest request = large_request();
        request.mutable_response_compressed()->set_value(compressed);
        grpc::ClientContext ctx;
        set_deadline(ctx);
        SimpleResponse response;
        const std::string what =
            std::string("response_compressed=") + (compressed ? "true" : "false");
        check_ok(c.stub->UnaryCall(&ctx, request, &response), what);
        check(last_message_compressed(ctx) == compressed,
              what + ": the response's Compressed-Flag is " + (compressed ? "clear" : "set"));
        check_payload(response.payload(), 314159, what);
    }
}

void client_streaming(Client& c) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    StreamingInputCallResponse response;
    auto stream = c.stub->StreamingInputCall(&ctx, &response);
    for (int n : {27182, 8, 1828, 45904}) {
        StreamingInputCallRequest r;
        zeros(r.mutable_payload(), n);
        check(stream->Write(r), "Write failed");
    }
    stream->WritesDone();
    check_ok(stream->Finish(), "StreamingInputCall");
    check(response.aggregated_payload_size() == 74922,
          "aggregated_payload_size " + std::to_string(response.aggregated_payload_size()) +
              ", want 74922");
}

void client_compressed_streaming(Client& c) {
    {
        grpc::ClientContext ctx;
        set_deadline(ctx);
        StreamingInputCallResponse response;
        auto stream = c.stub->StreamingInputCall(&ctx, &response);
        StreamingInputCallRequest probe;
        probe.mutable_expect_compressed()->set_value(true);
        zeros(probe.mutable_payload(), 27182);
        stream->Write(probe);  // may fail once the server has rejected the call
        stream->WritesDone();
        check_code(stream->Finish(), grpc::StatusCode::INVALID_ARGUMENT,
                   "uncompressed probe with expect_compressed");
    }
    grpc::ClientContext ctx;
    set_deadline(ctx);
    ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    StreamingInputCallResponse response;
    auto stream = c.stub->StreamingInputCall(&ctx, &response);
    StreamingInputCallRequest first;
    first.mutable_expect_compressed()->set_value(true);
    zeros(first.mutable_payload(), 27182);
    check(stream->Write(first), "Write of the compressed message failed");
    StreamingInputCallRequest second;
    second.mutable_expect_compressed()->set_value(false);
    zeros(second.mutable_payload(), 45904);
    check(stream->Write(second, grpc::WriteOptions().set_no_compression()),
          "Write of the plain message failed");
    stream->WritesDone();
    check_ok(stream->Finish(), "StreamingInputCall");
    check(response.aggregated_payload_size() == 73086,
          "aggregated_payload_size " + std::to_string(response.aggregated_payload_size()) +
              ", want 73086");
}

void read_sizes(grpc::ClientContext& ctx,
                grpc::ClientReaderInterface<StreamingOutputCallResponse>& stream,
                const std::vector<int>& sizes, const std::vector<int>& compressed = {}) {
    StreamingOutputCallResponse r;
    size_t i = 0;
    while (stream.Read(&r)) {
        const std::string what = "response " + std::to_string(i);
        check(i < sizes.size(), "more than " + std::to_string(sizes.size()) + " responses");
        check_payload(r.payload(), sizes[i], what);
        if (!compressed.empty()) {
            check(last_message_compressed(ctx) == (compressed[i] != 0),
                  what + ": the Compressed-Flag is " + (compressed[i] ? "clear" : "set"));
        }
        ++i;
    }
    check_ok(stream.Finish(), "stream");
    check(i == sizes.size(),
          std::to_string(i) + " responses, want " + std::to_string(sizes.size()));
}

void server_streaming(Client& c) {
    const std::vector<int> sizes{31415, 9, 2653, 58979};
    grpc::ClientContext ctx;
    set_deadline(ctx);
    auto stream = c.stub->StreamingOutputCall(&ctx, output_request(sizes));
    read_sizes(ctx, *stream, sizes);
}

void server_compressed_streaming(Client& c) {
    StreamingOutputCallRequest request;
    auto* p = request.add_response_parameters();
    p->set_size(31415);
    p->mutable_compressed()->set_value(true);
    p = request.add_response_parameters();
    p->set_size(92653);
    p->mutable_compressed()->set_value(false);
    grpc::ClientContext ctx;
    set_deadline(ctx);
    auto stream = c.stub->StreamingOutputCall(&ctx, request);
    read_sizes(ctx, *stream, {31415, 92653}, {1, 0});
}

void ping_pong(Client& c) {
    const int out[] = {31415, 9, 2653, 58979};
    const int in[] = {27182, 8, 1828, 45904};
    grpc::ClientContext ctx;
    set_deadline(ctx);
    auto stream = c.stub->FullDuplexCall(&ctx);
    StreamingOutputCallResponse r;
    for (int i = 0; i < 4; ++i) {
        check(stream->Write(output_request({out[i]}, in[i])), "Write failed");
        check(stream->Read(&r), "no response " + std::to_string(i));
        check_payload(r.payload(), out[i], "response " + std::to_string(i));
    }
    stream->WritesDone();
    check(!stream->Read(&r), "a fifth response");
    check_ok(stream->Finish(), "FullDuplexCall");
}

void empty_stream(Client& c) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    auto stream = c.stub->FullDuplexCall(&ctx);
    stream->WritesDone();
    StreamingOutputCallResponse r;
    check(!stream->Read(&r), "a response, want none");
    check_ok(stream->Finish(), "FullDuplexCall");
}

void timeout_on_sleeping_server(Client& c) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(1));
    auto stream = c.stub->FullDuplexCall(&ctx);
    StreamingOutputCallRequest r;
    zeros(r.mutable_payload(), 27182);
    stream->Write(r);  // may fail: the deadline may already have passed
    check_code(stream->Finish(), grpc::StatusCode::DEADLINE_EXCEEDED,
               "FullDuplexCall with 1 ms deadline");
}

void cancel_after_begin(Client& c) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    StreamingInputCallResponse response;
    auto stream = c.stub->StreamingInputCall(&ctx, &response);
    ctx.TryCancel();
    check_code(stream->Finish(), grpc::StatusCode::CANCELLED, "StreamingInputCall");
}

void cancel_after_first_response(Client& c) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    auto stream = c.stub->FullDuplexCall(&ctx);
    check(stream->Write(output_request({31415}, 27182)), "Write failed");
    StreamingOutputCallResponse r;
    check(stream->Read(&r), "no first response");
    check_payload(r.payload(), 31415, "first response");
    ctx.TryCancel();
    check_code(stream->Finish(), grpc::StatusCode::CANCELLED, "FullDuplexCall");
}

void check_echo(grpc::ClientContext& ctx, const std::string& what) {
    auto has = [](const std::multimap<grpc::string_ref, grpc::string_ref>& md,
                  const std::string& key, const std::string& value) {
        auto [from, to] = md.equal_range(key);
        for (auto it = from; it != to; ++it) {
            if (std::string(it->second.data(), it->second.size()) == value) return true;
        }
        return false;
    };
    check(has(ctx.GetServerInitialMetadata(), "x-grpc-test-echo-initial",
              "test_initial_metadata_value"),
          what + ": initial metadata lacks x-grpc-test-echo-initial");
    check(has(ctx.GetServerTrailingMetadata(), "x-grpc-test-echo-trailing-bin", "\xab\xab\xab"),
          what + ": trailing metadata lacks x-grpc-test-echo-trailing-bin 0xababab");
}

void add_echo_metadata(grpc::ClientContext& ctx) {
    ctx.AddMetadata("x-grpc-test-echo-initial", "test_initial_metadata_value");
    ctx.AddMetadata("x-grpc-test-echo-trailing-bin", "\xab\xab\xab");
}

void custom_metadata(Client& c) {
    {
        grpc::ClientContext ctx;
        set_deadline(ctx);
        add_echo_metadata(ctx);
        SimpleResponse response;
        check_ok(c.stub->UnaryCall(&ctx, large_request(), &response), "UnaryCall");
        check_payload(response.payload(), 314159, "UnaryCall response");
        check_echo(ctx, "UnaryCall");
    }
    grpc::ClientContext ctx;
    set_deadline(ctx);
    add_echo_metadata(ctx);
    auto stream = c.stub->FullDuplexCall(&ctx);
    check(stream->Write(output_request({314159}, 271828)), "Write failed");
    stream->WritesDone();
    StreamingOutputCallResponse r;
    check(stream->Read(&r), "FullDuplexCall: no response");
    check_payload(r.payload(), 314159, "FullDuplexCall response");
    check(!stream->Read(&r), "FullDuplexCall: a second response");
    check_ok(stream->Finish(), "FullDuplexCall");
    check_echo(ctx, "FullDuplexCall");
}

void status_echo(Client& c, const std::string& message, bool duplex) {
    {
        SimpleRequest request;
        request.mutable_response_status()->set_code(2);
        request.mutable_response_status()->set_message(message);
        grpc::ClientContext ctx;
        set_deadline(ctx);
        SimpleResponse response;
        grpc::Status s = c.stub->UnaryCall(&ctx, request, &response);
        check_code(s, grpc::StatusCode::UNKNOWN, "UnaryCall");
        check(s.error_message() == message,
              "UnaryCall: message \"" + s.error_message() + "\", want \"" + message + "\"");
    }
    if (!duplex) return;
    StreamingOutputCallRequest request;
    request.mutable_response_status()->set_code(2);
    request.mutable_response_status()->set_message(message);
    grpc::ClientContext ctx;
    set_deadline(ctx);
    auto stream = c.stub->FullDuplexCall(&ctx);
    stream->Write(request);
    stream->WritesDone();
    grpc::Status s = stream->Finish();
    check_code(s, grpc::StatusCode::UNKNOWN, "FullDuplexCall");
    check(s.error_message() == message,
          "FullDuplexCall: message \"" + s.error_message() + "\", want \"" + message + "\"");
}

void status_code_and_message(Client& c) {
    status_echo(c, "test status message", true);
}

void special_status_message(Client& c) {
    status_echo(c, "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \U0001F608\t\n",
                false);
}

void unimplemented_method(Client& c) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    Empty response;
    check_code(c.stub->UnimplementedCall(&ctx, Empty(), &response), grpc::StatusCode::UNIMPLEMENTED,
               "TestService/UnimplementedCall");
}

void unimplemented_service(Client& c) {
    auto stub = grpc::testing::UnimplementedService::NewStub(c.channel);
    grpc::ClientContext ctx;
    set_deadline(ctx);
    Empty response;
    check_code(stub->UnimplementedCall(&ctx, Empty(), &response), grpc::StatusCode::UNIMPLEMENTED,
               "UnimplementedService/UnimplementedCall");
}

void concurrent_unary(Client& c) {
    struct Call {
        grpc::ClientContext ctx;
        SimpleRequest request;
        SimpleResponse response;
        grpc::Status status;
    };
    std::vector<std::unique_ptr<Call>> calls;
    std::mutex mu;
    std::condition_variable cv;
    int done = 0;
    for (int i = 0; i < kConcurrentCalls; ++i) {
        auto call = std::make_unique<Call>();
        set_deadline(call->ctx);
        call->request.set_response_size(i % 100);
        zeros(call->request.mutable_payload(), i % 50);
        calls.push_back(std::move(call));
    }
    for (auto& call : calls) {
        Call* p = call.get();
        c.stub->async()->UnaryCall(&p->ctx, &p->request, &p->response, [&, p](grpc::Status s) {
            std::lock_guard lock(mu);
            p->status = std::move(s);
            ++done;
            cv.notify_one();
        });
    }
    {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return done == kConcurrentCalls; });
    }
    for (int i = 0; i < kConcurrentCalls; ++i) {
        check_ok(calls[i]->status, "call " + std::to_string(i));
        check_payload(calls[i]->response.payload(), i % 100, "call " + std::to_string(i));
    }
}

void slow_reader(Client& c) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    auto stream = c.stub->StreamingOutputCall(
        &ctx, output_request(std::vector<int>(kSlowReaderMessages, kSlowReaderMessageBytes)));
    StreamingOutputCallResponse r;
    int count = 0;
    while (stream->Read(&r)) {
        check_payload(r.payload(), kSlowReaderMessageBytes, "response " + std::to_string(count));
        ++count;
        std::this_thread::sleep_for(kSlowReaderPause);
    }
    check_ok(stream->Finish(), "StreamingOutputCall");
    check(count == kSlowReaderMessages,
          std::to_string(count) + " responses, want " + std::to_string(kSlowReaderMessages));
}

void cancel_mid_stream(Client& c) {
    {
        StreamingOutputCallRequest request;
        for (int i = 0; i < 1000; ++i) {
            auto* p = request.add_response_parameters();
            p->set_size(1024);
            p->set_interval_us(10000);
        }
        grpc::ClientContext ctx;
        set_deadline(ctx);
        auto stream = c.stub->StreamingOutputCall(&ctx, request);
        StreamingOutputCallResponse r;
        for (int i = 0; i < 3; ++i) {
            check(stream->Read(&r), "no response " + std::to_string(i));
            check_payload(r.payload(), 1024, "response " + std::to_string(i));
        }
        ctx.TryCancel();
        while (stream->Read(&r)) {
        }
        check_code(stream->Finish(), grpc::StatusCode::CANCELLED, "StreamingOutputCall");
    }
    grpc::ClientContext ctx;
    set_deadline(ctx);
    SimpleRequest request;
    request.set_response_size(7);
    SimpleResponse response;
    check_ok(c.stub->UnaryCall(&ctx, request, &response), "unary call after the cancel");
    check_payload(response.payload(), 7, "unary call after the cancel");
}

const std::map<std::string, std::function<void(Client&)>> kCases{
    {"empty_unary", empty_unary},
    {"large_unary", large_unary},
    {"client_streaming", client_streaming},
    {"server_streaming", server_streaming},
    {"ping_pong", ping_pong},
    {"empty_stream", empty_stream},
    {"timeout_on_sleeping_server", timeout_on_sleeping_server},
    {"cancel_after_begin", cancel_after_begin},
    {"cancel_after_first_response", cancel_after_first_response},
    {"custom_metadata", custom_metadata},
    {"status_code_and_message", status_code_and_message},
    {"special_status_message", special_status_message},
    {"unimplemented_method", unimplemented_method},
    {"unimplemented_service", unimplemented_service},
    {"client_compressed_unary", client_compressed_unary},
    {"server_compressed_unary", server_compressed_unary},
    {"client_compressed_streaming", client_compressed_streaming},
    {"server_compressed_streaming", server_compressed_streaming},
    {"concurrent_unary", concurrent_unary},
    {"slow_reader", slow_reader},
    {"cancel_mid_stream", cancel_mid_stream},
};

std::string read_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw std::runtime_error("cannot open " + path);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    // Flags as the official interop client spells them: --name=value or
    // --name value; --use_tls alone means true.
    std::map<std::string, std::string> flags{{"server_host", "127.0.0.1"}, {"use_tls", "false"}};
    const std::vector<std::string> known{"server_host", "server_port", "test_case",
                                         "use_tls",     "ca_file",     "server_host_override"};
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0) {
            std::fprintf(stderr, "client_cpp: unexpected argument %s\n", arg.c_str());
            return kExitUsage;
        }
        arg = arg.substr(2);
        std::string value;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        } else if (arg == "use_tls" &&
                   (i + 1 == argc || std::string(argv[i + 1]).rfind("--", 0) == 0)) {
            value = "true";
        } else if (i + 1 < argc) {
            value = argv[++i];
        }
        bool ok = false;
        for (const auto& k : known) ok = ok || k == arg;
        if (!ok) {
            std::fprintf(stderr, "client_cpp: unknown flag --%s\n", arg.c_str());
            return kExitUsage;
        }
        flags[arg] = value;
    }
    if (!flags.count("server_port") || !flags.count("test_case") ||
        !kCases.count(flags["test_case"])) {
        std::fprintf(stderr,
                     "usage: client_cpp --server_host=H --server_port=P --test_case=NAME "
                     "[--use_tls=true --ca_file=F --server_host_override=NAME]\n");
        return kExitUsage;
    }
    const std::string& test_case = flags["test_case"];
    try {
        grpc::ChannelArguments args;
        std::shared_ptr<grpc::ChannelCredentials> creds;
        if (flags["use_tls"] == "true" || flags["use_tls"] == "1") {
            grpc::SslCredentialsOptions options;
            if (flags.count("ca_file")) options.pem_root_certs = read_file(flags["ca_file"]);
            creds = grpc::SslCredentials(options);
            if (flags.count("server_host_override"))
                args.SetSslTargetNameOverride(flags["server_host_override"]);
        } else {
            creds = grpc::InsecureChannelCredentials();
        }
        Client client;
        client.channel = grpc::CreateCustomChannel(
            flags["server_host"] + ":" + flags["server_port"], creds, args);
        client.stub = TestService::NewStub(client.channel);
        kCases.at(test_case)(client);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "FAIL %s: %s\n", test_case.c_str(), e.what());
        return kExitFailed;
    }
    std::printf("PASS %s\n", test_case.c_str());
    return 0;
}
