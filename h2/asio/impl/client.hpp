// h2pb::h2::asio — the HTTP/2 client's implementation (see client.hpp): the
// members of client_stream and client, on client_session.
//
// Header-only (the default), client.hpp includes this file and every
// definition here is inline. Separately compiled (H2PB_SEPARATE_COMPILATION,
// h2/asio/config.hpp), only src/h2_client.cpp includes it: a program's own units
// see client_decl.hpp, not the session, the HTTP/2 connection, the HPACK
// coder or TLS.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/client_decl.hpp>
#include <h2pb/h2/asio/client_session.hpp>
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/h2/asio/exchange.hpp>
#include <h2pb/h2/asio/session.hpp>
#include <h2pb/h2/asio/tls.hpp>

namespace h2pb::h2::asio {

// The H2PB_DECL definitions below (h2/asio/config.hpp) are `inline`
// header-only; in separately compiled mode they are meant not to be: the one
// unit that includes this file then is src/h2_client.cpp, which compiles them once.
// NOLINTBEGIN(misc-definitions-in-headers)

// ---------------------------------------------------------------------------
// client_stream

H2PB_DECL std::uint32_t client_stream::id() const noexcept {
    return x_->id;
}

H2PB_DECL awaitable<stream_error> client_stream::write(wire::bytes_view data, bool end_stream) {
    return s_->write(*x_, data, end_stream);
}

H2PB_DECL awaitable<stream_error> client_stream::write(std::shared_ptr<const void> owner,
                                                       wire::bytes_view data, bool end_stream) {
    return s_->write(*x_, data, end_stream, std::move(owner));
}

H2PB_DECL stream_error client_stream::send_trailers(std::span<const hpack::field> fields) {
    return s_->send_trailers(*x_, fields);
}

H2PB_DECL awaitable<stream_error> client_stream::response() {
    return s_->wait_head(*x_);
}

H2PB_DECL unsigned client_stream::status() const noexcept {
    return x_->status;
}

H2PB_DECL std::span<const hpack::field> client_stream::headers() const noexcept {
    return x_->head.fields();
}

H2PB_DECL std::string_view client_stream::header(std::string_view name) const noexcept {
    return x_->head.get(name);
}

H2PB_DECL awaitable<stream_result<wire::bytes_view>> client_stream::read() {
    return s_->read(*x_);
}

H2PB_DECL std::span<const hpack::field> client_stream::trailers() const noexcept {
    return x_->trailers.fields();
}

H2PB_DECL bool client_stream::complete() const noexcept {
    return x_->in_end;
}

H2PB_DECL const stream_error& client_stream::error() const noexcept {
    return x_->error;
}

H2PB_DECL void client_stream::cancel(error_code code) {
    s_->reset(*x_, code);
}

H2PB_DECL void client_stream::set_deadline(h2::time_point at) {
    s_->set_deadline(*x_, at);
}

H2PB_DECL awaitable<bool> client_stream::cancelled() {
    return s_->wait_cancelled(*x_);
}

H2PB_DECL bool client_stream::is_cancelled() const noexcept {
    return bool(x_->error);
}

H2PB_DECL void client_stream::release() noexcept {
    try {
        if (x_ && s_) s_->done(*x_);
    } catch (...) {
        std::terminate();
    }
    x_ = nullptr;
}

// ---------------------------------------------------------------------------
// client

namespace detail {

// client::connect's helpers, named at namespace scope: the coroutine's frame
// holds them, and a frame of a function compiled once (separate mode) may
// not hold a type without linkage (g++'s -Wsubobject-linkage).

/// A connection attempt: the socket and the connect_timeout timer that
/// closes it.
struct connect_state {
    explicit connect_state(const executor& e) : socket(e), timer(e) {}
    tcp::socket socket;
    net::steady_timer timer;
    bool timed_out = false;
};

inline wire::failure<stream_error> connect_failure(stream_errc k, std::string m) {
    return wire::failure{stream_error{k, error_code::no_error, false, std::move(m)}};
}

}  // namespace detail

H2PB_DECL awaitable<stream_result<std::shared_ptr<client>>> client::connect(executor ex, url u,
                                                                            client_options o) {
    return connect(std::move(ex), std::move(u), std::move(o), nullptr);
}

H2PB_DECL awaitable<stream_result<std::shared_ptr<client>>> client::connect(
    executor ex, url u, client_options o, std::unique_ptr<trace_sink> trace) {
    const auto fail = &detail::connect_failure;
    tls_context_ptr ctx;
    if (u.tls) {
        auto c = make_client_context(o.tls);
        if (!c) co_return fail(stream_errc::connection_closed, "TLS setup: " + c.error());
        ctx = *c;
    }
    // Resolve and connect, bounded by connect_timeout.
    auto st = std::make_shared<detail::connect_state>(ex);
    st->timer.expires_after(o.connect_timeout);
    st->timer.async_wait([st](const error_code_t& ec) {
        if (ec) return;
        st->timed_out = true;
        error_code_t ignored;
        st->socket.close(ignored);
    });
    error_code_t ec;
    tcp::resolver resolver(ex);
    const auto endpoints = co_await resolver.async_resolve(
        u.host, u.port, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
        st->timer.cancel();
        co_return fail(stream_errc::connection_closed,
                       "cannot resolve " + u.host + ": " + ec.message());
    }
    co_await net::async_connect(st->socket, endpoints, net::redirect_error(net::use_awaitable, ec));
    st->timer.cancel();
    if (st->timed_out)
        co_return fail(stream_errc::timeout, "connect to " + u.authority + " timed out");
    if (ec)
        co_return fail(stream_errc::connection_closed,
                       "cannot connect to " + u.authority + ": " + ec.message());

    auto s = std::make_shared<client_session>(ex, std::move(st->socket), ctx, o.driver);
    if (trace) s->set_trace(std::move(trace));
    if (u.tls) {
        if (auto e = prepare_client(s->transport().native_ssl(), u.host, o.tls.verify_peer))
            co_return fail(stream_errc::connection_closed, *e);
    }
    const stream_error err = co_await s->handshake();
    if (err) co_return wire::failure{err};
    auto c = std::make_shared<client>(std::move(s));
    c->scheme_ = u.scheme;
    c->authority_ = u.authority;
    co_return c;
}

H2PB_DECL awaitable<stream_result<client_stream>> client::open(std::span<const hpack::field> fields,
                                                               bool end_stream) {
    auto r = co_await s_->open(fields, end_stream);
    if (!r) co_return wire::failure{r.error()};
    co_return client_stream(s_, *r);
}

H2PB_DECL std::optional<stream_result<client_stream>> client::try_open(
    std::span<const hpack::field> fields, bool end_stream) {
    std::optional<stream_result<exchange*>> r = s_->try_open(fields, end_stream);
    if (!r) return std::nullopt;
    if (!*r) return stream_result<client_stream>{wire::failure{r->error()}};
    return stream_result<client_stream>{client_stream(s_, **r)};
}

H2PB_DECL awaitable<stream_result<client_response>> client::fetch(
    std::string_view method, std::string_view path, std::span<const hpack::field> extra,
    wire::bytes_view body, std::size_t max_body) {
    for (int attempt = 0;; ++attempt) {
        auto r = co_await fetch_once(method, path, extra, body, max_body);
        if (r || attempt == refused_retries || r.error().kind != stream_errc::reset_by_peer ||
            r.error().code != error_code::refused_stream)
            co_return r;
    }
}

H2PB_DECL void client::shutdown() {
    s_->shutdown_client();
}

H2PB_DECL void client::close() {
    s_->abort("closed by the application");
}

H2PB_DECL bool client::is_closed() const noexcept {
    return s_->is_closed();
}

H2PB_DECL const std::optional<goaway_info>& client::last_goaway() const noexcept {
    return s_->last_goaway();
}

H2PB_DECL client_session& client::session() noexcept {
    return *s_;
}

H2PB_DECL awaitable<stream_result<client_response>> client::fetch_once(
    std::string_view method, std::string_view path, std::span<const hpack::field> extra,
    wire::bytes_view body, std::size_t max_body) {
    const auto fields = request_fields(method, path, extra);
    const bool has_body = !body.empty();
    auto st = co_await open(fields, !has_body);
    if (!st) co_return wire::failure{st.error()};
    if (has_body) {
        // A server may answer before reading the whole request and stop
        // it with RST_STREAM(NO_ERROR) (§8.1): the response stands.
        if (auto e = co_await st->write(body, true); e && !st->complete())
            co_return wire::failure{e};
    }
    if (auto e = co_await st->response()) co_return wire::failure{e};
    client_response out;
    out.status = st->status();
    for (const auto& f : st->headers())
        out.headers.emplace_back(std::string(f.name), std::string(f.value));
    for (;;) {
        auto piece = co_await st->read();
        if (!piece) co_return wire::failure{piece.error()};
        if (piece->empty()) break;
        if (out.body.size() + piece->size() > max_body)
            co_return wire::failure{
                stream_error{stream_errc::body_too_large, error_code::no_error, false, {}}};
        out.body.append(wire::as_chars(*piece));
    }
    for (const auto& f : st->trailers())
        out.trailers.emplace_back(std::string(f.name), std::string(f.value));
    co_return out;
}

// NOLINTEND(misc-definitions-in-headers)

}  // namespace h2pb::h2::asio
