// h2pb interop-client — grpc's interop test cases (interop-test-descriptions.md)
// run by h2pb's gRPC client channel (rpc/asio/channel.hpp) against any
// grpc.testing.TestService server.
//
// No `if (!co_await ...)` and no co_await inside a larger condition here:
// g++ 12 miscompiles some of those in coroutines (see interop_service.hpp);
// every awaited value goes into a named variable first.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <h2pb/rpc/asio/call.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/zlib.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "grpc/testing/test.h2pb.grpc.hpp"

namespace h2pb::cli {

namespace {

namespace gt = ::grpc::testing;
namespace ra = ::h2pb::rpc::asio;
namespace ha = ::h2pb::h2::asio;
using ra::awaitable;
using std::chrono::milliseconds;

constexpr const char* client_help =
    R"(usage: h2pb interop-client --server_port N [--server_host H] [--test_case NAME|all]
                           [--use_tls[=true|false] [--ca_file F] [--server_host_override NAME]]

Runs gRPC's interop test cases (interop-test-descriptions.md) with h2pb's
gRPC client against a grpc.testing.TestService server (h2pb interop-server,
grpc's interop servers). Prints one line per case, `PASS name` or
`FAIL name: expected X, got Y`, then `N passed, N failed`. Exit status 0 when
every case passed, 1 otherwise, 77 when the only case asked for is one this
client does not know (skipped), 2 for a usage error.

options:
  --server_host H            server address (default 127.0.0.1)
  --server_port N            server port
  --test_case NAME           a case, or `all` (default)
  --use_tls[=true|false]     TLS with ALPN h2; the certificate is verified
  --ca_file F                trusted CA (PEM) besides the system's
  --server_host_override N   the name the certificate must have (SNI, :authority)

cases: empty_unary large_unary client_streaming server_streaming ping_pong
empty_stream timeout_on_sleeping_server cancel_after_begin
cancel_after_first_response custom_metadata status_code_and_message
special_status_message unimplemented_method unimplemented_service
client_compressed_unary server_compressed_unary client_compressed_streaming
server_compressed_streaming concurrent_unary slow_reader cancel_mid_stream
rpc_soak channel_soak

soak options (rpc_soak, channel_soak; defaults as the interop descriptions):
  --soak_iterations N                              10
  --soak_max_failures N                            0
  --soak_per_iteration_max_acceptable_latency_ms N 1000
  --soak_overall_timeout_seconds N                 latency limit x iterations
  --soak_min_time_ms_between_rpcs N                0
)";

/// Deadline of every call that has none of its own: a hung call fails the
/// case instead of hanging the run (run_clients.py allows 60 s per case).
constexpr auto call_timeout = std::chrono::seconds(30);
/// concurrent_unary: calls in flight at once on one channel (run_clients.py).
constexpr int concurrent_calls = 1000;
/// slow_reader: a 16 MiB server stream read with a pause after each message.
constexpr int slow_reader_messages = 256;
constexpr int slow_reader_message_bytes = 64 * 1024;
constexpr auto slow_reader_pause = milliseconds(2);

using outcome = std::optional<std::string>;  ///< nullopt: passed; otherwise why not

/// rpc_soak and channel_soak (interop-test-descriptions.md): the flags and
/// their defaults as the description gives them.
struct soak_settings {
    int iterations = 10;
    /// Failures (non-OK status or too slow) still tolerated, inclusive.
    int max_failures = 0;
    int max_latency_ms = 1000;
    /// Default: max_latency_ms * iterations.
    std::optional<int> overall_timeout_s;
    int min_time_between_ms = 0;
};

template <class A, class B>
outcome expect_eq(std::string_view what, const A& want, const B& got) {
    if (want == got) return std::nullopt;
    std::string w, g;
    if constexpr (std::is_arithmetic_v<A>)
        w = std::to_string(want), g = std::to_string(got);
    else
        w = "\"" + std::string(want) + "\"", g = "\"" + std::string(got) + "\"";
    return "expected " + std::string(what) + " " + w + ", got " + g;
}

outcome expect_status(std::string_view what, rpc::status_code want, const rpc::status& got) {
    if (got.code == want) return std::nullopt;
    return "expected " + std::string(what) + " " + std::string(rpc::name(want)) + ", got " +
           got.to_string();
}

/// A payload of `n` zero bytes.
gt::Payload zeros(std::size_t n) {
    gt::Payload p;
    p.body.assign(n, '\0');
    return p;
}

outcome check_payload(std::string_view what, const proto::box<gt::Payload>& p, std::size_t n) {
    const std::size_t got = p ? p->body.size() : 0;
    if (got != n)
        return "expected " + std::string(what) + " payload of " + std::to_string(n) +
               " bytes, got " + std::to_string(got);
    if (p && p->body.find_first_not_of('\0') != std::string::npos)
        return "expected " + std::string(what) + " payload of zeros, got other bytes";
    return std::nullopt;
}

struct runner {
    ra::channel& ch;
    /// What channel_soak needs to make a channel of its own per call.
    std::string target;
    ra::channel_options channel_opts;
    soak_settings soak;
    gt::TestService::stub<ra::channel> stub{ch};
    // Requests and options are named, never temporaries inside a co_await
    // expression: g++ 12 destroys such an aggregate temporary twice.
    const ra::call_options std_opts = opts();
    const gt::Empty empty{};

