// h2pb::rpc::asio — the definitions of what channel_decl.hpp and
// call_options.hpp declare of a call: the call objects' members
// (call_handle, which client_reader, client_writer and client_reader_writer
// wrap), the deleter and coroutines channel_decl.hpp's call templates reach
// through detail::call_ptr, and client_context::cancel(). Included by
// call.hpp header-only, and compiled once into the h2pb library
// (src/rpc_client.cpp, through impl/channel.hpp) when
// H2PB_SEPARATE_COMPILATION is defined (h2/asio/config.hpp).
//
// In separate mode a unit may still include call.hpp, to drive a call's
// detail::call_core itself (channel::start_call(): send, next, finish on
// bytes, as h2pb call does with dynamic messages): call_core's members are
// inline and compile in that unit; these definitions stay in the library.
#pragma once

#include <string>

#include <h2pb/h2/asio/config.hpp>
#include <h2pb/rpc/asio/call.hpp>
#include <h2pb/rpc/asio/call_options.hpp>
#include <h2pb/rpc/asio/channel_decl.hpp>
#include <h2pb/rpc/status.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::rpc::asio {

// H2PB_DECL definitions (h2/asio/config.hpp): `inline` header-only; in
// separate mode this header is compiled once, into the library (src/rpc_client.cpp).
// NOLINTBEGIN(misc-definitions-in-headers)
H2PB_DECL void client_context::cancel() {
    cancel_requested_ = true;
    if (call_ != nullptr) call_->cancel();
}

// ------------------------------------------------------------ typed calls

// What channel_decl.hpp declares of the call (H2PB_DECL: inline
// header-only, compiled once into the library in separate mode).

namespace detail {

H2PB_DECL void call_core_deleter::operator()(call_core* c) const noexcept {
    delete c;
}

H2PB_DECL awaitable<void> start(call_core& c) {
    return c.start();
}

H2PB_DECL awaitable<void> send_only(call_core& c, wire::bytes_view request) {
    return c.send_only(std::string(wire::as_chars(request)));
}

}  // namespace detail

H2PB_DECL void call_handle::cancel() {
    core_->cancel();
}
H2PB_DECL const metadata& call_handle::initial_metadata() const noexcept {
    return core_->initial_metadata();
}
H2PB_DECL const metadata& call_handle::trailing_metadata() const noexcept {
    return core_->trailing_metadata();
}
H2PB_DECL const std::string& call_handle::response_encoding() const noexcept {
    return core_->response_encoding();
}
H2PB_DECL bool call_handle::last_message_compressed() const noexcept {
    return core_->last_message_compressed();
}
H2PB_DECL awaitable<bool> call_handle::send_bytes(wire::bytes_view msg, bool compress) {
    return core_->send(msg, compress);
}
H2PB_DECL awaitable<bool> call_handle::next_bytes(std::string& out) {
    return core_->next(out);
}
H2PB_DECL awaitable<bool> call_handle::close_send() {
    return core_->close_send();
}
H2PB_DECL awaitable<status> call_handle::finish_status() {
    return core_->finish();
}
H2PB_DECL void call_handle::fail_unmarshal() {
    core_->fail(status{status_code::internal, "grpc: failed to unmarshal the response message"});
}
// NOLINTEND(misc-definitions-in-headers)

}  // namespace h2pb::rpc::asio
