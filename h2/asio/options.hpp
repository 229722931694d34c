// h2pb::h2::asio — the settings of a connection driver: the sans-IO
// connection's options, plus what only the driver can do — time, buffers,
// sockets. Every value is a named default whose comment gives the reason.
//
// Timeouts and the GOAWAY that ends the connection when they pass:
//
//   tls_handshake_timeout  TLS handshake not done     no GOAWAY (no TLS yet): close
//   settings_timeout       our SETTINGS not ACKed     GOAWAY(SETTINGS_TIMEOUT) (§6.5.3)
//                          — this also covers a peer that connects and never
//                          sends its preface: its ACK can only follow it
//   idle_timeout           no stream, nothing read    GOAWAY(NO_ERROR, "idle timeout")
//   keepalive_interval     nothing read for this long: send a PING
//                          (only while streams are open, unless
//                          keepalive_permit_without_calls)
//   keepalive_timeout      that PING is not ACKed     GOAWAY(NO_ERROR, "keepalive timeout"),
//                                                     then close without waiting
// Zero disables a timer.
//
// PINGs the peer sends too often (gRPC's ping abuse policy, keepalive.md):
//
//   min_recv_ping_interval   a PING sooner than this after the previous one
//                            is a strike (2 hours while no stream is open,
//                            unless permit_pings_without_calls)
//   max_ping_strikes         more strikes than this: GOAWAY(ENHANCE_YOUR_CALM,
//                            "too_many_pings"), then close. Zero: no policy.
// Sending a header section or DATA forgives the strikes (the peer's PINGs
// may be BDP probes that follow our data, as gRPC's are).
#pragma once

#include <chrono>
#include <cstddef>

#include <h2pb/h2/connection_options.hpp>

namespace h2pb::h2::asio {

using namespace std::chrono_literals;
using duration = std::chrono::steady_clock::duration;

/// Octets read from the socket at once. 64 KiB takes a full TCP window's
/// worth of small frames in one system call and four 16 KiB DATA frames. For
/// cleartext connections the buffer is per thread, not per connection, so
/// idle connections cost none of it.
inline constexpr std::size_t default_read_buffer_size = std::size_t{64} * 1024;

/// Unwritten output (all frames) above which the driver stops reading from
/// the peer. The sans-IO connection already stops accepting DATA above its
/// own budget (limits.max_output_buffered); this bounds what the peer can
/// make us answer (HEADERS of responses, RST_STREAM, PING ACKs) when it does
/// not read: we withhold credit at the TCP layer (RFC 9113 §10.5).
inline constexpr std::size_t default_max_output_pending = std::size_t{2} * 1024 * 1024;

/// A TLS handshake takes a few round trips; 10 s is generous even on a slow
/// network and stops a peer from holding a socket with a half-done handshake.
inline constexpr duration default_tls_handshake_timeout = 10s;

/// No streams and no frames for 5 minutes: the connection is closed with
/// GOAWAY(NO_ERROR). nginx closes after 3 minutes, gRPC after max_connection_idle.
inline constexpr duration default_idle_timeout = 300s;

/// gRPC's server defaults: a PING after 2 hours without input, 20 s for its ACK.
inline constexpr duration default_keepalive_interval = 2h;
inline constexpr duration default_keepalive_timeout = 20s;

/// Server side of gRPC's keepalive (keepalive.md, "Defaults Values";
/// grpc-go's keepalive.EnforcementPolicy): a peer's PING less than 5 minutes
/// after its previous one is a strike (GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_
/// WITHOUT_DATA_MS); with no stream open and pings without calls not
/// permitted, less than 2 hours (grpc core's and grpc-go's value: keepalive
/// should not be running at all then). More than 2 strikes
/// (GRPC_ARG_HTTP2_MAX_PING_STRIKES) end the connection with
/// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"): a client that pings every
/// second costs the server a write per PING for nothing (RFC 9113 §10.5).
inline constexpr duration default_min_recv_ping_interval = 5min;
inline constexpr duration default_min_recv_ping_interval_without_calls = 2h;
inline constexpr unsigned default_max_ping_strikes = 2;

/// After our last frame (GOAWAY) is written and our side of the TCP
/// connection is shut down, how long we keep reading (and discarding) to
/// let the peer read the GOAWAY before the socket is closed; closing with
/// unread input would send a TCP RST that can destroy the GOAWAY in flight.
inline constexpr duration default_linger_timeout = 2s;

/// Receive windows of the driver: larger than the RFC's 65,535 so that a
/// transfer over a fast link is not stalled by round trips, small enough
/// that a handler that stops reading holds at most this much per stream.
/// The connection window is released as DATA arrives (window_release::
/// on_receive), so it paces the link, not the buffering.
inline constexpr std::uint32_t default_stream_window = 256 * 1024;
inline constexpr std::uint32_t default_connection_window = 1024 * 1024;

struct driver_options {
    /// SETTINGS we advertise and the limits the sans-IO connection enforces.
    h2::connection_options h2 = [] {
        h2::connection_options o;
        o.initial_window_size = default_stream_window;
        o.connection_window_size = default_connection_window;
        // A handler that stops reading holds its stream's window, not the
        // connection's: the other streams go on (gRPC streams that are read
        // at different paces share one connection).
        o.connection_window_release = h2::window_release::on_receive;
        return o;
    }();

    std::size_t read_buffer_size = default_read_buffer_size;
    std::size_t max_output_pending = default_max_output_pending;

    duration tls_handshake_timeout = default_tls_handshake_timeout;
    duration idle_timeout = default_idle_timeout;
    duration keepalive_interval = default_keepalive_interval;
    duration keepalive_timeout = default_keepalive_timeout;
    duration linger_timeout = default_linger_timeout;

    /// Keepalive PINGs also while no stream is open (gRPC's
    /// GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS). True here: a server checks
    /// its idle peers too (the h2pb server always did); client_options sets
    /// it false, gRPC's client default (keepalive.md).
    bool keepalive_permit_without_calls = true;

    /// The ping abuse policy (see the table at the top). Off for clients
    /// (client_options): gRPC enforces it on servers only.
    duration min_recv_ping_interval = default_min_recv_ping_interval;
    duration min_recv_ping_interval_without_calls = default_min_recv_ping_interval_without_calls;
    unsigned max_ping_strikes = default_max_ping_strikes;  ///< 0: any number of PINGs
    /// PINGs with no stream open are held to min_recv_ping_interval rather
    /// than the 2 hours (grpc-go's EnforcementPolicy.PermitWithoutStream).
    bool permit_pings_without_calls = false;

    /// Small frames (SETTINGS ACK, a short response) go out at once instead
    /// of waiting for Nagle's algorithm; writes are already batched per turn.
    bool tcp_nodelay = true;

    /// The SETTINGS ACK timeout (which also bounds the wait for the preface).
    void set_settings_timeout(duration d) { h2.limits.settings_timeout = d; }
    duration settings_timeout() const {
        return std::chrono::duration_cast<duration>(h2.limits.settings_timeout);
    }
};

}  // namespace h2pb::h2::asio
