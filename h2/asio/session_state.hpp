// h2pb::h2::asio — the lifecycle of one session (session.hpp): where the
// transport is between the TCP accept/connect and the socket's close.
//
// Only the transport's life is here. What the HTTP/2 connection knows
// (SETTINGS exchanged, GOAWAY sent or received, streams open) is
// h2::connection's; whether a read or a write is in flight is the I/O loop's
// (session_io.hpp); whether a keepalive PING waits for its ACK is the
// timers' (session_timers.hpp). Those are orthogonal to this state and stay
// flags of their own.
//
//                 handshake(), TLS
//      created ─────────────────────> handshaking
//         │                               │ TLS done: the §9.2 / ALPN checks
//         │ handshake(), cleartext        │ passed (or failed with a GOAWAY to send)
//         v                               │
//      running <──────────────────────────┘
//         │   \ the idle timer, or an unanswered keepalive PING:
//         │    \ GOAWAY(NO_ERROR) sent, only the deadlines are left
//         │     `──────────> timed_out
//         │ the h2 connection is      │
//         │ done and all is written   │ (same)
//         v                           │
//     lingering <─────────────────────┘
//         │ our direction is shut down: read and discard until the
//         │ peer closes, or linger_timeout passes
//         v
//       closed   <── also from every state but closed: abort(), an I/O error,
//                    a failed handshake, the handshake or shutdown deadline
//
// closed is final. The state moves only in session::transition(), which
// asserts that the move is one of the arrows above: any other is a bug of
// ours (the peer cannot cause one — its misbehaviour shows as an I/O error or
// an h2 connection error, which follow the arrows to lingering or closed).
// A graceful shutdown() is not a state: it is the h2 connection's GOAWAY, and
// the session goes on running until the connection is done.
#pragma once

#include <cstdint>
#include <string_view>

namespace h2pb::h2::asio {

enum class session_state : std::uint8_t {
    created,      ///< constructed: handshake() not called yet
    handshaking,  ///< the TLS handshake runs (tls_handshake_timeout)
    running,      ///< the loops run: reading, writing, the timers
    timed_out,    ///< running, but our idle/keepalive timer sent GOAWAY: only deadlines are left
    lingering,    ///< all written, our direction shut down: reading until the peer closes
    closed,       ///< the socket is closed, every stream failed
};

/// The arrows of the diagram above: true when `from -> to` is one of them.
constexpr bool is_legal_transition(session_state from, session_state to) noexcept {
    using s = session_state;
    if (to == s::closed) return from != s::closed;
    switch (from) {
        case s::created:
            return to == s::handshaking || to == s::running;
        case s::handshaking:
            return to == s::running;
        case s::running:
            return to == s::timed_out || to == s::lingering;
        case s::timed_out:
            return to == s::lingering;
        case s::lingering:
        case s::closed:
            return false;
    }
    return false;
}

constexpr std::string_view describe(session_state s) noexcept {
    switch (s) {
        case session_state::created:
            return "created";
        case session_state::handshaking:
            return "handshaking";
        case session_state::running:
            return "running";
        case session_state::timed_out:
            return "timed_out";
        case session_state::lingering:
            return "lingering";
        case session_state::closed:
            return "closed";
    }
    return "?";
}

}  // namespace h2pb::h2::asio
