// h2pb::rpc::asio — what a generated service is made of: handler shapes for
// the four kinds of method, the reader and writer of a streaming call, and
// the table that maps a :path to its handler.
//
// protoc-gen-h2pb (parameter `services`) emits, for each `service` of a
// .proto, a class deriving from rpc::asio::service with one virtual
// coroutine per method, whose default answers UNIMPLEMENTED:
//
//   unary             awaitable<result<Resp>> M(const Req&, server_context&)
//   server streaming  awaitable<status>       M(const Req&, server_writer<Resp>&, server_context&)
//   client streaming  awaitable<result<Resp>> M(server_reader<Req>&, server_context&)
//   bidi streaming    awaitable<status>       M(server_reader<Req>&, server_writer<Resp>&,
//                                               server_context&)
//
// and a register_methods() that adds each method to a method_table with the
// add_* template of its kind. The server (server.hpp) runs a call through
// the table: the adapters here decode requests, call the handler, encode
// responses, all through `call_stream`, the server's per-call object.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/awaitable.hpp>
#include <h2pb/proto_codec/message.hpp>
#include <h2pb/rpc/file_descriptor.hpp>
#include <h2pb/rpc/method.hpp>
#include <h2pb/rpc/status.hpp>
#include <h2pb/wire/buffer.hpp>

namespace h2pb::rpc::asio {

using h2::asio::awaitable;

class server_context;

/// The server's side of one call as the adapters use it. Implemented by the
/// server (server.hpp); tests may implement it with byte strings.
class call_stream {
  public:
    virtual ~call_stream() = default;
    /// The next request message, decompressed, as protobuf bytes: valid until
    /// the next read. Empty optional at the end of the client's stream, or
    /// when the call failed (context().cancelled() then says so).
    virtual awaitable<std::optional<wire::bytes_view>> read_message() = 0;
    /// Sends one response message (protobuf bytes; the call frames and, if
    /// negotiated, compresses it), waiting for flow control. False when the
    /// call is gone (cancelled, reset, deadline) or the message exceeds the
    /// max send size (the call then ends RESOURCE_EXHAUSTED).
    virtual awaitable<bool> write_message(wire::bytes_view message) = 0;
    virtual server_context& context() noexcept = 0;

    enum class poll_result : std::uint8_t {
        message,  ///< `out` holds the next message (valid until the next read)
        end,      ///< no more messages: the client's stream ended, or the call failed
        pending,  ///< nothing yet: read_message() would wait
    };
    /// read_message() without waiting. A unary request usually arrives with
    /// its header section, so the adapters try this first and skip a
    /// coroutine frame. The default (for call_streams that cannot tell)
    /// always answers pending.
    virtual poll_result poll_message(wire::bytes_view& /*out*/) { return poll_result::pending; }

    enum class send_result : std::uint8_t {
        sent,         ///< queued: it goes out as flow control allows
        failed,       ///< the call is gone, or the message is too large
        unsupported,  ///< this call_stream cannot queue: use write_message()
    };
    /// Queues a response message without waiting for flow control (it is
    /// copied if it cannot go at once): for the methods that answer with
    /// one message, whose memory is bounded by that message.
    virtual send_result send_message(wire::bytes_view /*message*/) {
        return send_result::unsupported;
    }

    /// Scratch for encoding responses, reused across messages.
    wire::buffer& scratch() noexcept { return scratch_; }

  private:
    wire::buffer scratch_;
};

/// Reads the request messages of a client- or bidi-streaming call.
template <class T>
class server_reader {
  public:
    explicit server_reader(call_stream& s) noexcept : s_(&s) {}
    /// The next message into `out`. False at the end of the client's stream,
    /// when the call was cancelled, or when a message does not decode (the
    /// call then ends INTERNAL, as grpc C++ and grpc-go answer a request
    /// that fails to parse).
    awaitable<bool> read(T& out) {
        auto bytes = co_await s_->read_message();
        if (!bytes) co_return false;
        if (proto::decode(out, *bytes)) {
            failed_ = true;
            co_return false;
        }
        co_return true;
    }
    /// A message failed to decode (the call ends INTERNAL).
    bool decode_failed() const noexcept { return failed_; }

