// h2pb::h2::asio — the client side of one connection (client_session): opens
// streams, waits for the server's concurrency limit, keeps the last GOAWAY.
// h2::asio::client (client.hpp) and the gRPC subchannels run on it.
//
// Every member is defined in the class (inline in both modes): a unit that
// includes this header compiles the session, the HTTP/2 connection and the
// HPACK coder. A separately compiled program's own units include client.hpp
// instead, which declares the client without it (h2/asio/config.hpp).
#pragma once

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/client_decl.hpp>
#include <h2pb/h2/asio/exchange.hpp>
#include <h2pb/h2/asio/session.hpp>
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/h2/asio/wakeup.hpp>

namespace h2pb::h2::asio {

class client_session final : public session {
  public:
    client_session(executor ex, tcp::socket socket, tls_context_ptr tls, const driver_options& o)
        : session(std::move(ex), std::move(socket), tls.get(), h2::role::client, o),
          tls_(std::move(tls)) {}

    /// Opens a stream with a request header section (waits while the
    /// server's concurrency limit is reached).
    awaitable<stream_result<exchange*>> open(std::span<const hpack::field> fields,
                                             bool end_stream) {
        for (;;) {
            std::optional<stream_result<exchange*>> r = try_open(fields, end_stream);
            if (r) co_return std::move(*r);
            wakeup slot;
            slot_waiters_.push_back(&slot);
            co_await slot.wait();
        }
    }

    /// open() when it need not wait: the stream or the error, or nullopt
    /// when the server's concurrency limit is reached (open() would wait).
    /// Not a coroutine: the common case costs no coroutine frame.
    std::optional<stream_result<exchange*>> try_open(std::span<const hpack::field> fields,
                                                     bool end_stream) {
        if (is_closed() || closing())
            return stream_result<exchange*>{wire::failure{closed_error()}};
        auto r = connection().submit_request(fields, end_stream);
        if (r) {
            exchange* x = acquire();
            x->id = *r;
            connection().set_stream_user_data(*r, x);
            x->out_headers_sent = true;
            x->app_running = true;
            if (end_stream) x->out_ended = true;
            schedule_write();
            return stream_result<exchange*>{x};
        }
        if (r.error() != h2::send_errc::too_many_streams) {
            // No stream id left (RFC 9113 §5.1.1): like a GOAWAY, this
            // connection takes no new stream; a channel makes another.
            if (r.error() == h2::send_errc::stream_ids_exhausted) mark_unusable();
            const bool goaway = r.error() == h2::send_errc::goaway_received;
            return stream_result<exchange*>{wire::failure{
                stream_error{goaway ? stream_errc::goaway : stream_errc::cannot_send,
                             error_code::no_error, goaway, std::string(h2::describe(r.error()))}}};
        }
        return std::nullopt;
    }

    /// GOAWAY(NO_ERROR): no new streams; the connection closes when the
    /// streams in flight are done.
    void shutdown_client() { shutdown(std::nullopt); }

    /// No new stream can be opened: closed, closing, or GOAWAY received
    /// (a gRPC channel then needs another connection).
    bool unusable() noexcept {
        return given_up_ || is_closed() || closing() || connection().peer_sent_goaway();
    }
    /// The application gives this connection up for new streams (e.g. its
    /// stream ids ran out, send_errc::stream_ids_exhausted): unusable() from
    /// now on, and the watcher wakes.
    void mark_unusable() {
        given_up_ = true;
        if (unusable_waiter_ != nullptr) unusable_waiter_->notify();
    }
    /// Completes once unusable() holds (a channel watches its connections
    /// with it). One watcher at a time.
    awaitable<void> wait_unusable() {
        if (unusable()) co_return;
        wakeup w;
        unusable_waiter_ = &w;
        co_await w.wait();
        unusable_waiter_ = nullptr;
    }
    /// The last GOAWAY received (none: nullopt).
    const std::optional<goaway_info>& last_goaway() const noexcept { return last_goaway_; }

  private:
    stream_error closed_error() const {
        if (conn_error_) return conn_error_;
        return {stream_errc::connection_closed, error_code::no_error, false, "connection closing"};
    }

    void on_request(exchange& x) override { reset(x, error_code::protocol_error); }

    /// The handle was dropped before the stream completed: CANCEL it.
    void on_abandoned(exchange& x) override {
        if (!x.in_end || !x.out_ended) reset(x, error_code::cancel);
    }

    void on_released() override { wake_one(); }
    void on_goaway(const h2::goaway_received& e) override {
        const auto debug = wire::as_chars(
            e.debug_data.first(std::min(e.debug_data.size(), max_goaway_debug_kept)));
        last_goaway_ = goaway_info{e.last_stream_id, e.code, std::string(debug)};
        wake_all();
        if (unusable_waiter_ != nullptr) unusable_waiter_->notify();
    }
    /// The server's first SETTINGS replaces the 100 streams assumed until
    /// then (h2::default_initial_peer_max_concurrent_streams): every opener
    /// waiting for a slot tries again.
    void on_settings() override { wake_all(); }
    void on_closed() override {
        wake_all();
        if (unusable_waiter_ != nullptr) unusable_waiter_->notify();
    }

    void wake_one() {
        if (slot_waiters_.empty()) return;
        slot_waiters_.front()->notify();
        slot_waiters_.pop_front();
    }
    void wake_all() {
        while (!slot_waiters_.empty()) wake_one();
    }

    tls_context_ptr tls_;
    std::deque<wakeup*> slot_waiters_;
    wakeup* unusable_waiter_ = nullptr;
    bool given_up_ = false;
    std::optional<goaway_info> last_goaway_;
};

}  // namespace h2pb::h2::asio
