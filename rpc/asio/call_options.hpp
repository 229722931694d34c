// h2pb::rpc::asio — the settings of a client channel and of one call, the
// context a call reports into, and client interceptors (see channel.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <h2pb/h2/asio/awaitable.hpp>
#include <h2pb/h2/asio/client_options.hpp>
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/rpc/asio/keepalive.hpp>
#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/backoff.hpp>
#include <h2pb/rpc/call_events.hpp>
#include <h2pb/rpc/call_head.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/metadata.hpp>
#include <h2pb/rpc/method.hpp>
#include <h2pb/rpc/retry.hpp>
#include <h2pb/rpc/service_config.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc::asio {

using h2::asio::awaitable;
using h2::asio::executor;

/// How many times a call the server never saw is retried on a new
/// connection (transparent retry, grpc's "transparent retries" of
/// gRFC A6: once, as grpc-go does without a retry policy).
inline constexpr int default_transparent_retries = 1;

/// How many octets of request messages a call keeps to replay them on a
/// retry (gRFC A6): grpc's per-RPC retry buffer limit, 256 KiB. A call
/// that sends more is committed (not retried any more); the buffer goes.
inline constexpr std::size_t default_retry_buffer_size = std::size_t{256} * 1024;

struct channel_options {
    // Not an aggregate: see h2::asio::client_options (g++ 12 coroutine temporaries).
    channel_options() {}  // NOLINT(modernize-use-equals-default)

    /// TLS with ALPN "h2" (otherwise h2c with prior knowledge, RFC 9113 §3.3).
    bool use_tls = false;
    /// Extra trusted CAs (PEM file); the system's are trusted too.
    std::string ca_file;
    /// The name the server's certificate must have, sent as SNI and as
    /// :authority (grpc's --server_host_override); empty: the target host.
    std::string server_name_override;
    /// Verify the server's certificate (off only on request).
    bool verify_peer = true;
    /// The HTTP/2 driver and TLS settings (the fields above override
    /// http.tls.ca_file and http.tls.verify_peer).
    h2::asio::client_options http;
    /// Encodings for call_options::compression and for responses.
    std::shared_ptr<const codec_registry> codecs = std::make_shared<identity_only>();
    /// Per-call limits: message sizes, metadata size.
    call_settings limits;
    int transparent_retries = default_transparent_retries;

    /// The service config (service_config.md): per-method timeout,
    /// waitForReady, message size limits and retry policy (gRFC A6). Set it
    /// from JSON with set_service_config(). A call's own options win: its
    /// deadline if earlier than the config's timeout, wait_for_ready = true,
    /// and the smaller of the two message size limits.
    std::optional<rpc::service_config> service_config;
    /// The request octets a call buffers for retries (see the constant).
    std::size_t retry_buffer_size = default_retry_buffer_size;
    /// The retryThrottling token bucket, made by set_service_config();
    /// channels made from copies of these options share it (grpc shares one
    /// per server name).
    std::shared_ptr<rpc::retry_throttle> retry_throttle;
    /// The jitter of the retry backoff: uniform in [0, 1). Empty: a
    /// std::mt19937_64 per thread (tests inject a fixed value).
    std::function<double()> retry_random;

    /// Parses `json` (parse_service_config) into service_config and makes
    /// the throttle it asks for; an error (INVALID_ARGUMENT, saying where)
    /// changes nothing.
    rpc::status set_service_config(std::string_view json) {
        auto r = rpc::parse_service_config(json);
        if (!r) return r.status();
        retry_throttle.reset();
        if (r->retry_throttling)
            retry_throttle = std::make_shared<rpc::retry_throttle>(*r->retry_throttling);
        service_config = std::move(*r);
        return {};
    }
    // Connection management (issue 10; see channel.hpp).
    /// load-balancing.md: "pick_first" (the first address that connects,
    /// in order; the default) or "round_robin" (calls spread over every
    /// READY address).
    std::string load_balancing = "pick_first";
    /// connection-backoff.md: delays between connection attempts.
    rpc::backoff_settings backoff;
    /// No call for this long: connections are closed, the channel goes IDLE
    /// (grpc's default channel idle timeout, GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS);
    /// zero: never.
    std::chrono::steady_clock::duration idle_timeout = std::chrono::minutes(30);
    /// Mutual TLS: our certificate chain and its key (PEM files).
    std::string client_cert_file;
    std::string client_key_file;
    /// Client keepalive (keepalive.md, rpc/asio/keepalive.hpp): a PING after
    /// keepalive_time without input while calls are in flight (zero: none,
    /// gRPC's default); the connection fails if its ACK takes longer than
    /// keepalive_timeout. Doubled for new connections after a server's
    /// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"). When set, these override
    /// http.driver's keepalive fields.
    h2::asio::duration keepalive_time = default_client_keepalive_time;
    h2::asio::duration keepalive_timeout = default_client_keepalive_timeout;
    bool keepalive_permit_without_calls = default_client_keepalive_permit_without_calls;
};

