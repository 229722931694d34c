// h2pb::h2 — send_errc: why a local call on the connection (submit_*,
// send_data, reset_stream...) was not served. One header of its own so that
// a light header (h2/asio/server_decl.hpp, whose response::send_headers
// returns it) names the same type as the connection without including it.
#pragma once

#include <cstdint>
#include <string_view>

namespace h2pb::h2 {

/// Why a local call (submit_*, send_data, reset_stream...) was not served.
enum class send_errc : std::uint8_t {
    ok = 0,
    wrong_role,             ///< e.g. submit_request on a server
    connection_closed,      ///< after a connection error, or after we sent GOAWAY (new streams)
    goaway_received,        ///< the peer sent GOAWAY: no new streams (§6.8)
    too_many_streams,       ///< the peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached
    stream_ids_exhausted,   ///< no stream id left (§5.1.1): open a new connection
    no_such_stream,         ///< unknown or closed stream
    stream_not_writable,    ///< we already ended the stream
    headers_not_sent,       ///< DATA before the header section
    invalid_argument,       ///< e.g. too many pending SETTINGS
    invalid_fields,         ///< the header section breaks §8.2-§8.3 (validate_outgoing_fields)
    header_list_too_large,  ///< larger than the peer's SETTINGS_MAX_HEADER_LIST_SIZE (§6.5.2)
};

constexpr std::string_view describe(send_errc e) noexcept {
    switch (e) {
        case send_errc::ok:
            return "ok";
        case send_errc::wrong_role:
            return "not allowed in this role";
        case send_errc::connection_closed:
            return "connection closed";
        case send_errc::goaway_received:
            return "peer sent GOAWAY";
        case send_errc::too_many_streams:
            return "peer's SETTINGS_MAX_CONCURRENT_STREAMS reached";
        case send_errc::stream_ids_exhausted:
            return "stream identifiers exhausted";
        case send_errc::no_such_stream:
            return "no such stream";
        case send_errc::stream_not_writable:
            return "stream already ended by us";
        case send_errc::headers_not_sent:
            return "header section not sent yet";
        case send_errc::invalid_argument:
            return "invalid argument";
        case send_errc::invalid_fields:
            return "header section breaks RFC 9113 §8.2-§8.3";
        case send_errc::header_list_too_large:
            return "header section larger than the peer's SETTINGS_MAX_HEADER_LIST_SIZE";
    }
    return "unknown";
}

}  // namespace h2pb::h2
