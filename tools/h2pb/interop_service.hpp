// grpc.testing.TestService as interop-test-descriptions.md asks of a
// server ("Server" section and the server-side requirements of each case),
// on h2pb's gRPC server. `h2pb interop-server` serves it; the benchmarks use
// it too.
//
// No `if (!co_await ...)` here: g++ 12 miscompiles a coroutine whose body
// applies `!` to a co_await expression in a condition (its parameters arrive
// shifted by one); the result goes into a named variable first.
//
// What the test cases need from the server:
//   - EmptyCall: an empty response.
//   - UnaryCall: a payload of response_size zero bytes; response_status
//     echoed as the call's status; response_compressed asks for a compressed
//     response; expect_compressed checks the request's Compressed-Flag
//     (INVALID_ARGUMENT when it is not what the client said).
//   - StreamingOutputCall: one response per response_parameters entry, each
//     after interval_us, compressed per entry.
//   - StreamingInputCall: the sum of the payload sizes.
//   - FullDuplexCall: for each request, its responses at once; HalfDuplexCall
//     the same after the client half-closes.
//   - Metadata: "x-grpc-test-echo-initial" comes back as initial metadata,
//     "x-grpc-test-echo-trailing-bin" as trailing metadata.
//   - UnimplementedCall is not implemented (the generated default).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/rpc/asio/server.hpp>

#include "grpc/testing/test.h2pb.grpc.hpp"

namespace h2pb::cli {

namespace gt = ::grpc::testing;
namespace ra = ::h2pb::rpc::asio;
using ra::awaitable;

class interop_service final : public gt::TestService {
  public:
    /// The algorithm used when a test asks for a compressed response.
    std::string compression = "gzip";

    awaitable<rpc::result<gt::Empty>> EmptyCall(const gt::Empty&,
                                                ra::server_context& ctx) override {
        echo_metadata(ctx);
        co_return gt::Empty{};
    }

    awaitable<rpc::result<gt::SimpleResponse>> UnaryCall(const gt::SimpleRequest& req,
                                                         ra::server_context& ctx) override {
        echo_metadata(ctx);
        if (rpc::status st = check_compressed(req.expect_compressed, ctx); !st.ok()) co_return st;
        if (req.response_status && req.response_status->code != 0)
            co_return echo_status(*req.response_status);
        if (req.response_size < 0)
            co_return rpc::status{rpc::status_code::invalid_argument, "negative response_size"};
        compress_if(req.response_compressed, ctx);
        gt::SimpleResponse res;
        res.payload.ensure().body.assign(static_cast<std::size_t>(req.response_size), '\0');
        co_return res;
    }

    awaitable<rpc::result<gt::SimpleResponse>> CacheableUnaryCall(
        const gt::SimpleRequest& req, ra::server_context& ctx) override {
        rpc::result<gt::SimpleResponse> r = co_await UnaryCall(req, ctx);
        co_return r;
    }

    awaitable<rpc::status> StreamingOutputCall(
        const gt::StreamingOutputCallRequest& req,
        ra::server_writer<gt::StreamingOutputCallResponse>& w, ra::server_context& ctx) override {
        echo_metadata(ctx);
        const bool sent = co_await respond(req.response_parameters, w, ctx);
        if (!sent) co_return rpc::status{rpc::status_code::cancelled, "call ended"};
        if (req.response_status && req.response_status->code != 0)
            co_return echo_status(*req.response_status);
        co_return rpc::status{};
    }

    awaitable<rpc::result<gt::StreamingInputCallResponse>> StreamingInputCall(
        ra::server_reader<gt::StreamingInputCallRequest>& r, ra::server_context& ctx) override {
        echo_metadata(ctx);
        gt::StreamingInputCallRequest req;
        std::int32_t sum = 0;
        while (co_await r.read(req)) {
            if (rpc::status st = check_compressed(req.expect_compressed, ctx); !st.ok())
                co_return st;
            if (req.payload) sum += static_cast<std::int32_t>(req.payload->body.size());
        }
        if (ctx.is_cancelled()) co_return rpc::status{rpc::status_code::cancelled, "call ended"};
        gt::StreamingInputCallResponse res;
        res.aggregated_payload_size = sum;
        co_return res;
    }