    static ra::call_options opts() {
        ra::call_options o;
        o.timeout = call_timeout;
        return o;
    }

    static gt::SimpleRequest large_request() {
        gt::SimpleRequest r;
        r.response_size = 314159;
        r.payload = zeros(271828);
        return r;
    }

    static gt::StreamingOutputCallRequest output_request(std::int32_t size, std::size_t payload) {
        gt::StreamingOutputCallRequest r;
        r.response_parameters.emplace_back().size = size;
        if (payload > 0) r.payload = zeros(payload);
        return r;
    }

    awaitable<outcome> empty_unary() {
        auto r = co_await stub.EmptyCall(empty, std_opts);
        co_return expect_status("status", rpc::status_code::ok, r.status());
    }

    awaitable<outcome> large_unary() {
        const auto q = large_request();
        auto r = co_await stub.UnaryCall(q, std_opts);
        if (!r) co_return expect_status("status", rpc::status_code::ok, r.status());
        co_return check_payload("response", r->payload, 314159);
    }

    awaitable<outcome> client_streaming() {
        auto w = co_await stub.StreamingInputCall(std_opts);
        for (const std::size_t n : {27182u, 8u, 1828u, 45904u}) {
            gt::StreamingInputCallRequest q;
            q.payload = zeros(n);
            const bool ok = co_await w.write(q);
            if (!ok) break;
        }
        auto r = co_await w.finish();
        if (!r) co_return expect_status("status", rpc::status_code::ok, r.status());
        co_return expect_eq("aggregated_payload_size", 74922, r->aggregated_payload_size);
    }

    /// Reads a stream of StreamingOutputCallResponse and checks the sizes.
    template <class Reader>
    static awaitable<outcome> read_sizes(Reader& rd, const std::vector<std::size_t>& sizes) {
        gt::StreamingOutputCallResponse m;
        std::size_t i = 0;
        for (;;) {
            const bool got = co_await rd.read(m);
            if (!got) break;
            if (i >= sizes.size())
                co_return "expected " + std::to_string(sizes.size()) + " responses, got more";
            if (auto o = check_payload("response " + std::to_string(i), m.payload, sizes[i]))
                co_return o;
            ++i;
        }
        const rpc::status st = co_await rd.finish();
        if (auto o = expect_status("status", rpc::status_code::ok, st)) co_return o;
        co_return expect_eq("responses", sizes.size(), i);
    }

    awaitable<outcome> server_streaming() {
        gt::StreamingOutputCallRequest q;
        for (const std::int32_t n : {31415, 9, 2653, 58979})
            q.response_parameters.emplace_back().size = n;
        auto rd = co_await stub.StreamingOutputCall(q, std_opts);
        const std::vector<std::size_t> want{31415, 9, 2653, 58979};
        co_return co_await read_sizes(rd, want);
    }

