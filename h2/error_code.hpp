// h2pb::h2 — the error codes of RFC 9113 §7.
//
// Error codes are 32-bit values carried by RST_STREAM (a stream error,
// §5.4.2) and GOAWAY (a connection error or a graceful shutdown, §5.4.1).
// Both kinds share one code space. Codes we do not know are kept as they
// came: "Unknown or unsupported error codes MUST NOT trigger any special
// behavior" (§7), so the enumeration is open (any uint32 converts).
#pragma once

#include <cstdint>
#include <string_view>

namespace h2pb::h2 {

enum class error_code : std::uint32_t {
    no_error = 0x0,        ///< NO_ERROR: not an error (graceful GOAWAY, RST after a full response)
    protocol_error = 0x1,  ///< PROTOCOL_ERROR: unspecific protocol error
    internal_error = 0x2,  ///< INTERNAL_ERROR: unexpected internal error
    flow_control_error = 0x3,   ///< FLOW_CONTROL_ERROR: the peer broke flow control
    settings_timeout = 0x4,     ///< SETTINGS_TIMEOUT: our SETTINGS was not acknowledged in time
    stream_closed = 0x5,        ///< STREAM_CLOSED: a frame arrived after the stream was half-closed
    frame_size_error = 0x6,     ///< FRAME_SIZE_ERROR: a frame with an invalid size
    refused_stream = 0x7,       ///< REFUSED_STREAM: refused before any processing (safe to retry)
    cancel = 0x8,               ///< CANCEL: the stream is no longer needed
    compression_error = 0x9,    ///< COMPRESSION_ERROR: the HPACK context cannot be maintained
    connect_error = 0xa,        ///< CONNECT_ERROR: the tunnel of a CONNECT request failed
    enhance_your_calm = 0xb,    ///< ENHANCE_YOUR_CALM: the peer generates excessive load
    inadequate_security = 0xc,  ///< INADEQUATE_SECURITY: transport security too weak
    http_1_1_required = 0xd,    ///< HTTP_1_1_REQUIRED: use HTTP/1.1 instead
};

/// The RFC's name of a code ("PROTOCOL_ERROR"); "UNKNOWN" for codes not in §7.
constexpr std::string_view name(error_code c) noexcept {
    switch (c) {
        case error_code::no_error:
            return "NO_ERROR";
        case error_code::protocol_error:
            return "PROTOCOL_ERROR";
        case error_code::internal_error:
            return "INTERNAL_ERROR";
        case error_code::flow_control_error:
            return "FLOW_CONTROL_ERROR";
        case error_code::settings_timeout:
            return "SETTINGS_TIMEOUT";
        case error_code::stream_closed:
            return "STREAM_CLOSED";
        case error_code::frame_size_error:
            return "FRAME_SIZE_ERROR";
        case error_code::refused_stream:
            return "REFUSED_STREAM";
        case error_code::cancel:
            return "CANCEL";
        case error_code::compression_error:
            return "COMPRESSION_ERROR";
        case error_code::connect_error:
            return "CONNECT_ERROR";
        case error_code::enhance_your_calm:
            return "ENHANCE_YOUR_CALM";
        case error_code::inadequate_security:
            return "INADEQUATE_SECURITY";
        case error_code::http_1_1_required:
            return "HTTP_1_1_REQUIRED";
    }
    return "UNKNOWN";
}

/// True for the fourteen codes defined by §7.
constexpr bool is_known(error_code c) noexcept {
    return static_cast<std::uint32_t>(c) <=
           static_cast<std::uint32_t>(error_code::http_1_1_required);
}

}  // namespace h2pb::h2
