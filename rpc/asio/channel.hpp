// h2pb::rpc::asio — a gRPC client channel: calls to one target over one
// HTTP/2 connection (h2c with prior knowledge, or TLS with ALPN "h2").
//
//   rpc::asio::channel_options o;
//   o.use_tls = true;  o.ca_file = "ca.pem";        // server certificate verified by default
//   rpc::asio::channel ch(io.get_executor(), "localhost:50051", o);
//
//   // unary: the response or the status that says why there is none
//   rpc::result<Reply> r = co_await ch.unary<Req, Reply>(Svc::Get_method, req, {});
//   // with a deadline, metadata, compression and the response's metadata:
//   rpc::asio::client_context ctx;
//   rpc::asio::call_options opt;
//   opt.timeout = 2s;  opt.md.add("x-user", "ann");  opt.compression = "gzip";
//   opt.context = &ctx;                                   // ctx.cancel() from elsewhere
//   auto r2 = co_await ch.unary<Req, Reply>(Svc::Get_method, req, opt);
//   ctx.initial_metadata(); ctx.trailing_metadata(); ctx.final_status();
//
//   // server streaming: read until false, then finish() gives the status
//   auto rd = co_await ch.server_streaming<Req, Item>(Svc::List_method, req, {});
//   Item it;  while (co_await rd.read(it)) ...;  rpc::status st = co_await rd.finish();
//   // client streaming: write, then finish() half-closes and gives the response
//   auto wr = co_await ch.client_streaming<Item, Sum>(Svc::Upload_method, {});
//   co_await wr.write(item);  rpc::result<Sum> sum = co_await wr.finish();
//   // bidi: read() in one coroutine and write()/writes_done() in another
//   auto rw = co_await ch.bidi_streaming<Msg, Msg>(Svc::Chat_method, {});
//
//   // interceptors: before every call (metadata, deadline) and at its end
//   ch.add_interceptor({.before = [](const rpc::method_descriptor&, rpc::asio::call_options& o) {
//                           o.md.add("authorization", "Bearer t"); }});
//   // deadline propagation, in a server handler that calls another service:
//   rpc::asio::call_options down;  down.propagate_from(server_ctx);
//
// The generated `S::stub<rpc::asio::channel>` forwards to these templates.
//
// Threading: a channel and its calls live on one executor (an io_context's
// with one thread, or a strand): every member is called from it. The
// call objects must not outlive the channel.
//
// Connection: made on first use; remade when it has closed (transport lost,
// GOAWAY and drained). A call whose stream could not be opened on the
// current connection (closed, GOAWAY received, PROTOCOL-HTTP2.md: such a
// call was never seen by the server) is retried once on a new connection;
// a unary or server-streaming call that the server refused unprocessed
// (RST_STREAM(REFUSED_STREAM), or a GOAWAY whose last stream id is below
// ours: RFC 9113 §8.7) is retried once too, transparently, since its whole
// request is known.
//
// The gRPC rules themselves are the sans-IO rpc::client_call's (request
// headers and grpc-timeout, response headers, Trailers-Only, trailers,
// message framing and decompression, RST_STREAM -> status): this file only
// moves its actions and events between the HTTP/2 stream and coroutines.
//
// Deadlines: the stream's deadline is set in the HTTP/2 session, whose timer
// resets the stream with RST_STREAM(CANCEL) when it passes (never before);
// the call then ends with DEADLINE_EXCEEDED. A deadline that has passed when
// the call starts ends it at once, nothing sent (as grpc C++ and grpc-go).
//
// Limitation: a response header section that arrives with END_STREAM is
// taken as Trailers-Only when no trailers follow it; the h2 driver does not
// tell "headers, then empty DATA with END_STREAM" apart from it (a server
// that does that gets UNKNOWN "missing grpc-status" rather than INTERNAL).
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/h2/asio/wakeup.hpp>
#include <h2pb/proto_codec/message.hpp>
#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/call_events.hpp>
#include <h2pb/rpc/call_head.hpp>
#include <h2pb/rpc/client_call.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/message_codec.hpp>
#include <h2pb/rpc/method.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc::asio {

using h2::asio::awaitable;
using h2::asio::executor;

/// How many times a call the server never saw is retried on a new
/// connection (transparent retry, grpc's "transparent retries" of
/// gRFC A6: once, as grpc-go does without a retry policy).
inline constexpr int default_transparent_retries = 1;

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
    inline void cancel();
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

