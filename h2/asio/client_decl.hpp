// h2pb::h2::asio — the HTTP/2 client's declarations: client_options,
// client_stream, client_response and client, whose members are defined in
// impl/client.hpp. Include <h2pb/h2/asio/client.hpp>, which adds the
// definitions unless H2PB_SEPARATE_COMPILATION is defined
// (h2/asio/config.hpp); this header is what a separately compiled program's
// units see of the client: no session, no HTTP/2 connection, no HPACK coder,
// no TLS set-up, no sockets.
//
// It also brings the parts of Asio a program's main() runs a client with
// (io_context, co_spawn, detached, this_coro): light next to the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/awaitable.hpp>
#include <h2pb/h2/asio/client_options.hpp>
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/h2/asio/options.hpp>
#include <h2pb/h2/asio/stream_error.hpp>
#include <h2pb/h2/asio/tls_options.hpp>
#include <h2pb/h2/asio/url.hpp>
#include <h2pb/h2/clock.hpp>
#include <h2pb/h2/error_code.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/wire/bytes.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

namespace h2pb::h2::asio {

using error_code_t = ::boost::system::error_code;

class client_session;  // client_session.hpp
struct exchange;       // exchange.hpp
class trace_sink;      // session.hpp

/// Octets of a GOAWAY's debug data kept for last_goaway(): enough for any
/// reason phrase ("too_many_pings", a gRPC status message); a frame may
/// carry up to SETTINGS_MAX_FRAME_SIZE, which nobody needs to keep.
inline constexpr std::size_t max_goaway_debug_kept = 1024;

/// A GOAWAY the server sent (§6.8): its last stream id, code and debug data
/// (cut to max_goaway_debug_kept octets).
struct goaway_info {
    std::uint32_t last_stream_id = 0;
    error_code code = error_code::no_error;
    std::string debug_data;
};

/// One request/response on a client connection. Dropping it before the
/// response is complete cancels the stream (RST_STREAM(CANCEL)).
class client_stream {
  public:
    client_stream() noexcept = default;  ///< empty (the error side of a result)
    client_stream(std::shared_ptr<client_session> s, exchange* x) noexcept
        : s_(std::move(s)), x_(x) {}
    client_stream(client_stream&& o) noexcept
        : s_(std::move(o.s_)), x_(std::exchange(o.x_, nullptr)) {}
    client_stream& operator=(client_stream&& o) noexcept {
        if (this != &o) {
            release();
            s_ = std::move(o.s_);
            x_ = std::exchange(o.x_, nullptr);
        }
        return *this;
    }
    client_stream(const client_stream&) = delete;
    client_stream& operator=(const client_stream&) = delete;
    ~client_stream() { release(); }

    std::uint32_t id() const noexcept;

    /// Request body octets (waits for credit); `end_stream` ends the request.
    awaitable<stream_error> write(wire::bytes_view data, bool end_stream = false);
    /// Zero copy: `owner` keeps `data` alive until it is written.
    awaitable<stream_error> write(std::shared_ptr<const void> owner, wire::bytes_view data,
                                  bool end_stream = false);
    /// Ends the request with a trailer section. A refused section (too large
    /// for the server, malformed) resets the stream (RST_STREAM(INTERNAL_ERROR))
    /// and is returned as the error.
    stream_error send_trailers(std::span<const hpack::field> fields);

    /// Waits for the final response header section (interim 1xx skipped).
    awaitable<stream_error> response();
    unsigned status() const noexcept;
    std::span<const hpack::field> headers() const noexcept;
    std::string_view header(std::string_view name) const noexcept;

    /// The next piece of the response body (valid until the next read());
    /// empty at the end.
    awaitable<stream_result<wire::bytes_view>> read();
    /// The trailer section (after the body was read to its end).
    std::span<const hpack::field> trailers() const noexcept;
    bool complete() const noexcept;
    const stream_error& error() const noexcept;

