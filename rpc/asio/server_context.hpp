// h2pb::rpc::asio — what a handler knows about its call, and what it can
// say besides messages.
//
//   awaitable<rpc::result<Report>> GetReport(const ReportRequest& req,
//                                            server_context& ctx) override {
//       if (ctx.time_remaining() < 50ms) co_return rpc::status_code::deadline_exceeded;
//       auto user = ctx.client_metadata().get("x-user");     // custom metadata
//       ctx.add_trailing_metadata("x-served-by", "h2pb");
//       ...
//       if (ctx.is_cancelled()) co_return rpc::status_code::cancelled;
//   }
//
// The context lives as long as the call's handler runs. Request side: the
// :path, :authority, the peer's address, the client's custom metadata (keys
// lower case; values of "-bin" keys decoded from base64), the deadline from
// grpc-timeout. Response side: initial metadata (sent with the response
// header section, before the first message, or now with
// send_initial_metadata()), trailing metadata (sent with grpc-status), and
// compression of the messages that follow. Cancellation: the client reset
// the stream, the deadline passed, or the server is shutting down past its
// grace period; is_cancelled() polls, cancelled() waits.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <h2pb/h2/asio/awaitable.hpp>
#include <h2pb/h2/clock.hpp>
#include <h2pb/rpc/metadata.hpp>
#include <h2pb/rpc/method.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc::asio {

using h2::asio::awaitable;

class server_call;

class server_context {
  public:
    /// The layers' steady clock (h2/clock.hpp), without the HTTP/2 layer's
    /// other headers.
    using clock = h2::clock;
    using time_point = h2::time_point;
    using duration = clock::duration;

    server_context() = default;
    server_context(const server_context&) = delete;
    server_context& operator=(const server_context&) = delete;

    // ---- the request

    /// The method's descriptor (path, service, method, kind).
    const method_descriptor& method() const noexcept { return method_; }
    std::string_view authority() const noexcept { return authority_; }
    /// "ipv4:127.0.0.1:50312" or "ipv6:[::1]:50312", as grpc C++ writes it.
    std::string_view peer();
    /// The client's custom metadata (no pseudo-header or reserved fields).
    const metadata& client_metadata() const noexcept { return client_metadata_; }
    /// The user-agent the client sent.
    std::string_view user_agent() const noexcept { return user_agent_; }
    /// The grpc-encoding of the request messages ("identity" when none).
    std::string_view request_encoding() const noexcept { return request_encoding_; }
    /// The last request message read had Compressed-Flag 1.
    bool last_message_compressed() const noexcept { return last_message_compressed_; }
    /// The deadline from grpc-timeout, if the client set one.
    std::optional<time_point> deadline() const noexcept { return deadline_; }
    /// Time left until the deadline (duration::max() without one; zero or
    /// less once it passed).
    duration time_remaining() const noexcept {
        if (!deadline_) return duration::max();
        return *deadline_ - clock::now();
    }

    // ---- the response

    /// Adds to the initial metadata (the response header section). Ignored
    /// once that went out. Keys must be valid and not reserved (false then).
    bool add_initial_metadata(std::string_view key, std::string_view value) {
        if (initial_sent_ || is_reserved(key)) return false;
        return initial_metadata_.add(key, value) == metadata_errc::ok;
    }
    /// Adds to the trailing metadata, sent with grpc-status.
    bool add_trailing_metadata(std::string_view key, std::string_view value) {
        if (is_reserved(key)) return false;
        return trailing_metadata_.add(key, value) == metadata_errc::ok;
    }
    const metadata& initial_metadata() const noexcept { return initial_metadata_; }
    const metadata& trailing_metadata() const noexcept { return trailing_metadata_; }
    /// Sends the response header section now (with the initial metadata),
    /// instead of with the first message. False if the call is gone.
    bool send_initial_metadata();
    bool initial_metadata_sent() const noexcept { return initial_sent_; }

    /// Compress the response messages that follow with `encoding` ("gzip",
    /// "deflate"; "identity" for none), if the server has that codec and the
    /// client accepts it (grpc-accept-encoding). False otherwise: messages
    /// then go uncompressed. Takes effect for the whole response (the
    /// grpc-encoding header) when called before the first message.
    bool set_compression(std::string_view encoding);
    /// Per message: with a compression set, compress the next messages (true,
    /// the default) or send them uncompressed (flag 0) although grpc-encoding
    /// names an algorithm (the interop tests' response_compressed = false).
    void set_compress_messages(bool yes) noexcept { compress_messages_ = yes; }
    std::string_view response_encoding() const noexcept { return response_encoding_; }

    // ---- cancellation

    /// The call ended before the handler finished: the client reset it, the
    /// deadline passed, the connection closed, the server stopped.
    bool is_cancelled() const noexcept;
    /// Waits until the call is cancelled, or until it ended normally: for a
    /// watcher coroutine beside the handler (co_spawn it with the handler's
    /// executor), which must not touch the call after this returns with
    /// is_cancelled() false. Awaited by the handler itself on a call that
    /// ends normally, it would wait forever.
    awaitable<void> cancelled();

    /// Free-form data for interceptors to hand to handlers (an
    /// authenticated user's name, say).
    std::string auth_identity;

  private:
    friend class server_call;

    /// Fresh for a new call; strings and metadata keep their memory.
    void reset() {
        method_ = {};
        authority_ = {};
        peer_.clear();
        client_metadata_.clear();
        user_agent_ = {};
        request_encoding_ = "identity";
        deadline_.reset();
        last_message_compressed_ = false;
        initial_metadata_.clear();
        trailing_metadata_.clear();
        initial_sent_ = false;
        compress_messages_ = true;
        response_encoding_ = "identity";
        auth_identity.clear();
    }

    method_descriptor method_{};
    std::string_view authority_;
    std::string peer_;
    metadata client_metadata_;
    std::string_view user_agent_;
    std::string_view request_encoding_ = "identity";
    std::optional<time_point> deadline_;
    bool last_message_compressed_ = false;

    metadata initial_metadata_;
    metadata trailing_metadata_;
    bool initial_sent_ = false;
    bool compress_messages_ = true;
    std::string response_encoding_ = "identity";

    server_call* call_ = nullptr;
};

}  // namespace h2pb::rpc::asio