class channel;

namespace detail {

/// A host:port target split; "[v6]:port" too.
struct target_parts {
    std::string host, port;
};
inline std::optional<target_parts> split_target(std::string_view t) {
    target_parts p;
    if (!t.empty() && t.front() == '[') {
        const auto close = t.find(']');
        if (close == std::string_view::npos || close + 1 >= t.size() || t[close + 1] != ':')
            return std::nullopt;
        p.host = std::string(t.substr(1, close - 1));
        p.port = std::string(t.substr(close + 2));
    } else {
        const auto colon = t.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        p.host = std::string(t.substr(0, colon));
        p.port = std::string(t.substr(colon + 1));
    }
    if (p.host.empty() || p.port.empty()) return std::nullopt;
    for (const char c : p.port)
        if (c < '0' || c > '9') return std::nullopt;
    return p;
}

/// A connection or why there is none.
struct connection_result {
    std::shared_ptr<h2::asio::client> conn;
    std::string error;
};

}  // namespace detail

/// The client side of one gRPC call with messages as bytes: what the typed
/// readers and writers below wrap. One reader coroutine (next, finish) and
/// one writer coroutine (send, close_send) may use it at the same time.
class call;

namespace detail {

class call_core {
  public:
    inline call_core(channel& ch, const method_descriptor& d, call_options o);
    call_core(const call_core&) = delete;
    call_core& operator=(const call_core&) = delete;
    ~call_core() {
        if (opts_.context != nullptr && opts_.context->call_ == this)
            opts_.context->call_ = nullptr;
        // Abandoned before its end (the HTTP/2 driver resets the stream
        // that stream_ releases): the interceptors still hear of it.
        if (!finish_reported_)
            report_finish(
                done() ? *final_
                       : status{status_code::cancelled, "call destroyed before it finished"});
    }

    /// Connects if needed and sends the request headers. A failure ends the
    /// call (done(), the status in finish()).
    inline awaitable<void> start();

    /// One message; false when the call is over (or the request side closed).
    /// `compress`: false sends this message uncompressed (Compressed-Flag 0)
    /// on a call with compression (compression.md allows it per message).
    awaitable<bool> send(wire::bytes_view msg, bool compress = true) {
        if (done() || !has_stream_) co_return false;
        wire::bytes_view bytes;
        status s;
        if (compress || compressor_ == nullptr) {
            s = call_->send_message(msg, [&](const auto& e) { on_event(e, &bytes); });
        } else if (call_->sending_state() != client_call::send_state::open) {
            co_return false;
        } else {
            out_.clear();
            s = encode_message(out_, msg, nullptr, settings_.max_send_message_size);
            bytes = out_.view();
        }
        if (!s.ok()) {
            if (call_->sending_state() != client_call::send_state::open) co_return false;
            fail(std::move(s));
            co_return false;
        }
        // A write that fails (the server ended the call, the connection is
        // gone) leaves the status to the reading side, which sees why.
        const h2::asio::stream_error e = co_await stream_.write(bytes, false);
        co_return !e;
    }

    /// Half-close: no more messages.
    awaitable<bool> close_send() {
        if (done() || !has_stream_) co_return false;
        bool end = false;
        const status s = call_->close_send([&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, send_data>) end = e.end_stream;
        });
        if (!s.ok() || !end) co_return false;
        const h2::asio::stream_error e = co_await stream_.write({}, true);
        co_return !e;
    }

    /// The next message into `out`; false at the end of the call.
    awaitable<bool> next(std::string& out) {
        for (;;) {
            if (!queue_.empty()) {
                out = std::move(queue_.front());
                queue_.pop_front();
                co_return true;
            }
            if (done()) {
                const bool again = co_await retry();
                if (again) continue;
                co_return false;
            }
            if (!head_seen_) {
                const h2::asio::stream_error e = co_await stream_.response();
                if (done()) continue;
                if (e) {
                    on_stream_error(e);
                    continue;
                }
                head_seen_ = true;
                // END_STREAM on the response header section: Trailers-Only.
                const bool trailers_only = stream_.complete() && stream_.trailers().empty();
                call_->on_headers(stream_.headers(), trailers_only,
                                  [&](const auto& ev) { on_event(ev); });
                continue;
            }
            auto piece = co_await stream_.read();
            if (done()) continue;
            if (!piece) {
                on_stream_error(piece.error());
                continue;
            }
            if (piece->empty()) {
                if (!stream_.trailers().empty())
                    call_->on_headers(stream_.trailers(), true,
                                      [&](const auto& ev) { on_event(ev); });
                else
                    call_->on_data({}, true, [&](const auto& ev) { on_event(ev); });
                continue;
            }
            call_->on_data(*piece, false, [&](const auto& ev) { on_event(ev); });
        }
    }