    awaitable<outcome> ping_pong() {
        auto rw = co_await stub.FullDuplexCall(std_opts);
        const std::int32_t sizes[] = {31415, 9, 2653, 58979};
        const std::size_t payloads[] = {27182, 8, 1828, 45904};
        gt::StreamingOutputCallResponse m;
        for (int i = 0; i < 4; ++i) {
            const auto q = output_request(sizes[i], payloads[i]);
            const bool sent = co_await rw.write(q);
            if (!sent) break;
            const bool got = co_await rw.read(m);
            if (!got) {
                const rpc::status st = co_await rw.finish();
                co_return "expected response " + std::to_string(i) + ", got the end (" +
                    st.to_string() + ")";
            }
            if (auto o = check_payload("response " + std::to_string(i), m.payload,
                                       static_cast<std::size_t>(sizes[i])))
                co_return o;
        }
        (void)co_await rw.writes_done();
        const bool more = co_await rw.read(m);
        if (more) co_return "expected 4 responses, got more";
        const rpc::status st = co_await rw.finish();
        co_return expect_status("status", rpc::status_code::ok, st);
    }

    awaitable<outcome> empty_stream() {
        auto rw = co_await stub.FullDuplexCall(std_opts);
        (void)co_await rw.writes_done();
        gt::StreamingOutputCallResponse m;
        const bool got = co_await rw.read(m);
        if (got) co_return "expected 0 responses, got 1 or more";
        const rpc::status st = co_await rw.finish();
        co_return expect_status("status", rpc::status_code::ok, st);
    }

    awaitable<outcome> timeout_on_sleeping_server() {
        ra::call_options o;
        o.timeout = milliseconds(1);
        auto rw = co_await stub.FullDuplexCall(o);
        gt::StreamingOutputCallRequest q;
        q.payload = zeros(27182);
        (void)co_await rw.write(q);
        const rpc::status st = co_await rw.finish();
        co_return expect_status("status", rpc::status_code::deadline_exceeded, st);
    }

    awaitable<outcome> cancel_after_begin() {
        auto w = co_await stub.StreamingInputCall(std_opts);
        w.cancel();
        auto r = co_await w.finish();
        co_return expect_status("status", rpc::status_code::cancelled, r.status());
    }

    awaitable<outcome> cancel_after_first_response() {
        auto rw = co_await stub.FullDuplexCall(std_opts);
        const auto q = output_request(31415, 27182);
        (void)co_await rw.write(q);
        gt::StreamingOutputCallResponse m;
        const bool got = co_await rw.read(m);
        if (!got) {
            const rpc::status st = co_await rw.finish();
            co_return "expected a response, got the end (" + st.to_string() + ")";
        }
        rw.cancel();
        const rpc::status st = co_await rw.finish();
        co_return expect_status("status", rpc::status_code::cancelled, st);
    }

    static constexpr std::string_view initial_key = "x-grpc-test-echo-initial";
    static constexpr std::string_view initial_value = "test_initial_metadata_value";
    static constexpr std::string_view trailing_key = "x-grpc-test-echo-trailing-bin";
    static constexpr std::string_view trailing_value = "\xab\xab\xab";

    static outcome check_echoed(std::string_view call, const rpc::metadata& initial,
                                const rpc::metadata& trailing) {
        const auto i = initial.get(initial_key);
        if (!i || *i != initial_value) {
            return "expected " + std::string(call) + " initial metadata " +
                   std::string(initial_key) + ": " + std::string(initial_value) + ", got " +
                   (i ? "\"" + std::string(*i) + "\"" : "none");
        }
        const auto t = trailing.get(trailing_key);
        if (!t || *t != trailing_value) {
            return "expected " + std::string(call) + " trailing metadata " +
                   std::string(trailing_key) + ": 0xababab, got " +
                   (t ? std::to_string(t->size()) + " other bytes" : "none");
        }
        return std::nullopt;
    }

