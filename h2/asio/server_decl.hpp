// h2pb::h2::asio — the HTTP/2 server's declarations: request, response, the
// handler types, router and server, whose members forward to
// detail::server_impl (impl/server.hpp). Include <h2pb/h2/asio/server.hpp>,
// which adds the definitions unless H2PB_SEPARATE_COMPILATION is defined
// (h2/asio/config.hpp); this header is what a separately compiled program's
// units see of the server: no session, no HTTP/2 connection, no HPACK coder,
// no TLS set-up, no sockets.
//
// It also brings the parts of Asio a program's main() runs a server with
// (io_context, signal_set, co_spawn, detached): they are light next to the
// rest, and every program that serves needs them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <h2pb/h2/asio/awaitable.hpp>
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/h2/asio/server_options.hpp>
#include <h2pb/h2/asio/stream_error.hpp>
#include <h2pb/h2/clock.hpp>
#include <h2pb/h2/error_code.hpp>
#include <h2pb/h2/send_errc.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/wire/bytes.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace h2pb::h2::asio {

using error_code_t = ::boost::system::error_code;

class server_session;  // impl/server.hpp
struct exchange;       // exchange.hpp

/// The request a handler serves: its header section, its body as a stream,
/// its trailers.
class request {
  public:
    explicit request(server_session& s, exchange& x) noexcept : s_(&s), x_(&x) {}

    std::uint32_t stream_id() const noexcept;
    std::string_view method() const noexcept;
    std::string_view scheme() const noexcept;
    std::string_view authority() const noexcept;
    /// The :path, query included.
    std::string_view path() const noexcept;
    /// Every field of the header section, pseudo-header fields first.
    std::span<const hpack::field> headers() const noexcept;
    std::string_view header(std::string_view name) const noexcept;
    /// The trailer section; empty until the body has been read to its end.
    std::span<const hpack::field> trailers() const noexcept;
    /// The peer's END_STREAM has arrived (the whole body is buffered or read).
    bool complete() const noexcept;

    /// The next piece of the body (valid until the next read()); empty at
    /// the end. Reading is what reopens the flow-control window.
    awaitable<stream_result<wire::bytes_view>> read();
    /// read() without waiting: a result when one is there now, nullopt when
    /// read() would have to wait.
    std::optional<stream_result<wire::bytes_view>> try_read();
    /// The whole body, if it is at most `limit` octets.
    awaitable<stream_result<std::string>> read_all(std::size_t limit);

    /// The stream itself (exchange.hpp, to be included by who uses it).
    exchange& raw() noexcept { return *x_; }

  private:
    server_session* s_;
    exchange* x_;
};

/// The response a handler sends: header section, body, trailers.
class response {
  public:
    explicit response(server_session& s, exchange& x) noexcept : s_(&s), x_(&x) {}

    /// Sends the header section now: `:status` and then `fields`.
    h2::send_errc send_headers(unsigned status, std::span<const hpack::field> fields = {},
                               bool end_stream = false);
    h2::send_errc send_headers(unsigned status, std::initializer_list<hpack::field> fields,
                               bool end_stream = false) {
        return send_headers(status, std::span<const hpack::field>(fields.begin(), fields.size()),
                            end_stream);
    }
    /// Queues body octets without waiting (copied if flow control holds
    /// them back): for bodies already in memory.
    void send(wire::bytes_view data, bool end_stream = false);
    /// The same, zero copy: `owner` keeps `data` alive until it is written.
    void send(std::shared_ptr<const void> owner, wire::bytes_view data, bool end_stream = false);
    /// Queues trailers (END_STREAM) after the body. Returns the stream's
    /// error if it cannot: the stream failed or ended already, or the trailer
    /// section was refused (too large for the peer, malformed), in which case
    /// the stream is reset with RST_STREAM(INTERNAL_ERROR) (session::send_trailers).
    stream_error send_trailers(std::span<const hpack::field> fields);
    stream_error send_trailers(std::initializer_list<hpack::field> fields) {
        return send_trailers(std::span<const hpack::field>(fields.begin(), fields.size()));
    }
    /// Writes body octets, waiting for flow-control credit (backpressure).
    awaitable<stream_error> write(wire::bytes_view data, bool end_stream = false);
    awaitable<stream_error> write(std::shared_ptr<const void> owner, wire::bytes_view data,
                                  bool end_stream = false);
    /// RST_STREAM(code).
    void reset(error_code code = error_code::cancel);

