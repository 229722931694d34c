// h2pb::rpc::asio — the client side of one gRPC call on an HTTP/2 stream
// (detail::call_core, messages as bytes; the typed call objects of
// channel_decl.hpp wrap it, and impl/call.hpp defines their members). A
// unit that drives a call on bytes itself (channel::start_call(): send,
// next, close_send, finish) includes this header, in either mode. A call gets its
// connection from its channel through the small call_host interface, so the
// channel's connection management (channel.hpp) and the call's gRPC rules
// (this file, over the sans-IO rpc::client_call) stay apart.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/h2/asio/wakeup.hpp>
#include <h2pb/proto_codec/message.hpp>
#include <h2pb/rpc/asio/call_options.hpp>
#include <h2pb/rpc/asio/channel_decl.hpp>
#include <h2pb/rpc/asio/retry_state.hpp>
#include <h2pb/rpc/call_events.hpp>
#include <h2pb/rpc/call_head.hpp>
#include <h2pb/rpc/client_call.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/message_codec.hpp>
#include <h2pb/rpc/method.hpp>
#include <h2pb/rpc/retry.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc::asio {

namespace detail {

/// Received messages not yet read. The strings are reused: next() swaps
/// the message with the caller's string, whose buffer holds a later message
/// (a stream read into one string allocates nothing per message); the first
/// slot is inline (a unary call's one response allocates no queue).
class message_queue {
  public:
    bool empty() const noexcept { return head_ == tail_; }
    /// `compressed`: the message's Compressed-Flag.
    void push(wire::bytes_view m, bool compressed) {
        if (tail_ == 0) {
            first_.assign(wire::as_chars(m));
            first_compressed_ = compressed;
        } else {
            if (tail_ - 1 == more_.size()) {
                more_.emplace_back();
                more_compressed_.push_back(false);
            }
            more_[tail_ - 1].assign(wire::as_chars(m));
            more_compressed_[tail_ - 1] = compressed;
        }
        ++tail_;
    }
    /// The oldest message into `out` and its Compressed-Flag into
    /// `compressed`; false when there is none.
    bool pop(std::string& out, bool& compressed) {
        if (empty()) return false;
        std::swap(out, head_ == 0 ? first_ : more_[head_ - 1]);
        compressed = head_ == 0 ? first_compressed_ : more_compressed_[head_ - 1] != 0;
        if (++head_ == tail_) head_ = tail_ = 0;  // every slot free again
        return true;
    }