    awaitable<outcome> custom_metadata() {
        auto o = opts();
        o.md.add(initial_key, initial_value);
        o.md.add(trailing_key, trailing_value);
        ra::client_context ctx;
        o.context = &ctx;
        const auto q = large_request();
        auto r = co_await stub.UnaryCall(q, o);
        if (!r) co_return expect_status("UnaryCall status", rpc::status_code::ok, r.status());
        if (auto e = check_payload("UnaryCall response", r->payload, 314159)) co_return e;
        if (auto e = check_echoed("UnaryCall", ctx.initial_metadata(), ctx.trailing_metadata()))
            co_return e;

        auto o2 = opts();
        o2.md = o.md;
        auto rw = co_await stub.FullDuplexCall(o2);
        const auto q2 = output_request(314159, 271828);
        (void)co_await rw.write(q2);
        (void)co_await rw.writes_done();
        gt::StreamingOutputCallResponse m;
        int n = 0;
        for (;;) {
            const bool got = co_await rw.read(m);
            if (!got) break;
            ++n;
        }
        const rpc::status st = co_await rw.finish();
        if (auto e = expect_status("FullDuplexCall status", rpc::status_code::ok, st)) co_return e;
        if (auto e = expect_eq("FullDuplexCall responses", 1, n)) co_return e;
        co_return check_echoed("FullDuplexCall", rw.initial_metadata(), rw.trailing_metadata());
    }

    awaitable<outcome> echo_status_unary(std::string_view message) {
        gt::SimpleRequest q;
        q.response_status.ensure().code = 2;
        q.response_status->message = std::string(message);
        auto r = co_await stub.UnaryCall(q, std_opts);
        if (auto e = expect_status("UnaryCall status", rpc::status_code::unknown, r.status()))
            co_return e;
        co_return expect_eq("UnaryCall message", message, r.status().message);
    }

    awaitable<outcome> status_code_and_message() {
        constexpr std::string_view msg = "test status message";
        if (auto e = co_await echo_status_unary(msg)) co_return e;
        auto rw = co_await stub.FullDuplexCall(std_opts);
        gt::StreamingOutputCallRequest q;
        q.response_status.ensure().code = 2;
        q.response_status->message = std::string(msg);
        (void)co_await rw.write(q);
        (void)co_await rw.writes_done();
        const rpc::status st = co_await rw.finish();
        if (auto e = expect_status("FullDuplexCall status", rpc::status_code::unknown, st))
            co_return e;
        co_return expect_eq("FullDuplexCall message", msg, st.message);
    }

    awaitable<outcome> special_status_message() {
        co_return co_await echo_status_unary(
            "\t\ntest with whitespace\r\nand Unicode BMP \xe2\x98\xba and non-BMP "
            "\xf0\x9f\x98\x88\t\n");
    }

    awaitable<outcome> unimplemented_method() {
        auto r = co_await stub.UnimplementedCall(empty, std_opts);
        co_return expect_status("status", rpc::status_code::unimplemented, r.status());
    }

    awaitable<outcome> unimplemented_service() {
        gt::UnimplementedService::stub<ra::channel> other(ch);
        auto r = co_await other.UnimplementedCall(empty, std_opts);
        co_return expect_status("status", rpc::status_code::unimplemented, r.status());
    }

    awaitable<outcome> client_compressed_unary() {
        auto probe = large_request();
        probe.expect_compressed.ensure().value = true;
        auto r0 = co_await stub.UnaryCall(probe, std_opts);
        if (auto e = expect_status("probe status", rpc::status_code::invalid_argument, r0.status()))
            co_return e;
        auto gz = opts();
        gz.compression = "gzip";
        auto r1 = co_await stub.UnaryCall(probe, gz);
        if (!r1)
            co_return expect_status("compressed call status", rpc::status_code::ok, r1.status());
        if (auto e = check_payload("compressed call response", r1->payload, 314159)) co_return e;
        auto plain = large_request();
        plain.expect_compressed.ensure().value = false;
        auto r2 = co_await stub.UnaryCall(plain, std_opts);
        if (!r2)
            co_return expect_status("uncompressed call status", rpc::status_code::ok, r2.status());
        co_return check_payload("uncompressed call response", r2->payload, 314159);
    }