    /// The call's deadline: when it passes, the stream is reset with
    /// RST_STREAM(CANCEL) and fails with stream_errc::timeout
    /// (session::set_deadline). time_point::max() clears it.
    void set_deadline(h2::time_point at);
    /// Completes with true when the stream fails (the client's RST_STREAM,
    /// the deadline, the connection lost, a shutdown past its grace), or with
    /// false once the handler returned after a normal end — then the
    /// request/response are no longer to be touched (session::wait_cancelled).
    /// For a watcher coroutine beside the handler's reader and writer.
    awaitable<bool> cancelled();
    /// The stream failed (what cancelled() would answer true for).
    bool is_cancelled() const noexcept;

    bool headers_sent() const noexcept;
    bool ended() const noexcept;
    /// Set once the stream failed (peer reset, connection lost...).
    const stream_error& error() const noexcept;

  private:
    server_session* s_;
    exchange* x_;
};

// Handlers are std::function: whatever callable the program gives is erased
// here, in its own unit, and the server (compiled once in separate mode)
// calls it through this non-template interface.
using coroutine_handler = std::function<awaitable<void>(request&, response&)>;
using immediate_handler = std::function<void(request&, response&)>;

/// An immediate handler that runs once the whole request has arrived (the
/// peer's END_STREAM), its body discarded: a file server's answer, given as
/// nghttpd and nginx give it. Until then the connection keeps checking what
/// follows the header section (RFC 9113 §8.1: trailers without pseudo-header
/// fields and with END_STREAM; §8.1.1: DATA that matches content-length;
/// §6.9: WINDOW_UPDATE increments), and a request that breaks a rule is reset
/// with that rule's code instead of answered. A request whose HEADERS carries
/// END_STREAM is answered at once, as by an immediate_handler.
struct complete_request_handler {
    immediate_handler fn;
};

/// :path -> handler. Exact paths first, then the longest matching prefix,
/// then the fallback (404 unless set). The query (after '?') is not matched.
class router {
  public:
    using handler = std::variant<coroutine_handler, immediate_handler, complete_request_handler>;

    void add(std::string path, coroutine_handler h) {
        exact_.push_back({std::move(path), std::move(h)});
    }
    void add(std::string path, immediate_handler h) {
        exact_.push_back({std::move(path), std::move(h)});
    }
    void add(std::string path, complete_request_handler h) {
        exact_.push_back({std::move(path), std::move(h)});
    }
    void add_prefix(std::string prefix, coroutine_handler h) {
        prefix_.push_back({std::move(prefix), std::move(h)});
    }
    void add_prefix(std::string prefix, immediate_handler h) {
        prefix_.push_back({std::move(prefix), std::move(h)});
    }
    void add_prefix(std::string prefix, complete_request_handler h) {
        prefix_.push_back({std::move(prefix), std::move(h)});
    }
    void set_fallback(handler h) { fallback_ = std::move(h); }

    const handler* find(std::string_view path) const noexcept {
        if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
        for (const auto& r : exact_)
            if (r.path == path) return &r.h;
        const route* best = nullptr;
        for (const auto& r : prefix_) {
            if (path.substr(0, r.path.size()) == r.path &&
                (!best || r.path.size() > best->path.size())) {
                best = &r;
            }
        }
        if (best) return &best->h;
        return fallback_ ? &*fallback_ : nullptr;
    }

  private:
    struct route {
        std::string path;
        handler h;
    };
    std::vector<route> exact_;
    std::vector<route> prefix_;
    std::optional<handler> fallback_;
};

/// max_connection_age is moved by a random amount within ±this fraction,
/// grpc-go's getJitter and grpc core's MAX_CONNECTION_AGE_JITTER (0.1): the
/// connections that a client fleet opened together (a deploy, a restart)
/// are spread out instead of all reconnecting at once.
inline constexpr double max_connection_age_jitter = 0.1;

namespace detail {
class server_impl;  // impl/server.hpp
}  // namespace detail

/// An HTTP/2 server (see server.hpp). Every member forwards to
/// detail::server_impl.
class server {
  public:
    server(server_options o, router routes);
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    /// Closes whatever is still open (stop()) and waits for the threads.
    ~server();

    /// Binds and listens. Returns an error message, or nothing on success;
    /// port() then tells the port (useful with port 0).
    std::optional<std::string> listen();

    /// (Its type is complete where <boost/asio/ip/tcp.hpp> is included.)
    tcp_endpoint local_endpoint() const;
    std::uint16_t port() const;

    /// Starts accepting and the threads; returns at once.
    void start();
    /// Waits until every thread ended (after shutdown() or stop()).
    void join();
    /// start() + join().
    void run();
    /// Graceful shutdown; safe from any thread (and from a signal handler's
    /// completion). Streams in flight get until `grace` to finish.
    void shutdown(duration grace);
    /// Closes everything now.
    void stop();
    /// Connections open now.
    std::size_t connections() const;

  private:
    std::unique_ptr<detail::server_impl> impl_;
};

}  // namespace h2pb::h2::asio
