// h2pb::h2 — what a connection (connection.hpp) is told when it is made:
// its role, the SETTINGS it advertises and the limits it enforces. A header
// of its own so that the drivers' option structs (h2/asio/options.hpp) hold
// one without the connection's code.
#pragma once

#include <cstdint>

#include <h2pb/h2/clock.hpp>
#include <h2pb/h2/limits.hpp>
#include <h2pb/h2/settings.hpp>
#include <h2pb/hpack/encoder_options.hpp>

namespace h2pb::h2 {

enum class role : std::uint8_t { client, server };

/// When received DATA gives its octets back to the connection-level receive
/// window (RFC 9113 §6.9: both windows are ours to manage; the RFC only says
/// that a receiver must not let the sender exceed them).
enum class window_release : std::uint8_t {
    /// When the application consume()s them, like the stream window: the
    /// connection window bounds everything buffered on the connection, but a
    /// stream whose reader stops holds its octets in the connection window,
    /// and enough such streams stall every other stream (head-of-line
    /// blocking across streams).
    on_consume,
    /// As soon as they arrive (padding and DATA alike). Buffering is still
    /// bounded, per stream, by the stream windows, which open only on
    /// consume(): at most the sum of the open streams' windows. A reader that
    /// stops stalls its own stream only. This is what gRPC implementations and
    /// nghttp2 (its automatic connection WINDOW_UPDATE) do.
    on_receive,
};

/// What we advertise in SETTINGS, and the limits we enforce.
struct connection_options {
    std::uint32_t header_table_size = default_header_table_size;  ///< SETTINGS_HEADER_TABLE_SIZE
    std::uint32_t max_concurrent_streams = default_max_concurrent_streams;
    /// The peer's limit on the streams we open, until its first SETTINGS
    /// frame says otherwise (limits.hpp; `unlimited`: the RFC's initial value).
    std::uint32_t initial_peer_max_concurrent_streams = default_initial_peer_max_concurrent_streams;
    std::uint32_t initial_window_size = default_initial_window_size;  ///< per-stream receive window
    std::uint32_t max_frame_size = min_max_frame_size;
    std::uint32_t max_header_list_size = default_max_header_list_size;
    /// Connection-level receive window. The RFC starts it at 65,535 and only
    /// WINDOW_UPDATE can change it: a larger value is announced right after
    /// our preface.
    std::uint32_t connection_window_size = default_initial_window_size;
    /// When received DATA reopens the connection window. on_consume (the
    /// sans-IO default) keeps the old, strict accounting; the Asio driver uses
    /// on_receive (h2/asio/options.hpp) so that one stalled stream cannot stall
    /// the others.
    window_release connection_window_release = window_release::on_consume;
    connection_limits limits;
    /// The HPACK encoder for what we send (table size cap, Huffman, indexing).
    hpack::encoder_options encoder;
    /// Check the header sections we are asked to send against the same rules
    /// (§8.2-§8.3) we enforce on the peer's, and refuse malformed ones with
    /// send_errc::invalid_fields before anything is encoded: a peer would
    /// answer them with a stream error. On by default, as in python-hyper h2
    /// (validate_outbound_headers); a proxy that forwards checked fields may
    /// turn it off.
    bool validate_outgoing_fields = true;
};

}  // namespace h2pb::h2
