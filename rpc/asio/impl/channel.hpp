// h2pb::rpc::asio — the gRPC client channel's definitions (the members of
// rpc::asio::channel that channel_decl.hpp declares; the call's are in
// impl/call.hpp). Included by channel.hpp header-only, and compiled once into
// the h2pb library (src/rpc_client.cpp) when H2PB_SEPARATE_COMPILATION is defined
// (h2/asio/config.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/h2/asio/wakeup.hpp>
#include <h2pb/rpc/asio/call.hpp>
#include <h2pb/rpc/asio/call_options.hpp>
#include <h2pb/rpc/asio/channel_decl.hpp>
#include <h2pb/rpc/asio/impl/call.hpp>
#include <h2pb/rpc/asio/subchannel.hpp>
#include <h2pb/rpc/connectivity.hpp>

namespace h2pb::rpc::asio {

// H2PB_DECL definitions (h2/asio/config.hpp): `inline` header-only; in
// separate mode this header is compiled once, into the library (src/rpc_client.cpp).
// NOLINTBEGIN(misc-definitions-in-headers)
H2PB_DECL channel::channel(executor ex, std::string target, channel_options o)
    : ex_(ex),
      core_(
          std::make_shared<detail::channel_core>(std::move(ex), std::move(target), std::move(o))) {}

H2PB_DECL channel::~channel() {
    try {
        close();
    } catch (...) {  // see the declaration
    }
}

H2PB_DECL const channel_options& channel::options() const noexcept {
    return core_->options();
}

H2PB_DECL const std::string& channel::authority() const noexcept {
    return core_->authority();
}

H2PB_DECL const client_keepalive& channel::keepalive() const noexcept {
    return core_->keepalive();
}

H2PB_DECL std::size_t channel::connections_made() const noexcept {
    return core_->connections_made();
}

H2PB_DECL void channel::close() {
    core_->close();
}

H2PB_DECL connectivity_state channel::state(bool try_to_connect) {
    return core_->state(try_to_connect);
}

H2PB_DECL awaitable<bool> channel::wait_for_state_change(connectivity_state last,
                                                         time_point deadline) {
    return detail::channel_core::wait_for_state_change(core_, last, deadline);
}

H2PB_DECL const std::string& channel::last_error() const noexcept {
    return core_->last_error();
}

H2PB_DECL detail::call_ptr channel::make_call(const method_descriptor& d, call_options o) {
    return detail::call_ptr(new detail::call_core(*this, d, std::move(o)));
}

H2PB_DECL awaitable<detail::call_ptr> channel::start_call(const method_descriptor& d,
                                                          call_options o) {
    detail::call_ptr c = make_call(d, std::move(o));
    co_await c->start();
    co_return c;
}

H2PB_DECL awaitable<result<std::string>> channel::unary_bytes(const method_descriptor& d,
                                                              wire::bytes_view request,
                                                              call_options o) {
    detail::call_core c(*this, d, std::move(o));
    co_await c.start();
    // `request` outlives the call: kept for a retry without a copy.
    (void)co_await c.send_last(request, true);
    std::string msg, extra;
    const bool got = co_await c.next(msg);
    bool more = false;
    if (got) {
        more = co_await c.next(extra);
    }
    status st;
    if (c.done()) {  // (finish() would only return it)
        st = c.final_status();
    } else {
        st = co_await c.finish();
    }
    if (!st.ok()) co_return st;
    if (!got) co_return status{status_code::internal, "no response message for a unary call"};
    if (more) co_return status{status_code::internal, "more than one response message"};
    co_return msg;
}

H2PB_DECL awaitable<detail::connection_result> channel::pick(detail::pick_args a) {
    return detail::channel_core::pick(core_, a);
}

H2PB_DECL std::shared_ptr<h2::asio::client> channel::try_pick() {
    return core_->try_pick();
}

H2PB_DECL void channel::drop(const std::shared_ptr<h2::asio::client>& c) {
    core_->drop(c);
}

// NOLINTEND(misc-definitions-in-headers)

}  // namespace h2pb::rpc::asio
