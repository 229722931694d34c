// h2pb::h2 — the stream state machine of RFC 9113 §5.1.
//
// The life of a stream (Figure 2 of RFC 9113):
/*
                                 +--------+
                         send PP |        | recv PP
                        ,--------+  idle  +--------.
                       /         |        |         \
                      v          +--------+          v
               +----------+          |           +----------+
               |          |          | send H /  |          |
        ,------+ reserved |          | recv H    | reserved +------.
        |      | (local)  |          |           | (remote) |      |
        |      +---+------+          v           +------+---+      |
        |          |             +--------+             |          |
        |          |     recv ES |        | send ES     |          |
        |   send H |     ,-------+  open  +-------.     | recv H   |
        |          |    /        |        |        \    |          |
        |          v   v         +---+----+         v   v          |
        |      +----------+          |           +----------+      |
        |      |   half-  |          |           |   half-  |      |
        |      |  closed  |          | send R /  |  closed  |      |
        |      | (remote) |          | recv R    | (local)  |      |
        |      +----+-----+          |           +-----+----+      |
        |           |                |                 |           |
        |           | send ES /      |       recv ES / |           |
        |           |  send R /      v        send R / |           |
        |           |  recv R    +--------+   recv R   |           |
        | send R /  `----------->|        |<-----------'  send R / |
        | recv R                 | closed |               recv R   |
        `----------------------->|        |<-----------------------'
                                 +--------+
*/
//   H: HEADERS (with its CONTINUATIONs)  ES: END_STREAM flag  R: RST_STREAM
//   PP: PUSH_PROMISE (transitions of the promised stream)
//
// "For the purpose of state transitions, the END_STREAM flag is processed as a
// separate event to the frame that bears it": a HEADERS with END_STREAM is
// recv_headers then recv_end_stream. h2pb never pushes and refuses pushes, so
// the reserved states are in the tables for completeness but never entered.
//
// Two tables drive the state machine, python-hyper/h2 style; whatever is not
// in them is an error:
//   - transition(state, event) -> next state (or invalid),
//   - on_receive(state, frame kind) -> what a receiver does with the frame.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include <h2pb/h2/errc.hpp>