    /// RST_STREAM(code).
    void cancel(error_code code = error_code::cancel);

    /// The call's deadline: when it passes, the stream is reset with
    /// RST_STREAM(CANCEL) and fails with stream_errc::timeout.
    void set_deadline(h2::time_point at);
    /// Completes with true when the stream fails (the server's RST_STREAM,
    /// the deadline, cancel(), the connection lost), or with false when this
    /// handle is dropped after a normal end (session::wait_cancelled).
    awaitable<bool> cancelled();
    bool is_cancelled() const noexcept;

  private:
    // Cancels an unfinished stream (RST_STREAM queued, a write posted), which
    // throws only when memory runs out (wire::buffer's std::bad_alloc, an Asio
    // allocation). A move or a destructor cannot report that: std::terminate,
    // said where it is defined, as what a throw out of a noexcept function
    // does anyway.
    void release() noexcept;

    std::shared_ptr<client_session> s_;
    exchange* x_ = nullptr;
};

/// A complete response, owned (client::fetch).
struct client_response {
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::vector<std::pair<std::string, std::string>> trailers;
};

class client {
  public:
    explicit client(std::shared_ptr<client_session> s) : s_(std::move(s)) {}

    /// Connects (TCP, then TLS with ALPN "h2" for https) and starts HTTP/2.
    static awaitable<stream_result<std::shared_ptr<client>>> connect(executor ex, url u,
                                                                     client_options o);
    /// The same, with a trace sink for the connection (h2pb get --trace).
    static awaitable<stream_result<std::shared_ptr<client>>> connect(
        executor ex, url u, client_options o, std::unique_ptr<trace_sink> trace);

    /// Opens a stream with the given request header section (pseudo-header
    /// fields included).
    awaitable<stream_result<client_stream>> open(std::span<const hpack::field> fields,
                                                 bool end_stream);

    /// open() when it need not wait (client_session::try_open): nullopt
    /// when the server's concurrency limit is reached. No coroutine frame.
    std::optional<stream_result<client_stream>> try_open(std::span<const hpack::field> fields,
                                                         bool end_stream);

    /// The request fields for `method` and `path` on this connection's
    /// scheme and authority, then `extra`.
    std::vector<hpack::field> request_fields(std::string_view method, std::string_view path,
                                             std::span<const hpack::field> extra = {}) const {
        std::vector<hpack::field> f{
            {":method", method}, {":scheme", scheme_}, {":authority", authority_}, {":path", path}};
        f.insert(f.end(), extra.begin(), extra.end());
        return f;
    }

    /// One whole request and response, bodies in memory. A stream the
    /// server refused before processing it (REFUSED_STREAM, as when requests
    /// cross its SETTINGS_MAX_CONCURRENT_STREAMS, §5.1.2, §8.7) is retried,
    /// up to `refused_retries` times.
    static constexpr int refused_retries = 3;

    awaitable<stream_result<client_response>> fetch(std::string_view method, std::string_view path,
                                                    std::span<const hpack::field> extra = {},
                                                    wire::bytes_view body = {},
                                                    std::size_t max_body = 1u << 30);

    /// GOAWAY, finish the streams in flight, then close.
    void shutdown();
    /// Closes now.
    void close();
    bool is_closed() const noexcept;
    /// The server's last GOAWAY, if one came: the channel reads
    /// ENHANCE_YOUR_CALM "too_many_pings" here (keepalive.md).
    const std::optional<goaway_info>& last_goaway() const noexcept;
    /// The connection (complete where client_session.hpp is included).
    client_session& session() noexcept;

  private:
    awaitable<stream_result<client_response>> fetch_once(std::string_view method,
                                                         std::string_view path,
                                                         std::span<const hpack::field> extra,
                                                         wire::bytes_view body,
                                                         std::size_t max_body);

    std::shared_ptr<client_session> s_;
    std::string scheme_;
    std::string authority_;
};

}  // namespace h2pb::h2::asio
