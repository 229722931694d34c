// h2pb::rpc::asio — the client side of gRPC keepalive for a channel
// (keepalive.md; gRFC A8 "client-side keepalive"; grpc-go's
// keepalive.ClientParameters).
//
//   keepalive_time      a PING after this long without input while calls
//                       are in flight (zero: no keepalive, gRPC's client
//                       default INT_MAX ms)
//   keepalive_timeout   no ACK within this: the connection fails (20 s)
//   permit_without_calls  PINGs also while no call is in flight (false)
//
// The HTTP/2 driver does the pinging (h2::asio::driver_options, applied by
// apply() to each new connection). What is left to the channel is A8's
// backoff: a server whose ping policy we broke answers with
// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"); the client then doubles the
// keepalive time it uses for NEW connections. As in grpc-go
// (addrConn.adjustParams), the new time is twice the time the offending
// connection was made with, and only ever grows: several connections made
// with the same time that all receive the GOAWAY double it once, not once
// each.
//
// No I/O here and no clock: the channel calls observe() (or on_goaway())
// when it sees a connection's GOAWAY, and apply() when it connects.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/client_session.hpp>
#include <h2pb/h2/asio/options.hpp>
#include <h2pb/h2/error_code.hpp>

namespace h2pb::rpc::asio {

/// gRPC's client defaults (keepalive.md, "Defaults Values"): keepalive off
/// (GRPC_ARG_KEEPALIVE_TIME_MS INT_MAX), 20 s for the ACK, and no PINGs
/// without calls in flight.
inline constexpr h2::asio::duration default_client_keepalive_time = h2::asio::duration::zero();
inline constexpr h2::asio::duration default_client_keepalive_timeout = std::chrono::seconds(20);
inline constexpr bool default_client_keepalive_permit_without_calls = false;

/// The largest keepalive time doubling leads to: gRPC's INT_MAX
/// milliseconds (about 24.8 days), its value for "disabled". It also keeps
/// repeated doubling from overflowing the duration.
inline constexpr h2::asio::duration max_client_keepalive_time =
    std::chrono::milliseconds(2147483647);

/// The debug data of the GOAWAY a gRPC server sends when the ping policy is
/// broken (grpc core's chttp2, grpc-go's http2Server; matched exactly).
inline constexpr std::string_view too_many_pings_debug_data = "too_many_pings";

/// A channel's keepalive settings and their A8 backoff.
struct client_keepalive {
    h2::asio::duration time = default_client_keepalive_time;  ///< zero: disabled
    h2::asio::duration timeout = default_client_keepalive_timeout;
    bool permit_without_calls = default_client_keepalive_permit_without_calls;
    /// How often on_goaway() doubled `time` (tests, diagnostics).
    std::uint64_t backoffs = 0;

    /// A GOAWAY seen on a connection made with keepalive time `used`: on
    /// ENHANCE_YOUR_CALM with debug data "too_many_pings", the time for new
    /// connections becomes 2 x `used` if that is more than it is now.
    /// Returns true when the time grew. Other GOAWAYs change nothing.
    bool on_goaway(h2::error_code code, std::string_view debug_data, h2::asio::duration used) {
        if (code != h2::error_code::enhance_your_calm || debug_data != too_many_pings_debug_data)
            return false;
        if (used <= h2::asio::duration::zero()) return false;  // that connection did not ping
        const h2::asio::duration doubled =
            used > max_client_keepalive_time / 2 ? max_client_keepalive_time : used * 2;
        if (doubled <= time) return false;
        time = doubled;
        ++backoffs;
        return true;
    }
    /// The same, for a connection made with the current time.
    bool on_goaway(h2::error_code code, std::string_view debug_data) {
        return on_goaway(code, debug_data, time);
    }

    /// Looks at a connection's last GOAWAY (if any), with the keepalive
    /// time that connection was made with. Idempotent: calling it again for
    /// the same connection changes nothing.
    bool observe(h2::asio::client& c) {
        const auto& g = c.last_goaway();
        if (!g) return false;
        return on_goaway(g->code, g->debug_data, c.session().options().keepalive_interval);
    }

    /// Sets the driver's keepalive for a new connection. With keepalive
    /// disabled (time zero) the driver's own settings are left alone (as
    /// given in channel_options::http.driver).
    void apply(h2::asio::client_options& o) const {
        if (time <= h2::asio::duration::zero()) return;
        o.driver.keepalive_interval = time;
        o.driver.keepalive_timeout = timeout;
        o.driver.keepalive_permit_without_calls = permit_without_calls;
    }
};

}  // namespace h2pb::rpc::asio
