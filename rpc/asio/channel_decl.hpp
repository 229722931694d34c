// h2pb::rpc::asio — the gRPC client channel's declarations: the channel, the
// typed call objects (client_reader, client_writer, client_reader_writer)
// and what a call asks of its channel (detail::call_host). Include
// <h2pb/rpc/asio/channel.hpp>, which adds the definitions unless
// H2PB_SEPARATE_COMPILATION is defined (h2/asio/config.hpp); this header is
// what a separately compiled program's units see of the client.
//
// What stays here, compiled in the user's unit: the templates on the
// user's message types (channel::unary and the other three kinds, the typed
// calls' read/write/finish), which only encode a request into bytes, hand
// those to the call and decode the bytes that come back. Everything they
// call is a non-template function on bytes (channel::unary_bytes,
// make_call, detail::start, detail::send_only, call_handle's send_bytes,
// next_bytes, close_send, finish_status), defined in rpc/asio/call.hpp and
// rpc/asio/impl/channel.hpp: inline header-only, in libh2pb.a separately
// compiled. Those that only start a coroutine of the call (detail::start,
// send_bytes, ...) return its awaitable, not a coroutine of their own, so a
// call makes the same coroutine frames in both modes.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/awaitable.hpp>
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/proto_codec/message.hpp>
#include <h2pb/rpc/asio/call_options.hpp>
#include <h2pb/rpc/asio/keepalive.hpp>
#include <h2pb/rpc/call_head.hpp>
#include <h2pb/rpc/connectivity.hpp>
#include <h2pb/rpc/method.hpp>
#include <h2pb/rpc/status.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::h2::asio {
class client;  // h2/asio/client.hpp
}  // namespace h2pb::h2::asio

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
    /// A connection when one is ready now (no wait), else null: the call
    /// then pick()s. Not a coroutine: the common case costs no frame.
    virtual std::shared_ptr<h2::asio::client> try_pick() { return nullptr; }
    /// `c` failed or received GOAWAY: new calls need another connection.
    virtual void drop(const std::shared_ptr<h2::asio::client>& c) = 0;

  protected:
    ~call_host() = default;
};

class call_core;     // call.hpp: one call, messages as bytes
class channel_core;  // subchannel.hpp: the channel's connections

/// Deletes a call_core where its type is complete (call.hpp), so that the
/// call objects below hold one without seeing its definition.
struct call_core_deleter {
    void operator()(call_core* c) const noexcept;
};
/// A call, owned.
using call_ptr = std::unique_ptr<call_core, call_core_deleter>;

/// call_core::start(): connects if needed and sends the request headers.
awaitable<void> start(call_core& c);
/// call_core::send_only(): `request` (copied: the call keeps it for a
/// retry) as the only message, then half-close.
awaitable<void> send_only(call_core& c, wire::bytes_view request);

}  // namespace detail

// ------------------------------------------------------------ typed calls

/// Metadata and cancellation common to the streaming call objects.
class call_handle {
  public:
    void cancel();
    const metadata& initial_metadata() const noexcept;
    const metadata& trailing_metadata() const noexcept;
    /// grpc-encoding of the server's messages ("" = identity).
    const std::string& response_encoding() const noexcept;
    /// The last message read came compressed (Compressed-Flag 1).
    bool last_message_compressed() const noexcept;
    detail::call_core& core() noexcept { return *core_; }

  protected:
    explicit call_handle(detail::call_ptr c) : core_(std::move(c)) {}
    /// Encodes and sends one message.
    template <class Req>
    awaitable<bool> write_message(const Req& m, bool compress) {
        buf_.clear();
        proto::encode(m, buf_);
        const bool sent = co_await send_bytes(buf_.view(), compress);
        co_return sent;
    }
    template <class Resp>
    awaitable<bool> read_message(Resp& out) {
        const bool got = co_await next_bytes(read_buf_);
        if (!got) co_return false;
        co_return decode_into(read_buf_, out);
    }
    /// Decodes a response; on failure the call ends INTERNAL (the status
    /// grpc gives a message it cannot parse).
    template <class M>
    bool decode_into(const std::string& bytes, M& out) {
        if (proto::decode(out, wire::as_bytes(std::string_view(bytes)))) {
            fail_unmarshal();
            return false;
        }
        return true;
    }

