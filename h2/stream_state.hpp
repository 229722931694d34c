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
// recv_headers then recv_end_stream.
//
// h2pb never pushes and never lets the peer push: a client sends
// SETTINGS_ENABLE_PUSH = 0 and a server cannot receive a push (§8.4), so a
// PUSH_PROMISE is a connection error before any stream is looked at
// (connection.hpp). No stream ever enters "reserved (local)" or "reserved
// (remote)", and PUSH_PROMISE is no event here: the tables below hold the
// part of the diagram h2pb uses (idle, open, half-closed, closed) and nothing
// that no code reads.
//
// Two tables drive the state machine, python-hyper/h2 style; whatever is not
// in them is an error:
//   - transition(state, event) -> next state (or invalid). Every change of a
//     stream's state goes through it (connection.hpp: step_local for our own
//     frames, where an invalid transition is a bug and asserted; step_remote
//     for the peer's, where it is the peer's protocol error);
//   - on_receive(state, frame kind) -> what a receiver does with a frame, by
//     the reception rules of §5.1, before any transition.
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <string_view>

namespace h2pb::h2 {

enum class stream_state : std::uint8_t {
    idle,
    open,
    half_closed_local,   ///< we sent END_STREAM; the peer may still send
    half_closed_remote,  ///< the peer sent END_STREAM; we may still send
    closed,
};
inline constexpr std::size_t stream_state_count = 5;

constexpr std::string_view name(stream_state s) noexcept {
    switch (s) {
        case stream_state::idle:
            return "idle";
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

/// The events of the diagram (without push, see above).
enum class stream_event : std::uint8_t {
    send_headers,
    recv_headers,
    send_end_stream,
    recv_end_stream,
    send_rst_stream,
    recv_rst_stream,
};
inline constexpr std::size_t stream_event_count = 6;

/// Events caused by a frame we send (the others are the peer's).
constexpr bool is_local(stream_event e) noexcept {
    return e == stream_event::send_headers || e == stream_event::send_end_stream ||
           e == stream_event::send_rst_stream;
}

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
// Rows: states in enum order. Columns: events in enum order. HEADERS in open
// or half-closed keeps the state: a 1xx response, the final one, or trailers
// (trailers carry END_STREAM, the event that moves the state).
//   send_H                   recv_H                  send_ES                recv_ES                 send_R      recv_R
inline constexpr std::array<std::array<transition_result, stream_event_count>, stream_state_count> transitions = {{
    /* idle */                {to(open),               to(open),              X,                     X,                      X,          X},
    /* open */                {to(open),               to(open),              to(half_closed_local), to(half_closed_remote), to(closed), to(closed)},
    /* half-closed (local) */ {X,                      to(half_closed_local), X,                     to(closed),             to(closed), to(closed)},
    /* half-closed (remote) */{to(half_closed_remote), X,                     to(closed),            X,                      to(closed), to(closed)},
    /* closed */              {X,                      X,                     X,                     X,                      X,          X},
}};
// clang-format on
}  // namespace transition_table

/// The diagram as a function: where `event` takes a stream in state `s`.
constexpr transition_result transition(stream_state s, stream_event e) noexcept {
    return transition_table::transitions[static_cast<std::size_t>(s)][static_cast<std::size_t>(e)];
}

/// Applies an event of ours. The connection refuses a call that would break
/// §5.1 (send_errc) before it writes the frame, so an event the table does not
/// allow here is a bug in h2pb, not input: asserted.
constexpr void step_local(stream_state& s, stream_event e) noexcept {
    const transition_result t = transition(s, e);
    assert(is_local(e) && t.valid && "h2pb sent a frame RFC 9113 §5.1 does not allow");
    s = t.next;
}

/// Applies an event of the peer's. False (state unchanged) when §5.1 does not
/// allow it: the peer's protocol error, for the caller to report.
[[nodiscard]] constexpr bool step_remote(stream_state& s, stream_event e) noexcept {
    const transition_result t = transition(s, e);
    if (!t.valid || is_local(e)) return false;
    s = t.next;
    return true;
}

/// Frames whose reception §5.1 rules on per state. PRIORITY is not here: it
/// is allowed in every state (§5.1) and, deprecated (§5.3.2), ignored without
/// looking up its stream. PUSH_PROMISE is not here either (see the top).
enum class received_frame : std::uint8_t { data, headers, rst_stream, window_update };
inline constexpr std::size_t received_frame_count = 4;

/// What a receiver does with a frame on a stream in some state.
enum class receive_action : std::uint8_t {
    accept,          ///< process it
    ignore,          ///< discard it (after minimal processing: HPACK, flow control)
    stream_closed,   ///< stream error STREAM_CLOSED (§5.1 half-closed (remote), §6.1)
    protocol_error,  ///< connection error PROTOCOL_ERROR (§5.1 idle)
    /// connection error STREAM_CLOSED: §5.1 closed "MAY treat receipt of any
    /// other type of frame on a closed stream as a connection error ... of
    /// type STREAM_CLOSED"; h2pb does so for HEADERS (a new request on an old
    /// stream: the peer's view of the connection is broken), while DATA gets
    /// the stream error §6.1 asks for.
    connection_stream_closed,
};

namespace receive_table {
using enum receive_action;
// clang-format off
// Rows: states. Columns: DATA, HEADERS, RST_STREAM, WINDOW_UPDATE.
inline constexpr std::array<std::array<receive_action, received_frame_count>, stream_state_count> receive_rules = {{
    /* idle: "Receiving any frame other than HEADERS or PRIORITY on a stream in
       this state MUST be treated as a connection error of type PROTOCOL_ERROR" */
    {protocol_error, accept,                   protocol_error, protocol_error},
    /* open: "frames of any type" */
    {accept,         accept,                   accept,         accept},
    /* half-closed (local): "An endpoint can receive any type of frame in this state" */
    {accept,         accept,                   accept,         accept},
    /* half-closed (remote): only WINDOW_UPDATE, PRIORITY, RST_STREAM */
    {stream_closed,  stream_closed,            accept,         accept},
    /* closed (by END_STREAM on both sides, or the peer's RST_STREAM): the
       WINDOW_UPDATE / RST_STREAM that may cross our END_STREAM are ignored.
       (After our own RST_STREAM everything is ignored: close_reason in
       stream.hpp, the one fact the state cannot hold.) */
    {stream_closed,  connection_stream_closed, ignore,         ignore},
}};
// clang-format on
}  // namespace receive_table

/// §5.1: what to do with a received frame of kind `f` on a stream in state `s`.
constexpr receive_action on_receive(stream_state s, received_frame f) noexcept {
    return receive_table::receive_rules[static_cast<std::size_t>(s)][static_cast<std::size_t>(f)];
}

/// Streams in these states count toward SETTINGS_MAX_CONCURRENT_STREAMS
/// (§5.1.2: "open" or either "half-closed"; reserved ones would not).
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