    /// Reads (and drops) what is left; the final status.
    awaitable<status> finish() {
        std::string ignored;
        while (!done()) (void)co_await next(ignored);
        co_return *final_;
    }

    void cancel() {
        if (done()) return;
        if (call_ && has_stream_) {
            call_->cancel([&](const auto& e) { on_event(e); });
            return;
        }
        fail(status{status_code::cancelled, "Cancelled"});
    }

    /// Ends the call with `st` (ours, not the server's) and resets the stream.
    void fail(status st) {
        if (done()) return;
        set_final(std::move(st), false);
        if (call_) call_->cancel([&](const auto& e) { on_event(e); });
    }

    /// Sends `request` as the only message and half-closes; remembers it so
    /// that a call the server refused unprocessed can be sent again
    /// (unary, server streaming).
    awaitable<void> send_only(std::string request) {
        replay_ = std::move(request);
        (void)co_await send(wire::as_bytes(std::string_view(*replay_)));
        (void)co_await close_send();
    }

    bool done() const noexcept { return final_.has_value(); }
    bool retryable() const noexcept { return retryable_; }
    bool head_seen() const noexcept { return head_seen_; }
    const metadata& initial_metadata() const noexcept { return initial_; }
    const metadata& trailing_metadata() const noexcept { return trailing_; }
    /// The final status (valid once done()).
    const status& final_status() const noexcept { return *final_; }
    /// grpc-encoding of the server's messages ("" = identity).
    const std::string& response_encoding() const noexcept { return response_encoding_; }

  private:
    /// Transparent retry (PROTOCOL-HTTP2.md: a stream the server refused
    /// before processing it, REFUSED_STREAM or above a GOAWAY's last stream
    /// id, may be sent again): only for a call whose whole request is known
    /// (send_only) and that received nothing.
    awaitable<bool> retry() {
        if (!replay_ || !retryable_ || head_seen_ || retries_left_ <= 0) co_return false;
        --retries_left_;
        final_.reset();
        retryable_ = false;
        if (has_stream_) stream_ = h2::asio::client_stream();
        has_stream_ = false;
        call_.reset();
        co_await start();
        std::string request = std::move(*replay_);
        co_await send_only(std::move(request));
        co_return true;
    }

    inline void drop_connection();
    inline void report_finish(const status& st) noexcept;

    /// retry() would send the call again (the same test it makes).
    bool will_retry() const noexcept {
        return replay_ && retryable_ && !head_seen_ && retries_left_ > 0;
    }

    void set_final(status st, bool retryable) {
        if (final_) return;
        final_ = std::move(st);
        retryable_ = retryable;
        if (call_) trailing_ = call_->trailing_metadata();
        if (auto* c = opts_.context) {
            c->status_ = *final_;
            c->trailing_ = trailing_;
        }
        if (!will_retry()) report_finish(*final_);
    }

    template <class E>
    void on_event(const E& e, wire::bytes_view* data_out = nullptr) {
        if constexpr (std::is_same_v<E, send_reset>) {
            if (has_stream_) stream_.cancel(e.code);
        } else if constexpr (std::is_same_v<E, send_data>) {
            if (data_out != nullptr) *data_out = e.bytes;
        } else if constexpr (std::is_same_v<E, headers_received>) {
            initial_ = e.head.md;
            response_encoding_ = e.head.encoding;
            if (auto* c = opts_.context) c->initial_ = initial_;
        } else if constexpr (std::is_same_v<E, message_received>) {
            queue_.emplace_back(wire::as_chars(e.bytes));
        } else if constexpr (std::is_same_v<E, call_ended>) {
            set_final(e.st, e.retryable);
        }
    }