    /// The description's assertions include the Compressed-Flag of each
    /// response: the typed unary API does not show it, so this case makes
    /// the call with start_call() and reads the message's flag.
    awaitable<outcome> server_compressed_unary() {
        for (const bool compressed : {true, false}) {
            auto q = large_request();
            q.response_compressed.ensure().value = compressed;
            const std::string what = compressed ? "compressed response" : "uncompressed response";
            auto c = co_await ch.start_call(gt::TestService::UnaryCall_method, std_opts);
            co_await c->send_only(proto::encode_to_string(q));
            std::string bytes;
            const bool got = co_await c->next(bytes);
            const bool flag = c->last_message_compressed();
            const rpc::status st = co_await c->finish();
            if (auto e = expect_status(what + " status", rpc::status_code::ok, st)) co_return e;
            if (!got) co_return "expected a " + what + ", got none";
            if (flag != compressed)
                co_return "expected the " + what + " with Compressed-Flag " +
                    (compressed ? "1" : "0") + ", got " + (flag ? "1" : "0");
            gt::SimpleResponse r;
            if (proto::decode(r, wire::as_bytes(std::string_view(bytes))))
                co_return "expected a SimpleResponse, got bytes that do not decode";
            if (auto e = check_payload(what, r.payload, 314159)) co_return e;
        }
        co_return std::nullopt;
    }

    awaitable<outcome> client_compressed_streaming() {
        gt::StreamingInputCallRequest probe;
        probe.expect_compressed.ensure().value = true;
        probe.payload = zeros(27182);
        {
            auto w = co_await stub.StreamingInputCall(std_opts);
            (void)co_await w.write(probe);
            auto r = co_await w.finish();
            if (auto e =
                    expect_status("probe status", rpc::status_code::invalid_argument, r.status()))
                co_return e;
        }
        auto gz = opts();
        gz.compression = "gzip";
        auto w = co_await stub.StreamingInputCall(gz);
        (void)co_await w.write(probe, true);
        gt::StreamingInputCallRequest plain;
        plain.expect_compressed.ensure().value = false;
        plain.payload = zeros(45904);
        (void)co_await w.write(plain, false);
        auto r = co_await w.finish();
        if (!r) co_return expect_status("status", rpc::status_code::ok, r.status());
        co_return expect_eq("aggregated_payload_size", 73086, r->aggregated_payload_size);
    }

    awaitable<outcome> server_compressed_streaming() {
        gt::StreamingOutputCallRequest q;
        auto& a = q.response_parameters.emplace_back();
        a.size = 31415;
        a.compressed.ensure().value = true;
        auto& b = q.response_parameters.emplace_back();
        b.size = 92653;
        b.compressed.ensure().value = false;
        auto rd = co_await stub.StreamingOutputCall(q, std_opts);
        const std::size_t sizes[] = {31415, 92653};
        const bool flags[] = {true, false};
        gt::StreamingOutputCallResponse m;
        std::size_t i = 0;
        for (;; ++i) {
            const bool got = co_await rd.read(m);
            if (!got) break;
            if (i >= 2) co_return "expected 2 responses, got more";
            const std::string what = "response " + std::to_string(i);
            if (auto e = check_payload(what, m.payload, sizes[i])) co_return e;
            if (rd.last_message_compressed() != flags[i])
                co_return "expected " + what + " with Compressed-Flag " + (flags[i] ? "1" : "0") +
                    ", got " + (flags[i] ? "0" : "1");
        }
        const rpc::status st = co_await rd.finish();
        if (auto e = expect_status("status", rpc::status_code::ok, st)) co_return e;
        co_return expect_eq("responses", std::size_t{2}, i);
    }