    awaitable<rpc::status> FullDuplexCall(ra::server_reader<gt::StreamingOutputCallRequest>& r,
                                          ra::server_writer<gt::StreamingOutputCallResponse>& w,
                                          ra::server_context& ctx) override {
        echo_metadata(ctx);
        gt::StreamingOutputCallRequest req;
        while (co_await r.read(req)) {
            if (req.response_status && req.response_status->code != 0)
                co_return echo_status(*req.response_status);
            const bool sent = co_await respond(req.response_parameters, w, ctx);
            if (!sent) co_return rpc::status{rpc::status_code::cancelled, "call ended"};
        }
        co_return rpc::status{};
    }

    awaitable<rpc::status> HalfDuplexCall(ra::server_reader<gt::StreamingOutputCallRequest>& r,
                                          ra::server_writer<gt::StreamingOutputCallResponse>& w,
                                          ra::server_context& ctx) override {
        echo_metadata(ctx);
        std::vector<gt::StreamingOutputCallRequest> all;
        gt::StreamingOutputCallRequest req;
        while (co_await r.read(req)) all.push_back(req);
        for (const auto& q : all) {
            const bool sent = co_await respond(q.response_parameters, w, ctx);
            if (!sent) co_return rpc::status{rpc::status_code::cancelled, "call ended"};
        }
        co_return rpc::status{};
    }

  private:
    static void echo_metadata(ra::server_context& ctx) {
        if (auto v = ctx.client_metadata().get("x-grpc-test-echo-initial"))
            ctx.add_initial_metadata("x-grpc-test-echo-initial", *v);
        if (auto v = ctx.client_metadata().get("x-grpc-test-echo-trailing-bin"))
            ctx.add_trailing_metadata("x-grpc-test-echo-trailing-bin", *v);
    }

    static rpc::status echo_status(const gt::EchoStatus& s) {
        return rpc::status{rpc::code_from_int(s.code), s.message};
    }

    /// expect_compressed: the client says whether it compressed the request.
    static rpc::status check_compressed(const proto::box<gt::BoolValue>& expect,
                                        const ra::server_context& ctx) {
        if (!expect) return {};
        if (expect->value && !ctx.last_message_compressed())
            return {rpc::status_code::invalid_argument,
                    "expected a compressed request message, got an uncompressed one"};
        if (!expect->value && ctx.last_message_compressed())
            return {rpc::status_code::invalid_argument,
                    "expected an uncompressed request message, got a compressed one"};
        return {};
    }

    void compress_if(const proto::box<gt::BoolValue>& want, ra::server_context& ctx) const {
        if (want && want->value) {
            ctx.set_compression(compression);
            ctx.set_compress_messages(true);
        } else if (ctx.response_encoding() != "identity") {
            ctx.set_compress_messages(false);
        }
    }

    /// One response per parameter entry; false when the call is gone.
    awaitable<bool> respond(const std::vector<gt::ResponseParameters>& params,
                            ra::server_writer<gt::StreamingOutputCallResponse>& w,
                            ra::server_context& ctx) {
        // grpc's interop server sets the response's compression before the
        // first message: any entry asking for it turns grpc-encoding on,
        // and each message is then compressed or not as its entry says.
        for (const auto& p : params) {
            if (p.compressed && p.compressed->value) {
                ctx.set_compression(compression);
                break;
            }
        }
        gt::StreamingOutputCallResponse res;
        for (const auto& p : params) {
            if (p.interval_us > 0) {
                auto ex = co_await h2::asio::net::this_coro::executor;
                h2::asio::net::steady_timer t(ex, std::chrono::microseconds(p.interval_us));
                h2::asio::error_code_t ec;
                co_await t.async_wait(
                    h2::asio::net::redirect_error(h2::asio::net::use_awaitable, ec));
                if (ctx.is_cancelled()) co_return false;
            }
            compress_if(p.compressed, ctx);
            if (p.size < 0) co_return false;
            res.payload.ensure().body.assign(static_cast<std::size_t>(p.size), '\0');
            const bool written = co_await w.write(res);
            if (!written) co_return false;
        }
        co_return true;
    }
};

}  // namespace h2pb::cli