    /// The HTTP/2 stream failed: its status.
    void on_stream_error(const h2::asio::stream_error& e) {
        using h2::asio::stream_errc;
        auto on = [&](const auto& ev) { on_event(ev); };
        switch (e.kind) {
            case stream_errc::reset_by_peer:
                // A server that enforces the grpc-timeout we sent may reset
                // the stream (CANCEL) just before our own timer fires: past
                // the deadline, that is DEADLINE_EXCEEDED (grpc-go's
                // handleRSTStream does the same).
                if (e.code == h2::error_code::cancel && deadline_ &&
                    std::chrono::steady_clock::now() >= *deadline_)
                    call_->on_tick(*deadline_, on);
                else
                    call_->on_reset(e.code, on);
                break;
            case stream_errc::timeout:
                if (deadline_) call_->on_tick(*deadline_, on);
                break;
            case stream_errc::goaway:
                drop_connection();  // the next call (or the retry) needs a new connection
                set_final(status{status_code::unavailable, e.to_string()}, e.retryable);
                break;
            case stream_errc::reset_locally:
                set_final(status{status_code::internal, e.to_string()}, false);
                break;
            default:
                set_final(status{status_code::unavailable, e.to_string()}, false);
                break;
        }
        if (!done()) set_final(status{status_code::unavailable, e.to_string()}, false);
        if (call_ && !call_->done()) call_->cancel(on);
    }

    channel* ch_;
    std::string path_;
    // The method, owned (the caller's descriptor need not outlive the call),
    // for the interceptors' on_finish.
    std::string service_, method_;
    method_kind kind_ = method_kind::unary;
    /// The interceptors that ran `before` (later additions skip this call).
    std::size_t interceptors_ = 0;
    bool finish_reported_ = false;
    call_options opts_;
    call_settings settings_;
    std::optional<time_point> deadline_;
    std::unique_ptr<codec> compressor_;
    std::shared_ptr<h2::asio::client> conn_;  // keeps the connection alive
    std::optional<client_call> call_;
    h2::asio::client_stream stream_;
    bool has_stream_ = false;
    bool head_seen_ = false;
    bool retryable_ = false;
    std::optional<status> final_;
    std::optional<std::string> replay_;  ///< the request of a unary / server-streaming call
    int retries_left_ = 0;
    std::deque<std::string> queue_;
    metadata initial_;
    metadata trailing_;
    std::string response_encoding_;
    wire::buffer out_;
};

}  // namespace detail

inline void client_context::cancel() {
    cancel_requested_ = true;
    if (call_ != nullptr) call_->cancel();
}

// ------------------------------------------------------------ typed calls

namespace detail {
template <class M>
bool decode_into(call_core& c, const std::string& bytes, M& out) {
    if (proto::decode(out, wire::as_bytes(std::string_view(bytes)))) {
        c.fail(status{status_code::internal, "grpc: failed to unmarshal the response message"});
        return false;
    }
    return true;
}
}  // namespace detail

/// Metadata and cancellation common to the streaming call objects.
class call_handle {
  public:
    void cancel() { core_->cancel(); }
    const metadata& initial_metadata() const noexcept { return core_->initial_metadata(); }
    const metadata& trailing_metadata() const noexcept { return core_->trailing_metadata(); }
    /// grpc-encoding of the server's messages ("" = identity).
    const std::string& response_encoding() const noexcept { return core_->response_encoding(); }
    detail::call_core& core() noexcept { return *core_; }

  protected:
    explicit call_handle(std::unique_ptr<detail::call_core> c) : core_(std::move(c)) {}
    /// Encodes and sends one message.
    template <class Req>
    awaitable<bool> write_message(const Req& m, bool compress) {
        buf_.clear();
        proto::encode(m, buf_);
        co_return co_await core_->send(buf_.view(), compress);
    }
    template <class Resp>
    awaitable<bool> read_message(Resp& out) {
        std::string bytes;
        const bool got = co_await core_->next(bytes);
        if (!got) co_return false;
        co_return detail::decode_into(*core_, bytes, out);
    }

    std::unique_ptr<detail::call_core> core_;
    wire::buffer buf_;
};

/// Server streaming: read() until false, then finish().
template <class Resp>
class client_reader : public call_handle {
  public:
    explicit client_reader(std::unique_ptr<detail::call_core> c) : call_handle(std::move(c)) {}
    awaitable<bool> read(Resp& out) { return read_message(out); }
    /// The call's status (reads and drops unread responses).
    awaitable<status> finish() { return core_->finish(); }
};