    awaitable<outcome> concurrent_unary() {
        int pending = concurrent_calls;
        std::optional<std::string> first_failure;
        ha::wakeup all_done;
        for (int i = 0; i < concurrent_calls; ++i) {
            ha::net::co_spawn(
                ch.get_executor(),
                [this, i, &pending, &first_failure, &all_done]() -> awaitable<void> {
                    gt::SimpleRequest q;
                    q.response_size = i % 100;
                    q.payload = zeros(static_cast<std::size_t>(i % 50));
                    auto r = co_await stub.UnaryCall(q, std_opts);
                    outcome o = r ? check_payload("call " + std::to_string(i), r->payload,
                                                  static_cast<std::size_t>(i % 100))
                                  : expect_status("call " + std::to_string(i) + " status",
                                                  rpc::status_code::ok, r.status());
                    if (o && !first_failure) first_failure = std::move(o);
                    if (--pending == 0) all_done.notify();
                },
                ha::net::detached);
        }
        while (pending > 0) {
            co_await all_done.wait();
        }
        co_return first_failure;
    }

    awaitable<outcome> slow_reader() {
        gt::StreamingOutputCallRequest q;
        for (int i = 0; i < slow_reader_messages; ++i)
            q.response_parameters.emplace_back().size = slow_reader_message_bytes;
        auto rd = co_await stub.StreamingOutputCall(q, std_opts);
        gt::StreamingOutputCallResponse m;
        int n = 0;
        ha::net::steady_timer pause(ch.get_executor());
        for (;;) {
            const bool got = co_await rd.read(m);
            if (!got) break;
            if (auto e = check_payload("response " + std::to_string(n), m.payload,
                                       slow_reader_message_bytes))
                co_return e;
            ++n;
            pause.expires_after(slow_reader_pause);
            co_await pause.async_wait(ha::net::use_awaitable);
        }
        const rpc::status st = co_await rd.finish();
        if (auto e = expect_status("status", rpc::status_code::ok, st)) co_return e;
        co_return expect_eq("responses", slow_reader_messages, n);
    }

    awaitable<outcome> cancel_mid_stream() {
        gt::StreamingOutputCallRequest q;
        for (int i = 0; i < 1000; ++i) {
            auto& p = q.response_parameters.emplace_back();
            p.size = 1024;
            p.interval_us = 10000;
        }
        auto rd = co_await stub.StreamingOutputCall(q, std_opts);
        gt::StreamingOutputCallResponse m;
        for (int i = 0; i < 3; ++i) {
            const bool got = co_await rd.read(m);
            if (!got) {
                const rpc::status st = co_await rd.finish();
                co_return "expected response " + std::to_string(i) + ", got the end (" +
                    st.to_string() + ")";
            }
            if (auto e = check_payload("response " + std::to_string(i), m.payload, 1024))
                co_return e;
        }
        rd.cancel();
        const rpc::status st = co_await rd.finish();
        if (auto e = expect_status("status", rpc::status_code::cancelled, st)) co_return e;
        gt::SimpleRequest small;
        small.response_size = 7;
        auto r = co_await stub.UnaryCall(small, std_opts);
        if (!r)
            co_return expect_status("unary call after the cancel", rpc::status_code::ok,
                                    r.status());
        co_return check_payload("unary call after the cancel", r->payload, 7);
    }

