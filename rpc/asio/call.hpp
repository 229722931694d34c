// h2pb::rpc::asio — the client side of one gRPC call on an HTTP/2 stream
// (detail::call_core, messages as bytes) and the typed call objects over it
// (client_reader, client_writer, client_reader_writer). A call gets its
// connection from its channel through the small call_host interface, so the
// channel's connection management (channel.hpp) and the call's gRPC rules
// (this file, over the sans-IO rpc::client_call) stay apart.
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/client.hpp>
#include <h2pb/proto_codec/message.hpp>
#include <h2pb/rpc/asio/call_options.hpp>
#include <h2pb/rpc/call_events.hpp>
#include <h2pb/rpc/call_head.hpp>
#include <h2pb/rpc/client_call.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/message_codec.hpp>
#include <h2pb/rpc/method.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc::asio {

namespace detail {

/// A connection or why there is none.
struct connection_result {
    std::shared_ptr<h2::asio::client> conn;
    std::string error;
    /// The call's status code when there is no connection: UNAVAILABLE,
    /// or DEADLINE_EXCEEDED when the call's deadline passed while it waited
    /// (wait-for-ready.md).
    status_code code = status_code::unavailable;
};

/// What a call asks of its channel when it needs a connection.
struct pick_args {
    /// The call's deadline: a wait for a connection ends there.
    std::optional<time_point> deadline;
    /// wait-for-ready.md: wait through TRANSIENT_FAILURE instead of failing.
    bool wait_for_ready = false;
};

/// What a call needs from its channel (the channel implements it).
class call_host {
  public:
    virtual const channel_options& options() const noexcept = 0;
    virtual const std::string& authority() const noexcept = 0;
    virtual const std::vector<client_interceptor>& interceptors() const noexcept = 0;
    /// A connection for a new stream (made or waited for as the channel's
    /// state and the call's pick_args say).
    virtual awaitable<connection_result> pick(pick_args a) = 0;
    /// `c` failed or received GOAWAY: new calls need another connection.
    virtual void drop(const std::shared_ptr<h2::asio::client>& c) = 0;

  protected:
    ~call_host() = default;
};

}  // namespace detail

/// The client side of one gRPC call with messages as bytes: what the typed
/// readers and writers below wrap. One reader coroutine (next, finish) and
/// one writer coroutine (send, close_send) may use it at the same time.
class call;

namespace detail {

class call_core {
  public:
    inline call_core(call_host& host, const method_descriptor& d, call_options o);
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

    call_host* host_;
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

// ------------------------------------------------------------ call_core

namespace detail {

inline call_core::call_core(call_host& host, const method_descriptor& d, call_options o)
    : host_(&host),
      path_(d.path),
      service_(d.service),
      method_(d.method),
      kind_(d.kind),
      opts_(std::move(o)),
      settings_(host.options().limits) {
    // Interceptors first: what they set (metadata, deadline, context) is
    // what the call uses.
    for (const client_interceptor& i : host.interceptors()) {
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
    retries_left_ = host.options().transparent_retries;
}

inline void call_core::drop_connection() {
    host_->drop(conn_);
}

inline void call_core::report_finish(const status& st) noexcept {
    if (finish_reported_) return;
    finish_reported_ = true;
    const method_descriptor d{path_, service_, method_, kind_};
    const auto& all = host_->interceptors();
    for (std::size_t i = 0; i < interceptors_ && i < all.size(); ++i)
        if (all[i].on_finish) all[i].on_finish(d, st);
}

inline awaitable<void> call_core::start() {
    if (opts_.context != nullptr && opts_.context->cancelled()) {
        fail(status{status_code::cancelled, "Cancelled"});
        co_return;
    }
    const codec_registry& registry = *host_->options().codecs;
    if (!opts_.compression.empty() && !is_identity(opts_.compression)) {
        compressor_ = registry.make(opts_.compression);
        if (!compressor_) {
            fail(status{status_code::internal,
                        "unsupported compression \"" + opts_.compression + "\""});
            co_return;
        }
    }
    for (int attempt = 0;; ++attempt) {
        detail::connection_result r =
            co_await host_->pick(pick_args{deadline_, opts_.wait_for_ready});
        if (done()) co_return;  // cancelled meanwhile
        if (!r.conn) {
            fail(status{r.code, r.error});
            co_return;
        }
        conn_ = r.conn;
        call_.emplace(registry, settings_);
        request_options ro;
        ro.path = path_;
        ro.authority = host_->authority();
        ro.scheme = host_->options().use_tls ? "https" : "http";
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
            host_->drop(conn_);
            if (attempt < host_->options().transparent_retries) continue;
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