    // The call's own members (call_core's), on bytes.
    awaitable<bool> send_bytes(wire::bytes_view msg, bool compress);
    awaitable<bool> next_bytes(std::string& out);
    awaitable<bool> close_send();
    awaitable<status> finish_status();
    void fail_unmarshal();

    detail::call_ptr core_;
    wire::buffer buf_;
    /// The last message's bytes: next() swaps its buffer into the call's
    /// queue for a later message, so a stream read allocates no string per
    /// message.
    std::string read_buf_;
};

/// Server streaming: read() until false, then finish().
template <class Resp>
class client_reader : public call_handle {
  public:
    explicit client_reader(detail::call_ptr c) : call_handle(std::move(c)) {}
    awaitable<bool> read(Resp& out) { return read_message(out); }
    /// The call's status (reads and drops unread responses).
    awaitable<status> finish() { return finish_status(); }
};

/// Client streaming: write() the requests, then finish() half-closes and
/// gives the one response.
template <class Req, class Resp>
class client_writer : public call_handle {
  public:
    explicit client_writer(detail::call_ptr c) : call_handle(std::move(c)) {}
    /// False when the call is over (finish() says why).
    awaitable<bool> write(const Req& m, bool compress = true) { return write_message(m, compress); }
    awaitable<result<Resp>> finish() {
        (void)co_await close_send();
        Resp out{};
        std::string bytes;
        int count = 0;
        while (co_await next_bytes(bytes)) {
            if (++count == 1 && !decode_into(bytes, out)) break;
        }
        status st = co_await finish_status();
        if (!st.ok()) co_return st;
        if (count != 1) {
            co_return status{status_code::internal,
                             count == 0 ? "no response message for a client-streaming call"
                                        : "more than one response message"};
        }
        co_return out;
    }
};

/// Bidirectional streaming: read() in one coroutine, write() and
/// writes_done() in another (or both in one).
template <class Req, class Resp>
class client_reader_writer : public call_handle {
  public:
    explicit client_reader_writer(detail::call_ptr c) : call_handle(std::move(c)) {}
    awaitable<bool> write(const Req& m, bool compress = true) { return write_message(m, compress); }
    /// Half-close.
    awaitable<bool> writes_done() { return close_send(); }
    awaitable<bool> read(Resp& out) { return read_message(out); }
    awaitable<status> finish() { return finish_status(); }
};

// ------------------------------------------------------------ the channel

/// A gRPC client channel (channel.hpp says what it does). Its members
/// but the call templates are defined in impl/channel.hpp.
class channel final : public detail::call_host {
  public:
    /// `target`: see rpc/target.hpp ("host:port", "dns:///host:port",
    /// "unix:/path", "ipv4:1.2.3.4:80,5.6.7.8:81", ...). A malformed target
    /// puts the channel in TRANSIENT_FAILURE: its calls fail with
    /// UNAVAILABLE and the parse error.
    channel(executor ex, std::string target, channel_options o = {});
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;
    /// Closes the connections (call on the executor). A destructor that lets
    /// an exception out terminates the program; what close() can throw (an
    /// allocation failing while it queues the GOAWAYs) leaves nothing for a
    /// dying channel to do, so it is dropped here; call close() first to see it.
    ~channel();

    using call_options = asio::call_options;