    /// rpc_soak (fresh_channel false) and channel_soak (true): large_unary
    /// in sequence, each timed (a fresh channel's creation and connection
    /// included, its teardown not), one log line per iteration in the
    /// description's format, failures counted in a second pass.
    awaitable<outcome> soak_test(bool fresh_channel) {
        using clock = std::chrono::steady_clock;
        // Default: the latency limit times the iterations, in whole seconds
        // rounded up.
        const long long default_ms = static_cast<long long>(soak.max_latency_ms) * soak.iterations;
        const int overall_s =
            soak.overall_timeout_s.value_or(static_cast<int>((default_ms + 999) / 1000));
        const auto overall_end = clock::now() + std::chrono::seconds(overall_s);
        const auto q = large_request();
        std::vector<double> latencies_ms;
        int failures = 0;
        ha::net::steady_timer gap(ch.get_executor());
        for (int i = 0; i < soak.iterations && clock::now() < overall_end; ++i) {
            const auto start = clock::now();
            std::optional<ra::channel> own;
            ra::channel* c = &ch;
            if (fresh_channel) c = &own.emplace(ch.get_executor(), target, channel_opts);
            gt::TestService::stub<ra::channel> s(*c);
            // No deadline per call (the description asks to wait for each
            // to complete); the guard is the overall timeout's end.
            ra::call_options o;
            o.deadline = overall_end;
            auto r = co_await s.UnaryCall(q, o);
            const double ms =
                std::chrono::duration<double, std::milli>(clock::now() - start).count();
            if (own) own->close();
            latencies_ms.push_back(ms);
            outcome why = r ? check_payload("response", r->payload, 314159)
                            : expect_status("status", rpc::status_code::ok, r.status());
            if (!why && ms > soak.max_latency_ms)
                why = "latency " + std::to_string(static_cast<long>(ms)) + " ms is over " +
                      std::to_string(soak.max_latency_ms) + " ms";
            std::cout << "soak iteration: " << i << " elapsed_ms: " << static_cast<long>(ms)
                      << " peer: " << target << (why ? " failed: " + *why : " succeeded")
                      << std::endl;
            if (why) ++failures;
            if (soak.min_time_between_ms > 0) {
                gap.expires_at(start + milliseconds(soak.min_time_between_ms));
                co_await gap.async_wait(ha::net::use_awaitable);
            }
        }
        std::vector<double> sorted = latencies_ms;
        std::sort(sorted.begin(), sorted.end());
        auto pct = [&](double p) {
            if (sorted.empty()) return 0L;
            const auto k = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
            return static_cast<long>(sorted[k]);
        };
        std::cout << "soak summary: iterations " << latencies_ms.size() << " failures " << failures
                  << " latency_ms p50 " << pct(0.5) << " p90 " << pct(0.9) << " max " << pct(1.0)
                  << std::endl;
        const int completed = static_cast<int>(latencies_ms.size());
        if (completed < soak.iterations) {
            co_return "expected " + std::to_string(soak.iterations) +
                " iterations within soak_overall_timeout_seconds " + std::to_string(overall_s) +
                ", completed " + std::to_string(completed);
        }
        if (failures > soak.max_failures)
            co_return "expected at most soak_max_failures " + std::to_string(soak.max_failures) +
                " failed iterations, got " + std::to_string(failures);
        co_return std::nullopt;
    }
    awaitable<outcome> rpc_soak() { return soak_test(false); }
    awaitable<outcome> channel_soak() { return soak_test(true); }
};

using case_fn = awaitable<outcome> (runner::*)();
struct case_entry {
    std::string_view name;
    case_fn fn;
};

constexpr case_entry cases[] = {
    {"empty_unary", &runner::empty_unary},
    {"large_unary", &runner::large_unary},
    {"client_streaming", &runner::client_streaming},
    {"server_streaming", &runner::server_streaming},
    {"ping_pong", &runner::ping_pong},
    {"empty_stream", &runner::empty_stream},
    {"timeout_on_sleeping_server", &runner::timeout_on_sleeping_server},
    {"cancel_after_begin", &runner::cancel_after_begin},
    {"cancel_after_first_response", &runner::cancel_after_first_response},
    {"custom_metadata", &runner::custom_metadata},
    {"status_code_and_message", &runner::status_code_and_message},
    {"special_status_message", &runner::special_status_message},
    {"unimplemented_method", &runner::unimplemented_method},
    {"unimplemented_service", &runner::unimplemented_service},
    {"client_compressed_unary", &runner::client_compressed_unary},
    {"server_compressed_unary", &runner::server_compressed_unary},
    {"client_compressed_streaming", &runner::client_compressed_streaming},
    {"server_compressed_streaming", &runner::server_compressed_streaming},
    {"concurrent_unary", &runner::concurrent_unary},
    {"slow_reader", &runner::slow_reader},
    {"cancel_mid_stream", &runner::cancel_mid_stream},
    {"rpc_soak", &runner::rpc_soak},
    {"channel_soak", &runner::channel_soak},
};

int usage_error(const std::string& what) {
    return cli::report_usage_error("interop-client", what);
}

/// "--use_tls", "--use_tls=true" and "--use_tls true" are all true.
std::optional<bool> take_bool(args& a, std::string_view name) {
    if (auto v = a.take_value(name)) {
        if (*v == "true" || *v == "1" || *v == "yes") return true;
        if (*v == "false" || *v == "0" || *v == "no") return false;
        return std::nullopt;
    }
    return a.take_flag(name);
}

}  // namespace

int run_interop_client(int argc, char** argv) {
    // `--use_tls` alone must not swallow the next word as its value.
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        std::string w = argv[i];
        if (w == "--use_tls" && (i + 1 == argc || (std::string_view(argv[i + 1]) != "true" &&
                                                   std::string_view(argv[i + 1]) != "false")))
            w = "--use_tls=true";
        words.push_back(std::move(w));
    }
    args a(std::move(words));
    if (a.take_flag("--help") || a.take_flag("-h")) {
        std::cout << client_help;
        return 0;
    }
    const std::string host = a.take_value("--server_host").value_or("127.0.0.1");
    const auto port = a.take_value("--server_port");
    const std::string test_case = a.take_value("--test_case").value_or("all");
    const auto use_tls = take_bool(a, "--use_tls");
    const auto ca_file = a.take_value("--ca_file");
    const auto override_name = a.take_value("--server_host_override");
    soak_settings soak;
    std::string bad_number;
    auto take_int = [&](std::string_view name, int& into) {
        const auto v = a.take_value(name);
        if (!v) return;
        if (v->empty() || v->size() > 9 || v->find_first_not_of("0123456789") != std::string::npos)
            bad_number = std::string(name);
        else
            into = std::stoi(*v);
    };
    take_int("--soak_iterations", soak.iterations);
    take_int("--soak_max_failures", soak.max_failures);
    take_int("--soak_per_iteration_max_acceptable_latency_ms", soak.max_latency_ms);
    take_int("--soak_min_time_ms_between_rpcs", soak.min_time_between_ms);
    int overall = -1;
    take_int("--soak_overall_timeout_seconds", overall);
    if (overall >= 0) soak.overall_timeout_s = overall;
    if (!bad_number.empty()) return usage_error(bad_number + " takes a whole number");
    if (auto u = a.unknown_option()) return usage_error("unknown option " + *u);
    if (!a.positionals().empty())
        return usage_error("unexpected argument " + a.positionals().front());
    if (!port || port->empty() || port->find_first_not_of("0123456789") != std::string::npos)
        return usage_error("--server_port N is required");
    if (!use_tls) return usage_error("--use_tls takes true or false");