/// Client streaming: write() the requests, then finish() half-closes and
/// gives the one response.
template <class Req, class Resp>
class client_writer : public call_handle {
  public:
    explicit client_writer(std::unique_ptr<detail::call_core> c) : call_handle(std::move(c)) {}
    /// False when the call is over (finish() says why).
    awaitable<bool> write(const Req& m, bool compress = true) { return write_message(m, compress); }
    awaitable<result<Resp>> finish() {
        (void)co_await core_->close_send();
        Resp out{};
        std::string bytes;
        int count = 0;
        while (co_await core_->next(bytes)) {
            if (++count == 1 && !detail::decode_into(*core_, bytes, out)) break;
        }
        status st = co_await core_->finish();
        if (!st.ok()) co_return st;
        if (count != 1)
            co_return status{status_code::internal,
                             count == 0 ? "no response message for a client-streaming call"
                                        : "more than one response message"};
        co_return out;
    }
};

/// Bidirectional streaming: read() in one coroutine, write() and
/// writes_done() in another (or both in one).
template <class Req, class Resp>
class client_reader_writer : public call_handle {
  public:
    explicit client_reader_writer(std::unique_ptr<detail::call_core> c)
        : call_handle(std::move(c)) {}
    awaitable<bool> write(const Req& m, bool compress = true) { return write_message(m, compress); }
    /// Half-close.
    awaitable<bool> writes_done() { return core_->close_send(); }
    awaitable<bool> read(Resp& out) { return read_message(out); }
    awaitable<status> finish() { return core_->finish(); }
};

// ------------------------------------------------------------ the channel

class channel {
  public:
    /// `target` is "host:port" ("[v6]:port").
    channel(executor ex, std::string target, channel_options o = {})
        : ex_(std::move(ex)), target_(std::move(target)), opts_(std::move(o)) {
        if (auto p = detail::split_target(target_)) parts_ = *p;
        authority_ = opts_.server_name_override.empty() ? target_ : opts_.server_name_override;
    }
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;
    /// Closes the connection (call on the executor).
    ~channel() { close(); }

    using call_options = asio::call_options;

    const executor& get_executor() const noexcept { return ex_; }
    const channel_options& options() const noexcept { return opts_; }
    const std::string& authority() const noexcept { return authority_; }
    /// Adds an interceptor (see client_interceptor) for the calls created
    /// after this; interceptors run in the order added.
    void add_interceptor(client_interceptor i) { interceptors_.push_back(std::move(i)); }
    const std::vector<client_interceptor>& interceptors() const noexcept { return interceptors_; }

    /// Connections made so far (tests: a restart makes a new one).
    std::size_t connections_made() const noexcept { return connections_made_; }

    /// Closes the connection now: calls in flight fail with UNAVAILABLE.
    void close() {
        if (conn_) conn_->close();
        conn_.reset();
    }

    /// A started call with messages as bytes (its status says if it failed).
    awaitable<std::unique_ptr<detail::call_core>> start_call(const method_descriptor& d,
                                                             call_options o = {}) {
        auto c = std::make_unique<detail::call_core>(*this, d, std::move(o));
        co_await c->start();
        co_return c;
    }

    /// Unary with bytes: the response message's bytes.
    awaitable<result<std::string>> unary_bytes(const method_descriptor& d, wire::bytes_view request,
                                               call_options o = {}) {
        detail::call_core c(*this, d, std::move(o));
        co_await c.start();
        co_await c.send_only(std::string(wire::as_chars(request)));
        std::string msg, extra;
        const bool got = co_await c.next(msg);
        bool more = false;
        if (got) more = co_await c.next(extra);
        status st = co_await c.finish();
        if (!st.ok()) co_return st;
        if (!got) co_return status{status_code::internal, "no response message for a unary call"};
        if (more) co_return status{status_code::internal, "more than one response message"};
        co_return msg;
    }

    template <class Req, class Resp>
    awaitable<result<Resp>> unary(const method_descriptor& d, const Req& request,
                                  call_options o = {}) {
        wire::buffer b;
        proto::encode(request, b);
        auto r = co_await unary_bytes(d, b.view(), std::move(o));
        if (!r) co_return r.get_status();
        Resp out{};
        if (proto::decode(out, wire::as_bytes(std::string_view(*r))))
            co_return status{status_code::internal,
                             "grpc: failed to unmarshal the response message"};
        co_return out;
    }