    const executor& get_executor() const noexcept { return ex_; }
    const channel_options& options() const noexcept override;
    const std::string& authority() const noexcept override;
    /// Adds an interceptor (see client_interceptor) for the calls created
    /// after this; interceptors run in the order added.
    void add_interceptor(client_interceptor i) { interceptors_.push_back(std::move(i)); }
    const std::vector<client_interceptor>& interceptors() const noexcept override {
        return interceptors_;
    }

    /// The keepalive settings new connections get (time doubled after a
    /// GOAWAY "too_many_pings": keepalive.hpp).
    const client_keepalive& keepalive() const noexcept;

    /// Connections made so far (tests: a restart makes a new one).
    std::size_t connections_made() const noexcept;

    /// Closes the channel now (SHUTDOWN): calls in flight fail with UNAVAILABLE.
    void close();

    /// The channel's connectivity state; with `try_to_connect`, an IDLE
    /// channel starts connecting (grpc C++'s Channel::GetState).
    connectivity_state state(bool try_to_connect = false);

    /// Completes with true once the state is no longer `last`, or false at
    /// `deadline` (grpc C++'s Channel::WaitForStateChange).
    awaitable<bool> wait_for_state_change(connectivity_state last, time_point deadline);

    /// Why the last connection attempt (or resolution) failed; empty if none did.
    const std::string& last_error() const noexcept;

    /// A call on this channel, not started yet (detail::start()).
    detail::call_ptr make_call(const method_descriptor& d, call_options o);

    /// A started call with messages as bytes (its status says if it failed).
    awaitable<detail::call_ptr> start_call(const method_descriptor& d, call_options o = {});

    /// Unary with bytes: the response message's bytes.
    awaitable<result<std::string>> unary_bytes(const method_descriptor& d, wire::bytes_view request,
                                               call_options o = {});

    template <class Req, class Resp>
    awaitable<result<Resp>> unary(const method_descriptor& d, const Req& request,
                                  call_options o = {}) {
        wire::buffer b;
        proto::encode(request, b);
        auto r = co_await unary_bytes(d, b.view(), std::move(o));
        if (!r) co_return r.status();
        Resp out{};
        if (proto::decode(out, wire::as_bytes(std::string_view(*r))))
            co_return status{status_code::internal,
                             "grpc: failed to unmarshal the response message"};
        co_return out;
    }

    template <class Req, class Resp>
    awaitable<client_reader<Resp>> server_streaming(const method_descriptor& d, const Req& request,
                                                    call_options o = {}) {
        detail::call_ptr c = make_call(d, std::move(o));
        co_await detail::start(*c);
        wire::buffer b;
        proto::encode(request, b);
        co_await detail::send_only(*c, b.view());
        co_return client_reader<Resp>(std::move(c));
    }

    template <class Req, class Resp>
    awaitable<client_writer<Req, Resp>> client_streaming(const method_descriptor& d,
                                                         call_options o = {}) {
        detail::call_ptr c = make_call(d, std::move(o));
        co_await detail::start(*c);
        co_return client_writer<Req, Resp>(std::move(c));
    }

    template <class Req, class Resp>
    awaitable<client_reader_writer<Req, Resp>> bidi_streaming(const method_descriptor& d,
                                                              call_options o = {}) {
        detail::call_ptr c = make_call(d, std::move(o));
        co_await detail::start(*c);
        co_return client_reader_writer<Req, Resp>(std::move(c));
    }

    /// A connection for a call: see "Picking" in channel.hpp.
    awaitable<detail::connection_result> pick(detail::pick_args a) override;

    /// A READY connection without waiting, else null (the call then pick()s).
    std::shared_ptr<h2::asio::client> try_pick() override;

    /// Forgets `c` for new calls (its GOAWAY, failure or stream id
    /// exhaustion was seen): it closes once its streams are done.
    void drop(const std::shared_ptr<h2::asio::client>& c) override;

  private:
    executor ex_;
    std::shared_ptr<detail::channel_core> core_;
    std::vector<client_interceptor> interceptors_;
};

}  // namespace h2pb::rpc::asio
