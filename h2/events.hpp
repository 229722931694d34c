// h2pb::h2 — what a connection reports while it processes received bytes.
//
// connection::receive() (and tick()) call the caller's handler once per event,
// synchronously, with one of the structs below: `handler(const X&)`. A generic
// lambda or a struct with one overload per event type both work:
//
//   conn.receive(bytes, now, [&](const auto& ev) {
//       using E = std::decay_t<decltype(ev)>;
//       if constexpr (std::is_same_v<E, h2::headers_received>) ...
//   });
//
// Views inside events (header fields, DATA bytes, GOAWAY debug data) are valid
// only until the handler returns: copy what you keep. The handler may call
// back into the connection (submit a response, send data, consume, reset).
//
// Events about a stream carry its `user_data`: the pointer the application
// attached with connection::set_stream_user_data (null until it does), so a
// driver finds its own state for the stream without a lookup — even in
// stream_reset, which is reported after the connection forgot the stream.
#pragma once

#include <cstdint>
#include <span>

#include <h2pb/h2/errc.hpp>
#include <h2pb/h2/error_code.hpp>
#include <h2pb/h2/field_validation.hpp>
#include <h2pb/h2/settings.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::h2 {

/// The peer's SETTINGS frame was applied (and its ACK queued).
struct settings_received {
    const settings& remote;  ///< all six values now in effect for what we send
};

/// The peer acknowledged our SETTINGS: its values are now in effect.
struct settings_acknowledged {
    const settings& local;
};

/// A complete header section, validated (§8.2-§8.3).
struct headers_received {
    std::uint32_t stream_id;
    section_kind kind;  ///< request, response (1xx or final) or trailers
    std::span<const hpack::field> fields;
    bool end_stream;            ///< the peer will send nothing more on the stream
    std::uint16_t status = 0;   ///< responses: the :status value
    void* user_data = nullptr;  ///< the stream's (set_stream_user_data); null for a new stream
};

/// Part of a DATA frame's payload (padding removed). A frame may come in
/// several pieces when its bytes arrive in several receive() calls. Call
/// consume(stream_id, data.size()) once the bytes are processed: that
/// reopens the flow-control windows (padding is released automatically).
struct data_received {
    std::uint32_t stream_id;
    wire::bytes_view data;
    bool end_stream;            ///< last piece of the stream (may come with empty data)
    void* user_data = nullptr;  ///< the stream's (set_stream_user_data)
};

/// A stream ended abnormally. `remote`: the peer sent RST_STREAM (or a GOAWAY
/// that excludes the stream); otherwise we reset it because the peer broke a
/// rule (`reason`). `retryable`: the peer guarantees it did not process the
/// stream (REFUSED_STREAM, or above a GOAWAY's last stream id, §8.7).
/// The connection has already forgotten the stream when this is reported
/// (stream_user_data(stream_id) is null by then): `user_data` is what the
/// application had attached to it (set_stream_user_data), so that it finds
/// its own state without a search.
struct stream_reset {
    std::uint32_t stream_id = 0;
    error_code code{};
    bool remote = false;
    bool retryable = false;
    errc reason = errc::ok;
    void* user_data = nullptr;
};

/// The peer sent a PING (its ACK is queued).
struct ping_received {
    std::uint64_t opaque;
};

/// The peer acknowledged one of our PINGs.
struct ping_acknowledged {
    std::uint64_t opaque;
};

/// The peer sent GOAWAY: no new streams; streams above last_stream_id were
/// reported as retryable stream_reset events just before this event.
struct goaway_received {
    std::uint32_t last_stream_id;
    error_code code;
    wire::bytes_view debug_data;
};

/// A stream that send_data() could not fully serve can send again:
/// `capacity` octets now (flow-control windows and output budget).
struct stream_writable {
    std::uint32_t stream_id = 0;
    std::size_t capacity = 0;
    void* user_data = nullptr;  ///< the stream's (set_stream_user_data)
};

/// The connection failed: a GOAWAY with `code` is queued (unless the peer
/// closed it first), nothing more is received. Flush the output and close.
struct connection_error {
    error_code code{};
    error reason;  ///< the rule and the offset in the received byte stream
};

}  // namespace h2pb::h2