  private:
    call_stream* s_;
    bool failed_ = false;
};

/// Writes the response messages of a server- or bidi-streaming call.
template <class T>
class server_writer {
  public:
    explicit server_writer(call_stream& s) noexcept : s_(&s) {}
    /// Sends one message, waiting while flow control holds it back (a slow
    /// reader holds the writer, not memory). False when the call is gone.
    awaitable<bool> write(const T& m) {
        wire::buffer& b = s_->scratch();
        b.clear();
        proto::encode(m, b);
        const bool ok = co_await s_->write_message(b.view());
        co_return ok;
    }

  private:
    call_stream* s_;
};

/// Runs one call of a method: returns the status that ends it.
using call_handler = std::function<awaitable<status>(call_stream&)>;

struct method_entry {
    method_descriptor descriptor;
    call_handler handler;
};

namespace detail {
/// read_one() without waiting, when the request is already buffered: true
/// when it decided (st holds the outcome), false when the rest must be
/// awaited (have_first says whether the request message is already in req).
template <class Req>
bool poll_one(call_stream& s, Req& req, status& st, bool& have_first) {
    wire::bytes_view m;
    if (!have_first) {
        const auto p = s.poll_message(m);
        if (p == call_stream::poll_result::pending) return false;
        if (p == call_stream::poll_result::end) {
            st = status{status_code::internal, "no request message"};
            return true;
        }
        if (proto::decode(req, m)) {
            st = status{status_code::internal, "request message does not parse"};
            return true;
        }
        have_first = true;
    }
    const auto p = s.poll_message(m);
    if (p == call_stream::poll_result::pending) return false;
    if (p == call_stream::poll_result::message) {
        st = status{status_code::internal, "more than one request message"};
        return true;
    }
    st = status{};
    return true;
}

/// Reads the one request of a unary or server-streaming call. A client that
/// sends none, or more than one, broke the method's contract: grpc C++
/// answers UNIMPLEMENTED for no request and INTERNAL for a second one; we
/// answer INTERNAL for both, as grpc-go does.
template <class Req>
awaitable<status> read_one(call_stream& s, Req& req, bool have_first = false) {
    if (!have_first) {
        auto first = co_await s.read_message();
        if (!first) co_return status{status_code::internal, "no request message"};
        if (proto::decode(req, *first))
            co_return status{status_code::internal, "request message does not parse"};
    }
    auto second = co_await s.read_message();
    if (second) co_return status{status_code::internal, "more than one request message"};
    co_return status{};
}
}  // namespace detail

/// :path -> method. Filled by services' register_methods().
class method_table {
  public:
    /// fn: awaitable<result<Resp>>(const Req&, server_context&)
    template <class Req, class Resp, class Fn>
    void add_unary(method_descriptor d, Fn fn) {
        add(d, [fn = std::move(fn)](call_stream& s) -> awaitable<status> {
            Req req;
            status first;
            bool have_first = false;
            if (!detail::poll_one(s, req, first, have_first))
                first = co_await detail::read_one(s, req, have_first);
            if (!first.ok()) co_return first;
            result<Resp> r = co_await fn(req, s.context());
            if (!r) co_return r.status();
            wire::buffer& b = s.scratch();
            b.clear();
            proto::encode(*r, b);
            // One message: queued at once when the call_stream can (its
            // memory is that message), else written with flow control.
            if (s.send_message(b.view()) == call_stream::send_result::unsupported)
                (void)co_await s.write_message(b.view());
            co_return status{};
        });
    }

    /// fn: awaitable<status>(const Req&, server_writer<Resp>&, server_context&)
    template <class Req, class Resp, class Fn>
    void add_server_streaming(method_descriptor d, Fn fn) {
        add(d, [fn = std::move(fn)](call_stream& s) -> awaitable<status> {
            Req req;
            status first;
            bool have_first = false;
            if (!detail::poll_one(s, req, first, have_first))
                first = co_await detail::read_one(s, req, have_first);
            if (!first.ok()) co_return first;
            server_writer<Resp> w(s);
            // The handler's status in a named variable, not `co_return
            // co_await fn(...)`, like everywhere in this file: g++ 12
            // miscompiles some co_await forms inside a larger expression
            // (`if (!co_await x)` shifts the coroutine's parameters).
            status st = co_await fn(req, w, s.context());
            co_return st;
        });
    }