namespace h2pb::h2 {

enum class stream_state : std::uint8_t {
    idle,
    reserved_local,
    reserved_remote,
    open,
    half_closed_local,   ///< we sent END_STREAM; the peer may still send
    half_closed_remote,  ///< the peer sent END_STREAM; we may still send
    closed,
};

constexpr std::string_view name(stream_state s) noexcept {
    switch (s) {
        case stream_state::idle:
            return "idle";
        case stream_state::reserved_local:
            return "reserved (local)";
        case stream_state::reserved_remote:
            return "reserved (remote)";
        case stream_state::open:
            return "open";
        case stream_state::half_closed_local:
            return "half-closed (local)";
        case stream_state::half_closed_remote:
            return "half-closed (remote)";
        case stream_state::closed:
            return "closed";
    }
    return "?";
}

/// The events of the diagram.
enum class stream_event : std::uint8_t {
    send_headers,
    recv_headers,
    send_push_promise,
    recv_push_promise,
    send_end_stream,
    recv_end_stream,
    send_rst_stream,
    recv_rst_stream,
};

/// A transition's outcome: the next state, or `valid == false`.
struct transition_result {
    stream_state next = stream_state::closed;
    bool valid = false;
};

namespace transition_table {
using enum stream_state;
inline constexpr transition_result X{};  // not in the diagram
constexpr transition_result to(stream_state s) {
    return {s, true};
}
// clang-format off
// Rows: states in enum order. Columns: events in enum order:
//   send_H        recv_H                  send_PP       recv_PP              send_ES                recv_ES                 send_R        recv_R
inline constexpr std::array<std::array<transition_result, 8>, 7> transitions = {{
    /* idle */               {to(open),     to(open),              to(reserved_local), to(reserved_remote), X,                  X,                      X,            X},
    /* reserved (local) */   {to(half_closed_remote), X,           X,            X,                    X,                     X,                      to(closed),   to(closed)},
    /* reserved (remote) */  {X,            to(half_closed_local), X,            X,                    X,                     X,                      to(closed),   to(closed)},
    /* open */               {to(open),     to(open),              X,            X,                    to(half_closed_local), to(half_closed_remote), to(closed),   to(closed)},
    /* half-closed (local) */{X,            to(half_closed_local), X,            X,                    X,                     to(closed),             to(closed),   to(closed)},
    /* half-closed (remote)*/{to(half_closed_remote), X,           X,            X,                    to(closed),            X,                      to(closed),   to(closed)},
    /* closed */             {X,            X,                     X,            X,                    X,                     X,                      X,            X},
}};
// clang-format on
}  // namespace transition_table

/// The diagram as a function: where `event` takes a stream in state `s`.
constexpr transition_result transition(stream_state s, stream_event e) noexcept {
    return transition_table::transitions[static_cast<std::size_t>(s)][static_cast<std::size_t>(e)];
}

/// Frames a stream can receive, for the reception rules of §5.1.
enum class received_frame : std::uint8_t {
    data,
    headers,
    priority,
    rst_stream,
    window_update,
    push_promise
};

/// What a receiver does with a frame on a stream in some state.
enum class receive_action : std::uint8_t {
    accept,          ///< process it
    ignore,          ///< discard it (after minimal processing: HPACK, flow control)
    stream_closed,   ///< stream error STREAM_CLOSED (§5.1 half-closed (remote), §6.1)
    protocol_error,  ///< connection error PROTOCOL_ERROR (§5.1 idle, reserved)
};

namespace receive_table {
using enum receive_action;
// clang-format off
// Rows: states. Columns: DATA, HEADERS, PRIORITY, RST_STREAM, WINDOW_UPDATE, PUSH_PROMISE.
inline constexpr std::array<std::array<receive_action, 6>, 7> receive_rules = {{
    /* idle: only HEADERS or PRIORITY */
    {protocol_error, accept,         accept, protocol_error, protocol_error, protocol_error},
    /* reserved (local): RST_STREAM, PRIORITY or WINDOW_UPDATE */
    {protocol_error, protocol_error, accept, accept,         accept,         protocol_error},
    /* reserved (remote): HEADERS, RST_STREAM or PRIORITY */
    {protocol_error, accept,         accept, accept,         protocol_error, protocol_error},
    /* open: anything */
    {accept,         accept,         accept, accept,         accept,         accept},
    /* half-closed (local): "An endpoint can receive any type of frame in this state" */
    {accept,         accept,         accept, accept,         accept,         accept},
    /* half-closed (remote): only WINDOW_UPDATE, PRIORITY, RST_STREAM */
    {stream_closed,  stream_closed,  accept, accept,         accept,         stream_closed},
    /* closed (by END_STREAM on both sides or a RST_STREAM we received): PRIORITY,
       and the WINDOW_UPDATE / RST_STREAM that may cross our END_STREAM */
    {stream_closed,  stream_closed,  ignore, ignore,         ignore,         stream_closed},
}};
// clang-format on
}  // namespace receive_table

/// §5.1: what to do with a received frame of kind `f` on a stream in state `s`.
constexpr receive_action on_receive(stream_state s, received_frame f) noexcept {
    return receive_table::receive_rules[static_cast<std::size_t>(s)][static_cast<std::size_t>(f)];
}

/// Streams in these states count toward SETTINGS_MAX_CONCURRENT_STREAMS (§5.1.2).
constexpr bool counts_toward_concurrency(stream_state s) noexcept {
    return s == stream_state::open || s == stream_state::half_closed_local ||
           s == stream_state::half_closed_remote;
}

/// True when the peer may still send DATA/HEADERS on the stream.
constexpr bool remote_open(stream_state s) noexcept {
    return s == stream_state::open || s == stream_state::half_closed_local;
}
/// True when we may still send DATA/HEADERS on the stream.
constexpr bool local_open(stream_state s) noexcept {
    return s == stream_state::open || s == stream_state::half_closed_remote;
}

}  // namespace h2pb::h2