    std::vector<const case_entry*> selected;
    for (const auto& c : cases)
        if (test_case == "all" || c.name == test_case) selected.push_back(&c);
    if (selected.empty()) {
        std::cout << "SKIP " << test_case << ": not a case this client knows\n";
        return 77;
    }

    ra::channel_options o;
    o.codecs = std::make_shared<rpc::zlib_registry>();
    o.use_tls = *use_tls;
    if (ca_file) o.ca_file = *ca_file;
    if (override_name) o.server_name_override = *override_name;
    const std::string target =
        (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + *port;

    std::signal(SIGPIPE, SIG_IGN);
    ha::net::io_context io(1);
    ra::channel ch(io.get_executor(), target, o);
    int passed = 0, failed = 0;
    ha::net::co_spawn(
        io,
        [&]() -> awaitable<void> {
            runner r{ch, target, o, soak};
            for (const case_entry* c : selected) {
                outcome out;
                try {
                    out = co_await (r.*(c->fn))();
                } catch (const std::exception& e) {
                    out = std::string("exception: ") + e.what();
                }
                if (out) {
                    ++failed;
                    std::cout << "FAIL " << c->name << ": " << *out << std::endl;
                } else {
                    ++passed;
                    std::cout << "PASS " << c->name << std::endl;
                }
            }
            ch.close();
        },
        ha::net::detached);
    io.run();
    std::cout << passed << " passed, " << failed << " failed" << std::endl;
    return failed == 0 && passed > 0 ? 0 : 1;
}

}  // namespace h2pb::cli