  private:
    std::string first_;
    bool first_compressed_ = false;
    std::vector<std::string> more_;
    std::vector<char> more_compressed_;  ///< parallel to more_
    std::size_t head_ = 0, tail_ = 0;    ///< the messages are the slots [head_, tail_)
};

/// The client side of one gRPC call with messages as bytes: what the typed
/// readers and writers (channel_decl.hpp) wrap. One reader coroutine (next,
/// finish) and one writer coroutine (send, close_send) may use it at the
/// same time.
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
        if (!finish_reported_) {
            report_finish(
                done() ? *final_
                       : status{status_code::cancelled, "call destroyed before it finished"});
        }
    }

    /// Connects if needed and sends the request headers. A failure ends the
    /// call (done(), the status in finish()).
    inline awaitable<void> start();

    /// One message; false when the call is over (or the request side closed).
    /// `compress`: false sends this message uncompressed (Compressed-Flag 0)
    /// on a call with compression (compression.md allows it per message).
    ///
    /// Retries (gRFC A6): until the call commits, the message is also kept
    /// for a replay on a later attempt; while a retry is pending it is only
    /// kept (the replay sends it), and while a replay runs this waits for it.
    awaitable<bool> send(wire::bytes_view msg, bool compress = true) {
        for (;;) {
            if (done()) co_return false;
            if (!replaying_) break;
            co_await wait_replay();
        }
        if (buffer_.half_closed()) co_return false;  // after close_send()
        if (retry_pending_) {
            if (buffer_.add(msg, compress)) co_return true;
            commit();  // too large to keep: the failed attempt is final
            co_return false;
        }
        if (!has_stream_) co_return false;
        if (!buffer_.committed()) (void)buffer_.add(msg, compress);
        wire::bytes_view bytes;
        if (!encode(msg, compress, bytes)) co_return false;
        // A write that fails (the server ended the call, the connection is
        // gone) leaves the status to the reading side, which sees why; a
        // message kept for a retry may still reach the server.
        ++writing_;
        const h2::asio::stream_error e = co_await stream_.write(bytes, false);
        --writing_;
        co_return !e || may_replay(e);
    }

    /// Half-close: no more messages.
    awaitable<bool> close_send() {
        for (;;) {
            if (done()) co_return false;
            if (!replaying_) break;
            co_await wait_replay();
        }
        if (buffer_.half_closed()) co_return false;
        buffer_.close();
        if (retry_pending_) co_return true;  // the replay half-closes
        if (!has_stream_) co_return false;
        bool end = false;
        const status s = call_->close_send([&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, send_data>) end = e.end_stream;
        });
        if (!s.ok() || !end) co_return false;
        ++writing_;
        const h2::asio::stream_error e = co_await stream_.write({}, true);
        --writing_;
        co_return !e || may_replay(e);
    }

    /// The next message into `out`; false at the end of the call.
    awaitable<bool> next(std::string& out) {
        for (;;) {
            if (queue_.pop(out, last_compressed_)) co_return true;
            if (done()) co_return false;
            if (retry_pending_) {
                co_await retry();
                continue;
            }
            if (!has_stream_) {
                fail(status{status_code::internal, "call not started"});
                continue;
            }
            if (!head_seen_) {
                const h2::asio::stream_error e = co_await stream_.response();
                if (attempt_over()) continue;
                if (e) {
                    on_stream_error(e);
                    continue;
                }
                head_seen_ = true;
                // END_STREAM on the response header section: Trailers-Only.
                const bool trailers_only = stream_.complete() && stream_.trailers().empty();
                // gRFC A6: response headers commit the call; a Trailers-Only
                // response does not (its status may still be retried).
                if (!trailers_only) commit();
                call_->on_headers(stream_.headers(), trailers_only,
                                  [&](const auto& ev) { on_event(ev); });
                continue;
            }
            auto piece = co_await stream_.read();
            if (attempt_over()) continue;
            if (!piece) {
                on_stream_error(piece.error());
                continue;
            }
            if (piece->empty()) {
                if (!stream_.trailers().empty()) {
                    call_->on_headers(stream_.trailers(), true,
                                      [&](const auto& ev) { on_event(ev); });
                } else {
                    call_->on_data({}, true, [&](const auto& ev) { on_event(ev); });
                }
                continue;
            }
            call_->on_data(*piece, false, [&](const auto& ev) { on_event(ev); });
        }
    }

    /// Reads (and drops) what is left; the final status.
    awaitable<status> finish() {
        std::string ignored;
        while (!done()) {
            (void)co_await next(ignored);
        }
        co_return *final_;
    }

    void cancel() {
        if (done()) return;
        cancelled_ = true;
        if (!retry_pending_ && call_ && has_stream_) {
            call_->cancel([&](const auto& e) { on_event(e); });
            return;
        }
        fail(status{status_code::cancelled, "Cancelled"});
    }

    /// Ends the call with `st` (ours, not the server's: never retried) and
    /// resets the stream.
    void fail(status st) {
        if (done()) return;
        stop_retry_wait();
        set_final(std::move(st), false, false);
        if (call_) call_->cancel([&](const auto& e) { on_event(e); });
    }

    /// Sends `request` as the only message and half-closes (unary, server
    /// streaming); kept for retries like any request.
    awaitable<void> send_only(std::string request) {
        // The call keeps the request (moved, not copied) for a retry.
        request_ = std::move(request);
        (void)co_await send_last(wire::as_bytes(std::string_view(request_)), true);
    }

    /// The last message and the half-close in one write: the message's DATA
    /// frame carries END_STREAM, as grpc C++ sends a unary request, instead
    /// of the message and then an empty DATA frame with END_STREAM (one frame
    /// less per call for the server to read; PROTOCOL-HTTP2.md allows both).
    /// Kept for retries like send() and close_send(); `borrowed`: `msg`
    /// stays valid until the call ends, and is kept for a retry as a view
    /// instead of a copy (a unary call's request: no allocation).
    awaitable<bool> send_last(wire::bytes_view msg, bool borrowed = false) {
        for (;;) {
            if (done()) co_return false;
            if (!replaying_) break;
            co_await wait_replay();
        }
        if (buffer_.half_closed()) co_return false;
        if (retry_pending_ || !has_stream_) {  // the replay sends them, if any
            const bool sent = co_await send(msg);
            const bool closed = co_await close_send();
            co_return sent&& closed;
        }
        if (!buffer_.committed())
            (void)(borrowed ? buffer_.add_borrowed(msg, true) : buffer_.add(msg, true));
        buffer_.close();
        wire::bytes_view bytes;
        if (!encode(msg, true, bytes)) co_return false;
        // close_send() only changes the send state; `bytes` (client_call's
        // output buffer) stays valid.
        bool end = false;
        const status s = call_->close_send([&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, send_data>) end = e.end_stream;
        });
        if (!s.ok() || !end) co_return false;
        ++writing_;
        const h2::asio::stream_error e = co_await stream_.write(bytes, true);
        --writing_;
        co_return !e || may_replay(e);
    }

    bool done() const noexcept { return final_.has_value(); }
    /// The Compressed-Flag of the message next() gave last (interop's
    /// server_compressed_* cases check it; compression.md).
    bool last_message_compressed() const noexcept { return last_compressed_; }
    /// Attempts made so far (gRFC A6; transparent retries not counted).
    int attempts() const noexcept { return retry_ ? retry_->attempts() : 1; }
    /// The call can no longer be retried (gRFC A6 "committed").
    bool committed() const noexcept { return buffer_.committed(); }
    bool head_seen() const noexcept { return head_seen_; }
    const metadata& initial_metadata() const noexcept { return initial_; }
    const metadata& trailing_metadata() const noexcept { return trailing_; }
    /// The final status (valid once done()).
    const status& final_status() const noexcept { return *final_; }
    /// grpc-encoding of the server's messages ("" = identity).
    const std::string& response_encoding() const noexcept { return response_encoding_; }

  private:
    /// The current attempt ended (or the call did), or a retry is pending.
    bool attempt_over() const noexcept { return done() || retry_pending_; }

    /// A write failed with `e`: true when the request may still reach the
    /// server on another attempt (kept, and a retry policy or a transparent
    /// retry could send it again), so that the writer goes on; the reading
    /// side learns the attempt's status and decides.
    bool may_replay(const h2::asio::stream_error& e) const noexcept {
        if (buffer_.committed() || cancelled_) return false;
        return retry_.has_value() || (e.retryable && retries_left_ > 0);
    }

    /// The bytes of `msg` for the current attempt's stream.
    bool encode(wire::bytes_view msg, bool compress, wire::bytes_view& bytes) {
        status s;
        if (compress || compressor_ == nullptr) {
            s = call_->send_message(msg, [&](const auto& e) { on_event(e, &bytes); });
        } else if (call_->sending_state() != client_call::send_state::open) {
            return false;
        } else {
            out_.clear();
            s = encode_message(out_, msg, nullptr, settings_.max_send_message_size);
            bytes = out_.view();
        }
        if (!s.ok()) {
            if (call_->sending_state() != client_call::send_state::open) return false;
            fail(std::move(s));
            return false;
        }
        return true;
    }

    /// gRFC A6: the call can no longer be retried; a retry that was pending
    /// is not made (the failed attempt's status is the call's).
    void commit() {
        buffer_.commit();
        if (!retry_pending_) return;
        retry_pending_ = false;
        stop_retry_wait();
        set_final(std::move(pending_status_), false, false);
    }

    void stop_retry_wait() {
        retry_pending_ = false;
        if (backoff_timer_ != nullptr) backoff_timer_->cancel();
    }

    /// Whether the attempt that ended with `st` is tried again, and after
    /// how long (retry_delay_). Transparent retry first (PROTOCOL-HTTP2.md:
    /// a stream the server refused before processing it, REFUSED_STREAM or
    /// above a GOAWAY's last stream id, may be sent again; gRFC A6: it does
    /// not count as an attempt), then the method's retry policy.
    bool decide_retry(const status& st, bool transparent) {
        if (cancelled_ || (opts_.context != nullptr && opts_.context->cancelled())) return false;
        if (deadline_ && std::chrono::steady_clock::now() >= *deadline_) return false;
        if (transparent && !buffer_.committed() && retries_left_ > 0) {
            --retries_left_;
            retry_delay_ = {};
            return true;
        }
        rpc::retry_throttle* throttle = host_->options().retry_throttle.get();
        if (st.ok()) {
            if (throttle != nullptr) throttle->on_success();
            return false;
        }
        if (!retry_ || buffer_.committed()) return false;
        const auto& rnd = host_->options().retry_random;
        const double r = rnd ? rnd() : default_retry_random();
        const auto d = retry_->on_attempt_end(st.code, parse_pushback(pushback_field()), r);
        if (!d.retry) return false;
        retry_delay_ = d.delay;
        return true;
    }

    /// grpc-retry-pushback-ms of the attempt's trailers (or of its
    /// Trailers-Only header section). Read from the HTTP/2 fields: the
    /// call's trailing metadata leaves reserved "grpc-" fields out.
    std::optional<std::string_view> pushback_field() const noexcept {
        if (!has_stream_) return std::nullopt;
        for (const auto fields : {stream_.trailers(), stream_.headers()})
            for (const hpack::field& f : fields)
                if (f.name == retry_pushback_header) return f.value;
        return std::nullopt;
    }

    /// The pending retry: waits out the backoff (never past the deadline),
    /// then a fresh stream (a new pick) gets the buffered request again.
    awaitable<void> retry() {
        if (retry_delay_.count() > 0) {
            h2::asio::net::steady_timer t(co_await h2::asio::net::this_coro::executor);
            time_point until = std::chrono::steady_clock::now() +
                               std::chrono::duration_cast<time_point::duration>(retry_delay_);
            if (deadline_ && *deadline_ < until) until = *deadline_;
            t.expires_at(until);
            backoff_timer_ = &t;
            h2::asio::error_code_t ec;
            co_await t.async_wait(h2::asio::net::redirect_error(h2::asio::net::use_awaitable, ec));
            backoff_timer_ = nullptr;
            if (!retry_pending_) co_return;  // cancelled or committed meanwhile
            if (deadline_ && std::chrono::steady_clock::now() >= *deadline_) {
                retry_pending_ = false;
                set_final(status{status_code::deadline_exceeded,
                                 "deadline exceeded while waiting to retry (last attempt: " +
                                     pending_status_.to_string() + ")"},
                          false, false);
                co_return;
            }
        }
        retry_pending_ = false;
        // From here until the replay is done, send() and close_send() wait.
        replaying_ = true;
        // A write of the old attempt may still be in flight: keep its stream.
        if (has_stream_) {
            if (writing_ > 0)
                retired_.push_back(std::move(stream_));
            else
                stream_ = h2::asio::client_stream();
        }
        has_stream_ = false;
        head_seen_ = false;
        initial_ = metadata();
        response_encoding_.clear();
        call_.reset();
        co_await start();
        if (!attempt_over() && has_stream_) {
            co_await replay();
        }
        replaying_ = false;
        for (auto* w : std::exchange(replay_waiters_, {})) w->notify();
    }

    /// Sends the buffered request on the new attempt's stream.
    awaitable<void> replay() {
        for (std::size_t i = 0; i < buffer_.count(); ++i) {
            // (encode() copies the message into the call's output buffer
            // before the write: `m` is not used across the co_await.)
            const retry_buffer::message& m = buffer_.at(i);
            wire::bytes_view bytes;
            if (!encode(m.bytes(), m.compress, bytes)) co_return;
            const h2::asio::stream_error e = co_await stream_.write(bytes, false);
            if (e || attempt_over()) co_return;
        }
        if (!buffer_.half_closed()) co_return;
        bool end = false;
        const status s = call_->close_send([&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, send_data>) end = e.end_stream;
        });
        if (s.ok() && end) {
            (void)co_await stream_.write({}, true);
        }
    }

    awaitable<void> wait_replay() {
        h2::asio::wakeup w;
        replay_waiters_.push_back(&w);
        co_await w.wait();
    }

    inline void drop_connection();
    inline void own_names(const method_descriptor& d);
    inline void report_finish(const status& st) noexcept;

    /// The attempt ended with `st`: the call's status, unless a retry
    /// follows (`may_retry` false: ours, final).
    void set_final(status st, bool transparent, bool may_retry = true) {
        if (final_ || retry_pending_) return;
        if (call_) trailing_ = call_->trailing_metadata();
        if (may_retry && decide_retry(st, transparent)) {
            retry_pending_ = true;
            pending_status_ = std::move(st);
            return;
        }
        final_ = std::move(st);
        if (auto* c = opts_.context) {
            c->status_ = *final_;
            c->trailing_ = trailing_;
        }
        report_finish(*final_);
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
            queue_.push(e.bytes, e.compressed);
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
                set_final(status{status_code::internal, e.to_string()}, false, false);
                break;
            default:
                set_final(status{status_code::unavailable, e.to_string()}, false);
                break;
        }
        if (!attempt_over()) set_final(status{status_code::unavailable, e.to_string()}, false);
        if (call_ && !call_->done()) call_->cancel(on);
    }

    call_host* host_;
    // The method's names, owned (the caller's descriptor need not outlive
    // the call), for the request and the interceptors' on_finish: one string
    // (the path, which holds the service and method names when it is
    // "/service/method", as for every generated method), views into it.
    std::string names_;
    std::string_view path_, service_, method_;
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
    std::optional<status> final_;
    int retries_left_ = 0;  ///< transparent retries left
    // Retries (gRFC A6; retry_state.hpp).
    retry_buffer buffer_;
    std::optional<rpc::retry_state> retry_;  ///< the method's retry policy, if any
    bool retry_pending_ = false;             ///< an attempt failed; retry() follows
    bool replaying_ = false;                 ///< retry() is sending the buffer again
    bool cancelled_ = false;
    int writing_ = 0;        ///< send() / close_send() awaiting a write
    status pending_status_;  ///< the failed attempt's status while retry_pending_
    std::chrono::nanoseconds retry_delay_{0};
    h2::asio::net::steady_timer* backoff_timer_ = nullptr;
    std::vector<h2::asio::wakeup*> replay_waiters_;
    std::vector<h2::asio::client_stream> retired_;  ///< earlier attempts' streams, writes in flight
    message_queue queue_;
    bool last_compressed_ = false;  ///< of the message next() gave last
    std::string request_;           ///< send_only()'s request, kept for retries
    metadata initial_;
    metadata trailing_;
    std::string response_encoding_;
    wire::buffer out_;
};

}  // namespace detail