    /// fn: awaitable<result<Resp>>(server_reader<Req>&, server_context&)
    template <class Req, class Resp, class Fn>
    void add_client_streaming(method_descriptor d, Fn fn) {
        add(d, [fn = std::move(fn)](call_stream& s) -> awaitable<status> {
            server_reader<Req> r(s);
            result<Resp> out = co_await fn(r, s.context());
            if (r.decode_failed())
                co_return status{status_code::internal, "request message does not parse"};
            if (!out) co_return out.status();
            wire::buffer& b = s.scratch();
            b.clear();
            proto::encode(*out, b);
            // One message: queued at once when the call_stream can (its
            // memory is that message), else written with flow control.
            if (s.send_message(b.view()) == call_stream::send_result::unsupported)
                (void)co_await s.write_message(b.view());
            co_return status{};
        });
    }

    /// fn: awaitable<status>(server_reader<Req>&, server_writer<Resp>&, server_context&)
    template <class Req, class Resp, class Fn>
    void add_bidi_streaming(method_descriptor d, Fn fn) {
        add(d, [fn = std::move(fn)](call_stream& s) -> awaitable<status> {
            server_reader<Req> r(s);
            server_writer<Resp> w(s);
            status st = co_await fn(r, w, s.context());
            if (r.decode_failed())
                co_return status{status_code::internal, "request message does not parse"};
            co_return st;
        });
    }

    /// The same four, for a member function of `obj` (what generated
    /// services register: `t.add_unary<Req, Resp>(M_method, this, &S::M)`).
    /// A plain forwarding lambda: the generated code names no
    /// std::bind_front type, and the call adds no forwarding layer.
    template <class Req, class Resp, class Obj, class Fn>
    void add_unary(method_descriptor d, Obj* obj, Fn Obj::*m) {
        add_unary<Req, Resp>(d,
                             [obj, m](const Req& r, server_context& c) { return (obj->*m)(r, c); });
    }
    template <class Req, class Resp, class Obj, class Fn>
    void add_server_streaming(method_descriptor d, Obj* obj, Fn Obj::*m) {
        add_server_streaming<Req, Resp>(
            d, [obj, m](const Req& r, server_writer<Resp>& w, server_context& c) {
                return (obj->*m)(r, w, c);
            });
    }
    template <class Req, class Resp, class Obj, class Fn>
    void add_client_streaming(method_descriptor d, Obj* obj, Fn Obj::*m) {
        add_client_streaming<Req, Resp>(
            d, [obj, m](server_reader<Req>& r, server_context& c) { return (obj->*m)(r, c); });
    }
    template <class Req, class Resp, class Obj, class Fn>
    void add_bidi_streaming(method_descriptor d, Obj* obj, Fn Obj::*m) {
        add_bidi_streaming<Req, Resp>(
            d, [obj, m](server_reader<Req>& r, server_writer<Resp>& w, server_context& c) {
                return (obj->*m)(r, w, c);
            });
    }

    /// Any handler, for code that works on bytes (a proxy, a test).
    void add(method_descriptor d, call_handler h) {
        std::string key(d.path);
        entries_.insert_or_assign(std::move(key), method_entry{d, std::move(h)});
    }

    const method_entry* find(std::string_view path) const {
        // A transparent lookup needs C++20 heterogeneous unordered lookup,
        // which libstdc++ 12 does not have: build the key.
        thread_local std::string key;
        key.assign(path);
        auto it = entries_.find(key);
        return it == entries_.end() ? nullptr : &it->second;
    }
    /// Is any method of `service` ("pkg.Service") here? (UNIMPLEMENTED either way;
    /// the message says which.)
    bool has_service(std::string_view service) const {
        for (const auto& [path, e] : entries_)
            if (e.descriptor.service == service) return true;
        return false;
    }
    std::size_t size() const noexcept { return entries_.size(); }
    auto begin() const noexcept { return entries_.begin(); }
    auto end() const noexcept { return entries_.end(); }

  private:
    std::unordered_map<std::string, method_entry> entries_;
};

/// Base of every generated service.
class service {
  public:
    virtual ~service() = default;
    /// "analytics.AnalyticsService"
    virtual std::string_view service_name() const noexcept = 0;
    /// Adds every method of the service (bound to this object) to `t`.
    virtual void register_methods(method_table& t) = 0;
    /// The .proto file that defines the service, for server reflection
    /// (rpc/asio/reflection.hpp): generated code overrides it when made with
    /// protoc-gen-h2pb's parameter `descriptors`; nullptr otherwise.
    virtual const file_descriptor* proto_file() const noexcept { return nullptr; }
};

}  // namespace h2pb::rpc::asio