namespace detail {
class call_core;
}

/// What a call tells after it ended, and a way to cancel it: give its
/// address in call_options::context. It must outlive the call. Its members
/// are valid once the call is done (initial metadata once headers arrived).
class client_context {
  public:
    /// Ends the call with CANCELLED and RST_STREAM(CANCEL) (on the channel's
    /// executor). Before the call starts: the call ends at once when it does.
    /// (Defined in impl/call.hpp: H2PB_DECL, h2/asio/config.hpp.)
    void cancel();
    bool cancelled() const noexcept { return cancel_requested_; }
    const metadata& initial_metadata() const noexcept { return initial_; }
    const metadata& trailing_metadata() const noexcept { return trailing_; }
    const status& final_status() const noexcept { return status_; }

  private:
    friend class detail::call_core;
    detail::call_core* call_ = nullptr;
    bool cancel_requested_ = false;
    metadata initial_;
    metadata trailing_;
    status status_;
};

/// The settings of one call.
struct call_options {
    call_options() {}  // NOLINT(modernize-use-equals-default): not an aggregate, see above
    /// Absolute deadline (sent as grpc-timeout, enforced locally).
    std::optional<time_point> deadline;
    /// Relative timeout from the call's start; with `deadline` too, the earlier wins.
    std::optional<std::chrono::nanoseconds> timeout;
    /// Custom metadata sent with the request headers.
    metadata md;
    /// grpc-encoding of our messages: "gzip", "deflate"; "" or "identity": none.
    std::string compression;
    /// wait-for-ready.md: instead of failing at once with UNAVAILABLE while
    /// the channel cannot connect, the call waits (until its deadline) for a
    /// connection.
    bool wait_for_ready = false;
    /// Optional: metadata and status out, cancel() in.
    client_context* context = nullptr;

    /// Deadline propagation: a server handler that calls another service
    /// passes its own deadline on (the grpc-timeout it received), so the
    /// downstream call gives up when the upstream caller has given up
    /// (grpc C++'s ClientContext::FromServerContext, grpc-go's ctx passing).
    /// Sets `deadline` to the server call's deadline, or keeps the earlier of
    /// the two when one is set already; a server call without a deadline
    /// changes nothing. The downstream server then receives the time left
    /// (sent as grpc-timeout when the call starts, PROTOCOL-HTTP2.md).
    /// Cancellation is not propagated: the handler's own is_cancelled() /
    /// client_context::cancel() do that.
    call_options& propagate_from(const server_context& ctx) {
        if (const auto d = ctx.deadline()) deadline = deadline ? std::min(*deadline, *d) : *d;
        return *this;
    }
};

/// A client interceptor: code that runs around every call of a channel
/// (channel::add_interceptor), the four kinds alike. Either member may be
/// empty.
///
/// `before` runs when the call is created, before anything is sent: it sees
/// the method and may change the call's options (add metadata such as
/// `authorization`, set or shorten the deadline, choose compression).
/// `on_finish` runs once with the call's final status (OK, the server's
/// status, or ours: DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE); a call
/// object destroyed before its call ended reports CANCELLED. A call
/// retried transparently reports only the status of its last attempt.
/// Both run on the channel's executor, in the order the interceptors were
/// added; neither may throw (on_finish may run from a destructor).
struct client_interceptor {
    std::function<void(const method_descriptor&, call_options&)> before;
    std::function<void(const method_descriptor&, const status&)> on_finish;
};

}  // namespace h2pb::rpc::asio