// What channel_decl.hpp and call_options.hpp declare of the call (the
// call objects' members, client_context::cancel) is defined in
// impl/call.hpp, included at the end of this file header-only and compiled
// once into the library (src/rpc_client.cpp) in separate mode.

// ------------------------------------------------------------ call_core

namespace detail {

inline call_core::call_core(call_host& host, const method_descriptor& d, call_options o)
    : host_(&host),
      kind_(d.kind),
      opts_(std::move(o)),
      settings_(host.options().limits),
      buffer_(host.options().retry_buffer_size) {
    own_names(d);
    // Interceptors first: what they set (metadata, deadline, context) is
    // what the call uses.
    for (const client_interceptor& i : host.interceptors()) {
        if (i.before) i.before(d, opts_);
        ++interceptors_;
    }
    if (opts_.context != nullptr) opts_.context->call_ = this;
    // The method's service config (service_config.md); the call's own
    // settings win where they are stricter.
    const method_config* mc = nullptr;
    if (const auto& sc = host.options().service_config) mc = sc->find(service_, method_);
    std::optional<std::chrono::nanoseconds> timeout = opts_.timeout;
    if (mc != nullptr) {
        if (mc->timeout) timeout = timeout ? std::min(*timeout, *mc->timeout) : *mc->timeout;
        if (mc->wait_for_ready.value_or(false)) opts_.wait_for_ready = true;
        if (mc->max_request_message_bytes)
            settings_.max_send_message_size =
                std::min(settings_.max_send_message_size, *mc->max_request_message_bytes);
        if (mc->max_response_message_bytes)
            settings_.max_receive_message_size =
                std::min(settings_.max_receive_message_size, *mc->max_response_message_bytes);
        if (mc->retry) retry_.emplace(*mc->retry, host.options().retry_throttle.get());
    }
    // The deadline counts from the call's creation, and covers every
    // attempt (gRFC A6).
    if (opts_.deadline) deadline_ = opts_.deadline;
    if (timeout) {
        const time_point t = std::chrono::steady_clock::now() +
                             std::chrono::duration_cast<time_point::duration>(*timeout);
        deadline_ = deadline_ ? std::min(*deadline_, t) : t;
    }
    retries_left_ = host.options().transparent_retries;
}

inline void call_core::own_names(const method_descriptor& d) {
    const std::string_view p = d.path;
    const bool composed = p.size() == d.service.size() + d.method.size() + 2 && p[0] == '/' &&
                          p.substr(1, d.service.size()) == d.service &&
                          p[1 + d.service.size()] == '/' &&
                          p.substr(2 + d.service.size()) == d.method;
    if (composed) {
        names_.assign(p);
        path_ = names_;
        service_ = path_.substr(1, d.service.size());
        method_ = path_.substr(2 + d.service.size());
        return;
    }
    names_.reserve(p.size() + d.service.size() + d.method.size());
    names_.append(p).append(d.service).append(d.method);
    const std::string_view all = names_;
    path_ = all.substr(0, p.size());
    service_ = all.substr(p.size(), d.service.size());
    method_ = all.substr(p.size() + d.service.size());
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
    if (!compressor_ && !opts_.compression.empty() && !is_identity(opts_.compression)) {
        compressor_ = registry.make(opts_.compression);
        if (!compressor_) {
            fail(status{status_code::internal,
                        "unsupported compression \"" + opts_.compression + "\""});
            co_return;
        }
    }
    for (int attempt = 0;; ++attempt) {
        detail::connection_result r;
        r.conn = host_->try_pick();
        if (!r.conn) {
            r = co_await host_->pick(pick_args{deadline_, opts_.wait_for_ready});
        }
        if (attempt_over()) co_return;  // cancelled meanwhile
        if (!r.conn) {
            // UNAVAILABLE: an attempt that failed (gRFC A6 retries it if
            // UNAVAILABLE is retryable for the method). Anything else (the
            // deadline passed while waiting for a connection) is final.
            if (r.code == status_code::unavailable)
                set_final(status{r.code, r.error}, false);
            else
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
        // gRFC A6: a retry says how many attempts came before it.
        metadata attempt_md;
        if (retry_ && retry_->attempts() > 1) {
            attempt_md = opts_.md;
            attempt_md.add_unchecked(previous_attempts_header,
                                     std::to_string(retry_->attempts() - 1));
            ro.md = &attempt_md;
        }
        std::span<const hpack::field> fields;
        (void)call_->start(ro, compressor_.get(), [&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, send_headers>)
                fields = e.fields;
            else
                on_event(e);
        });
        if (attempt_over() || call_->done()) co_return;  // the deadline had passed
        std::optional<h2::asio::stream_result<h2::asio::client_stream>> s =
            conn_->try_open(fields, false);
        if (!s) {
            s = co_await conn_->open(fields, false);
            if (attempt_over()) co_return;
        }
        if (!*s) {
            // The stream was never opened: the server cannot have seen it.
            host_->drop(conn_);
            if (attempt < host_->options().transparent_retries) continue;
            set_final(status{status_code::unavailable, s->error().to_string()}, false);
            co_return;
        }
        stream_ = std::move(**s);
        has_stream_ = true;
        if (deadline_) stream_.set_deadline(*deadline_);
        co_return;
    }
}

}  // namespace detail

}  // namespace h2pb::rpc::asio

#if !defined(H2PB_SEPARATE_COMPILATION)
#include <h2pb/rpc/asio/impl/call.hpp>
#endif