    template <class Req, class Resp>
    awaitable<client_reader<Resp>> server_streaming(const method_descriptor& d, const Req& request,
                                                    call_options o = {}) {
        auto c = std::make_unique<detail::call_core>(*this, d, std::move(o));
        co_await c->start();
        co_await c->send_only(proto::encode_to_string(request));
        co_return client_reader<Resp>(std::move(c));
    }

    template <class Req, class Resp>
    awaitable<client_writer<Req, Resp>> client_streaming(const method_descriptor& d,
                                                         call_options o = {}) {
        auto c = std::make_unique<detail::call_core>(*this, d, std::move(o));
        co_await c->start();
        co_return client_writer<Req, Resp>(std::move(c));
    }

    template <class Req, class Resp>
    awaitable<client_reader_writer<Req, Resp>> bidi_streaming(const method_descriptor& d,
                                                              call_options o = {}) {
        auto c = std::make_unique<detail::call_core>(*this, d, std::move(o));
        co_await c->start();
        co_return client_reader_writer<Req, Resp>(std::move(c));
    }

    /// The connection, made if there is none or the last one closed.
    awaitable<detail::connection_result> connection() {
        for (;;) {
            if (conn_ && !conn_->is_closed()) co_return detail::connection_result{conn_, {}};
            if (!connecting_) break;
            h2::asio::wakeup w;  // another call is connecting: wait for it
            waiters_.push_back(&w);
            co_await w.wait();
        }
        connecting_ = true;
        detail::connection_result r = co_await connect();
        connecting_ = false;
        if (r.conn) {
            conn_ = r.conn;
            ++connections_made_;
        }
        for (auto* w : std::exchange(waiters_, {})) w->notify();
        co_return r;
    }

    /// Forgets `c` (its GOAWAY or failure was seen) so that the next call
    /// makes a new connection.
    void drop(const std::shared_ptr<h2::asio::client>& c) {
        if (conn_ == c) conn_.reset();
    }

  private:
    awaitable<detail::connection_result> connect() {
        namespace ha = h2::asio;
        auto fail = [](std::string m) { return detail::connection_result{nullptr, std::move(m)}; };
        if (parts_.host.empty()) co_return fail("invalid target \"" + target_ + "\" (host:port)");
        if (opts_.use_tls && !tls_) {
            ha::tls_client_options t = opts_.http.tls;
            t.verify_peer = opts_.verify_peer;
            if (!opts_.ca_file.empty()) t.ca_file = opts_.ca_file;
            auto c = ha::make_client_context(t);
            if (!c) co_return fail("TLS setup: " + c.error());
            tls_ = *c;
        }
        struct state {
            explicit state(const executor& e) : socket(e), timer(e) {}
            ha::tcp::socket socket;
            ha::net::steady_timer timer;
            bool timed_out = false;
        };
        auto st = std::make_shared<state>(ex_);
        st->timer.expires_after(opts_.http.connect_timeout);
        st->timer.async_wait([st](const ha::error_code_t& ec) {
            if (ec) return;
            st->timed_out = true;
            ha::error_code_t ignored;
            st->socket.close(ignored);
        });
        ha::error_code_t ec;
        ha::tcp::resolver resolver(ex_);
        const auto endpoints = co_await resolver.async_resolve(
            parts_.host, parts_.port, ha::net::redirect_error(ha::net::use_awaitable, ec));
        if (ec) {
            st->timer.cancel();
            co_return fail("cannot resolve " + parts_.host + ": " + ec.message());
        }
        co_await ha::net::async_connect(st->socket, endpoints,
                                        ha::net::redirect_error(ha::net::use_awaitable, ec));
        st->timer.cancel();
        if (st->timed_out) co_return fail("connect to " + target_ + " timed out");
        if (ec) co_return fail("cannot connect to " + target_ + ": " + ec.message());
        auto s = std::make_shared<ha::client_session>(
            ex_, std::move(st->socket), opts_.use_tls ? tls_ : nullptr, opts_.http.driver);
        if (opts_.use_tls) {
            const std::string& name =
                opts_.server_name_override.empty() ? parts_.host : opts_.server_name_override;
            if (auto e =
                    ha::prepare_client(s->get_transport().native_ssl(), name, opts_.verify_peer))
                co_return fail(*e);
        }
        const ha::stream_error err = co_await s->handshake();
        if (err) co_return fail(err.to_string());
        co_return detail::connection_result{std::make_shared<ha::client>(std::move(s)), {}};
    }

    executor ex_;
    std::string target_;
    channel_options opts_;
    detail::target_parts parts_;
    std::string authority_;
    h2::asio::tls_context_ptr tls_;
    std::shared_ptr<h2::asio::client> conn_;
    bool connecting_ = false;
    std::vector<h2::asio::wakeup*> waiters_;
    std::size_t connections_made_ = 0;
    std::vector<client_interceptor> interceptors_;
};

// ------------------------------------------------------------ call_core

namespace detail {

inline call_core::call_core(channel& ch, const method_descriptor& d, call_options o)
    : ch_(&ch),
      path_(d.path),
      service_(d.service),
      method_(d.method),
      kind_(d.kind),
      opts_(std::move(o)),
      settings_(ch.options().limits) {
    // Interceptors first: what they set (metadata, deadline, context) is
    // what the call uses.
    for (const client_interceptor& i : ch.interceptors()) {
        if (i.before) i.before(d, opts_);
        ++interceptors_;
    }
    if (opts_.context != nullptr) opts_.context->call_ = this;
    // The deadline counts from the call's creation, and a transparent retry
    // keeps it.
    if (opts_.deadline) deadline_ = opts_.deadline;
    if (opts_.timeout) {
        const time_point t = std::chrono::steady_clock::now() +
                             std::chrono::duration_cast<time_point::duration>(*opts_.timeout);
        deadline_ = deadline_ ? std::min(*deadline_, t) : t;
    }
    retries_left_ = ch.options().transparent_retries;
}

inline void call_core::drop_connection() {
    ch_->drop(conn_);
}

inline void call_core::report_finish(const status& st) noexcept {
    if (finish_reported_) return;
    finish_reported_ = true;
    const method_descriptor d{path_, service_, method_, kind_};
    const auto& all = ch_->interceptors();
    for (std::size_t i = 0; i < interceptors_ && i < all.size(); ++i)
        if (all[i].on_finish) all[i].on_finish(d, st);
}

inline awaitable<void> call_core::start() {
    if (opts_.context != nullptr && opts_.context->cancelled()) {
        fail(status{status_code::cancelled, "Cancelled"});
        co_return;
    }
    const codec_registry& registry = *ch_->options().codecs;
    if (!opts_.compression.empty() && !is_identity(opts_.compression)) {
        compressor_ = registry.make(opts_.compression);
        if (!compressor_) {
            fail(status{status_code::internal,
                        "unsupported compression \"" + opts_.compression + "\""});
            co_return;
        }
    }
    for (int attempt = 0;; ++attempt) {
        detail::connection_result r = co_await ch_->connection();
        if (done()) co_return;  // cancelled meanwhile
        if (!r.conn) {
            fail(status{status_code::unavailable, r.error});
            co_return;
        }
        conn_ = r.conn;
        call_.emplace(registry, settings_);
        request_options ro;
        ro.path = path_;
        ro.authority = ch_->authority();
        ro.scheme = ch_->options().use_tls ? "https" : "http";
        ro.deadline = deadline_;
        ro.now = std::chrono::steady_clock::now();
        ro.md = &opts_.md;
        std::span<const hpack::field> fields;
        (void)call_->start(ro, compressor_.get(), [&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, send_headers>)
                fields = e.fields;
            else
                on_event(e);
        });
        if (done() || call_->done()) co_return;  // the deadline had passed
        auto s = co_await conn_->open(fields, false);
        if (done()) co_return;
        if (!s) {
            // The stream was never opened: the server cannot have seen it.
            ch_->drop(conn_);
            if (attempt < ch_->options().transparent_retries) continue;
            fail(status{status_code::unavailable, s.error().to_string()});
            co_return;
        }
        stream_ = std::move(*s);
        has_stream_ = true;
        if (deadline_) stream_.set_deadline(*deadline_);
        co_return;
    }
}

}  // namespace detail

}  // namespace h2pb::rpc::asio
