// h2pb::h2 — the rules of RFC 9113 a peer (or a byte stream) can break.
//
// Every violation the h2 layer detects is one `errc` value. Each value knows
// three things, kept side by side in one table so that they cannot drift:
//   - the RFC 9113 error code sent to the peer (§7),
//   - whether it is a connection error (GOAWAY, §5.4.1) or a stream error
//     (RST_STREAM, §5.4.2),
//   - the section of the RFC that states the rule, and a one-line description.
// Decoders return `h2::error` = wire::basic_error<errc>: the rule and the byte
// offset (into the received byte stream) where it was detected.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <h2pb/h2/error_code.hpp>
#include <h2pb/wire/error.hpp>

namespace h2pb::h2 {

/// Which kind of error a violation is (§5.4).
enum class error_scope : std::uint8_t {
    none,        ///< not an error (errc::ok)
    connection,  ///< connection error: GOAWAY, then close (§5.4.1)
    stream,      ///< stream error: RST_STREAM on the offending stream (§5.4.2)
};

enum class errc : std::uint8_t {
    ok = 0,
    // --- frame layout (§4, §6): decided from one frame alone
    frame_too_large,              ///< length above our SETTINGS_MAX_FRAME_SIZE
    frame_too_short,              ///< payload too short for the fields its flags announce
    padding_too_long,             ///< Pad Length >= frame payload length
    data_on_stream_zero,          ///< DATA with stream id 0
    headers_on_stream_zero,       ///< HEADERS with stream id 0
    priority_on_stream_zero,      ///< PRIORITY with stream id 0
    rst_stream_on_stream_zero,    ///< RST_STREAM with stream id 0
    settings_on_stream,           ///< SETTINGS with a non-zero stream id
    push_promise_on_stream_zero,  ///< PUSH_PROMISE with stream id 0
    ping_on_stream,               ///< PING with a non-zero stream id
    goaway_on_stream,             ///< GOAWAY with a non-zero stream id
    continuation_on_stream_zero,  ///< CONTINUATION with stream id 0
    priority_bad_length,          ///< PRIORITY payload not 5 octets
    rst_stream_bad_length,        ///< RST_STREAM payload not 4 octets
    settings_bad_length,          ///< SETTINGS payload not a multiple of 6
    settings_ack_with_payload,    ///< SETTINGS ACK with a payload
    ping_bad_length,              ///< PING payload not 8 octets
    window_update_bad_length,     ///< WINDOW_UPDATE payload not 4 octets
    stream_depends_on_itself,     ///< priority dependency on the stream itself (RFC 7540 §5.3.1)
    // --- SETTINGS values (§6.5.2)
    settings_enable_push_invalid,       ///< SETTINGS_ENABLE_PUSH not 0 or 1
    settings_enable_push_by_server,     ///< a server sent SETTINGS_ENABLE_PUSH = 1
    settings_initial_window_too_large,  ///< SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1
    settings_max_frame_size_invalid,    ///< SETTINGS_MAX_FRAME_SIZE outside 2^14..2^24-1
    settings_unexpected_ack,            ///< SETTINGS ACK with no SETTINGS of ours outstanding
    settings_timeout,                   ///< our SETTINGS was not acknowledged in time (§6.5.3)
    // --- connection preface and frame sequencing (§3.4, §4.3, §5.1, §6.10)
    bad_preface,               ///< the client preface octets are wrong
    preface_not_settings,      ///< the first frame of the peer is not SETTINGS
    continuation_expected,     ///< another frame inside a field block (no interleaving)
    unexpected_continuation,   ///< CONTINUATION not preceded by an unfinished field block
    frame_on_idle_stream,      ///< DATA/RST_STREAM/WINDOW_UPDATE on an idle stream
    stream_id_wrong_parity,    ///< a new stream with the other endpoint's parity
    stream_id_not_increasing,  ///< a new stream id not above every id the peer used
    headers_on_closed_stream,  ///< HEADERS on a stream that was closed
    frame_on_closed_stream,    ///< DATA/HEADERS after the stream's END_STREAM or RST_STREAM
    push_promise_received,     ///< PUSH_PROMISE when push is disabled (a client never enables it)
    push_promise_by_client,    ///< a client sent PUSH_PROMISE (§8.4)
    // --- flow control (§5.2, §6.9)
    window_update_zero_increment_connection,  ///< WINDOW_UPDATE of 0 on stream 0
    window_update_zero_increment_stream,      ///< WINDOW_UPDATE of 0 on a stream
    connection_window_overflow,  ///< WINDOW_UPDATE takes the connection window above 2^31-1
    stream_window_overflow,      ///< WINDOW_UPDATE takes a stream window above 2^31-1
    initial_window_overflow,  ///< SETTINGS_INITIAL_WINDOW_SIZE takes a stream window above 2^31-1
    connection_window_exceeded,  ///< DATA beyond the connection receive window
    stream_window_exceeded,      ///< DATA beyond the stream receive window
    // --- field blocks (§4.3) and HTTP messages (§8)
    compression_failed,           ///< HPACK decoding failed (§4.3)
    header_list_too_large,        ///< decoded header list above our SETTINGS_MAX_HEADER_LIST_SIZE
    field_name_empty,             ///< a field name of length 0
    field_name_uppercase,         ///< a field name with 'A'-'Z'
    field_name_invalid,           ///< a field name with a prohibited octet or a colon
    field_value_invalid,          ///< a field value with NUL, CR, LF or another control character
    field_value_whitespace,       ///< a field value that starts or ends with SP or HTAB
    connection_specific_field,    ///< Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding,
                                  ///< Upgrade
    te_not_trailers,              ///< TE with a value other than "trailers"
    pseudo_after_regular,         ///< a pseudo-header after a regular field
    pseudo_duplicate,             ///< the same pseudo-header twice
    pseudo_unknown,               ///< an undefined pseudo-header, or one of the wrong message kind
    pseudo_in_trailers,           ///< a pseudo-header in a trailer section
    missing_method,               ///< request without :method
    missing_scheme,               ///< non-CONNECT request without :scheme
    missing_path,                 ///< non-CONNECT request without :path, or :path empty
    path_invalid,                 ///< :path neither absolute ("/...") nor "*" (for http and https)
    authority_invalid,            ///< :authority with userinfo ("user@host") for http or https
    connect_with_scheme_or_path,  ///< CONNECT with :scheme or :path
    connect_without_authority,    ///< CONNECT without :authority
    missing_status,               ///< response without :status
    status_invalid,               ///< :status not three digits, or 101 (§8.6)
    informational_with_end_stream,  ///< a 1xx response that ends the stream
    trailers_without_end_stream,    ///< a second header section without END_STREAM
    content_length_invalid,         ///< content-length not a number, or several that differ
    content_length_mismatch,        ///< DATA total differs from content-length
    // --- limits against abuse (§10.5)
    stream_limit_exceeded,      ///< a stream above our SETTINGS_MAX_CONCURRENT_STREAMS
    header_block_too_large,     ///< field block octets above the limit before END_HEADERS
    too_many_continuations,     ///< more CONTINUATION frames in one block than allowed
    settings_too_many_entries,  ///< one SETTINGS frame with too many entries
    rapid_reset,                ///< streams reset faster than the reset budget (CVE-2023-44487)
    empty_frame_flood,          ///< too many frames that carry nothing (CVE-2019-9518)
    control_frame_flood,  ///< too many frames we must answer are queued unsent (CVE-2019-9512/9515)
    frame_flood,  ///< too many non-data frames (SETTINGS/PING/PRIORITY/WINDOW_UPDATE/unknown)
    count_        // number of values; not an error
};

/// What the RFC says about one errc.
struct rule {
    errc id;
    error_code code;
    error_scope scope;
    std::string_view section;      ///< "6.5" — the section of RFC 9113 (or "7540 5.3.1")
    std::string_view description;  ///< one line, for logs, GOAWAY debug data and tools
};

namespace errc_table {
using enum error_code;
inline constexpr error_scope C = error_scope::connection;
inline constexpr error_scope S = error_scope::stream;
// clang-format off
inline constexpr std::array<rule, static_cast<std::size_t>(errc::count_)> rules = {{
    {errc::ok, no_error, error_scope::none, "", "ok"},
    {errc::frame_too_large, frame_size_error, C, "4.2", "frame larger than SETTINGS_MAX_FRAME_SIZE"},
    {errc::frame_too_short, frame_size_error, C, "4.2", "frame payload too short for its mandatory fields"},
    {errc::padding_too_long, protocol_error, C, "6.1", "padding length not less than the frame payload"},
    {errc::data_on_stream_zero, protocol_error, C, "6.1", "DATA frame on stream 0"},
    {errc::headers_on_stream_zero, protocol_error, C, "6.2", "HEADERS frame on stream 0"},
    {errc::priority_on_stream_zero, protocol_error, C, "6.3", "PRIORITY frame on stream 0"},
    {errc::rst_stream_on_stream_zero, protocol_error, C, "6.4", "RST_STREAM frame on stream 0"},
    {errc::settings_on_stream, protocol_error, C, "6.5", "SETTINGS frame on a stream other than 0"},
    {errc::push_promise_on_stream_zero, protocol_error, C, "6.6", "PUSH_PROMISE frame on stream 0"},
    {errc::ping_on_stream, protocol_error, C, "6.7", "PING frame on a stream other than 0"},
    {errc::goaway_on_stream, protocol_error, C, "6.8", "GOAWAY frame on a stream other than 0"},
    {errc::continuation_on_stream_zero, protocol_error, C, "6.10", "CONTINUATION frame on stream 0"},
    {errc::priority_bad_length, frame_size_error, S, "6.3", "PRIORITY frame length is not 5"},
    {errc::rst_stream_bad_length, frame_size_error, C, "6.4", "RST_STREAM frame length is not 4"},
    {errc::settings_bad_length, frame_size_error, C, "6.5", "SETTINGS frame length is not a multiple of 6"},
    {errc::settings_ack_with_payload, frame_size_error, C, "6.5", "SETTINGS ACK frame with a payload"},
    {errc::ping_bad_length, frame_size_error, C, "6.7", "PING frame length is not 8"},
    {errc::window_update_bad_length, frame_size_error, C, "6.9", "WINDOW_UPDATE frame length is not 4"},
    {errc::stream_depends_on_itself, protocol_error, S, "7540 5.3.1", "stream depends on itself"},
    {errc::settings_enable_push_invalid, protocol_error, C, "6.5.2", "SETTINGS_ENABLE_PUSH is not 0 or 1"},
    {errc::settings_enable_push_by_server, protocol_error, C, "6.5.2", "server sent SETTINGS_ENABLE_PUSH = 1"},
    {errc::settings_initial_window_too_large, flow_control_error, C, "6.5.2", "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1"},
    {errc::settings_max_frame_size_invalid, protocol_error, C, "6.5.2", "SETTINGS_MAX_FRAME_SIZE outside 16384..16777215"},
    {errc::settings_unexpected_ack, protocol_error, C, "6.5.3", "SETTINGS ACK without an outstanding SETTINGS"},
    {errc::settings_timeout, error_code::settings_timeout, C, "6.5.3", "SETTINGS not acknowledged in time"},
    {errc::bad_preface, protocol_error, C, "3.4", "invalid connection preface"},
    {errc::preface_not_settings, protocol_error, C, "3.4", "first frame of the peer is not SETTINGS"},
    {errc::continuation_expected, protocol_error, C, "6.2", "frame other than CONTINUATION inside a field block"},
    {errc::unexpected_continuation, protocol_error, C, "6.10", "CONTINUATION without an unfinished field block"},
    {errc::frame_on_idle_stream, protocol_error, C, "5.1", "frame other than HEADERS or PRIORITY on an idle stream"},
    {errc::stream_id_wrong_parity, protocol_error, C, "5.1.1", "new stream id of the wrong parity"},
    {errc::stream_id_not_increasing, protocol_error, C, "5.1.1", "new stream id not greater than previous ones"},
    {errc::headers_on_closed_stream, error_code::stream_closed, C, "5.1", "HEADERS on a closed stream"},
    {errc::frame_on_closed_stream, error_code::stream_closed, S, "5.1", "frame on a half-closed (remote) or closed stream"},
    {errc::push_promise_received, protocol_error, C, "6.6", "PUSH_PROMISE received with push disabled"},
    {errc::push_promise_by_client, protocol_error, C, "8.4", "PUSH_PROMISE sent by a client"},
    {errc::window_update_zero_increment_connection, protocol_error, C, "6.9", "WINDOW_UPDATE with increment 0 on the connection"},
    {errc::window_update_zero_increment_stream, protocol_error, S, "6.9", "WINDOW_UPDATE with increment 0 on a stream"},
    {errc::connection_window_overflow, flow_control_error, C, "6.9.1", "connection window above 2^31-1"},
    {errc::stream_window_overflow, flow_control_error, S, "6.9.1", "stream window above 2^31-1"},
    {errc::initial_window_overflow, flow_control_error, C, "6.9.2", "SETTINGS_INITIAL_WINDOW_SIZE change takes a window above 2^31-1"},
    {errc::connection_window_exceeded, flow_control_error, C, "6.9.1", "DATA beyond the connection flow-control window"},
    {errc::stream_window_exceeded, flow_control_error, S, "6.9.1", "DATA beyond the stream flow-control window"},
    {errc::compression_failed, compression_error, C, "4.3", "field block could not be decoded"},
    {errc::header_list_too_large, enhance_your_calm, S, "10.5.1", "header list larger than SETTINGS_MAX_HEADER_LIST_SIZE"},
    {errc::field_name_empty, protocol_error, S, "8.2.1", "empty field name"},
    {errc::field_name_uppercase, protocol_error, S, "8.2.1", "uppercase character in a field name"},
    {errc::field_name_invalid, protocol_error, S, "8.2.1", "prohibited character in a field name"},
    {errc::field_value_invalid, protocol_error, S, "8.2.1", "NUL, CR, LF or another control character in a field value"},
    {errc::field_value_whitespace, protocol_error, S, "8.2.1", "field value starts or ends with whitespace"},
    {errc::connection_specific_field, protocol_error, S, "8.2.2", "connection-specific header field"},
    {errc::te_not_trailers, protocol_error, S, "8.2.2", "TE header field with a value other than \"trailers\""},
    {errc::pseudo_after_regular, protocol_error, S, "8.3", "pseudo-header field after a regular field"},
    {errc::pseudo_duplicate, protocol_error, S, "8.3", "repeated pseudo-header field"},
    {errc::pseudo_unknown, protocol_error, S, "8.3", "undefined or misplaced pseudo-header field"},
    {errc::pseudo_in_trailers, protocol_error, S, "8.1", "pseudo-header field in trailers"},
    {errc::missing_method, protocol_error, S, "8.3.1", "request without :method"},
    {errc::missing_scheme, protocol_error, S, "8.3.1", "request without :scheme"},
    {errc::missing_path, protocol_error, S, "8.3.1", "request without :path, or :path empty"},
    {errc::path_invalid, protocol_error, S, "8.3.1", ":path is not an absolute path or \"*\""},
    {errc::authority_invalid, protocol_error, S, "8.3.1", ":authority includes userinfo"},
    {errc::connect_with_scheme_or_path, protocol_error, S, "8.5", "CONNECT request with :scheme or :path"},
    {errc::connect_without_authority, protocol_error, S, "8.5", "CONNECT request without :authority"},
    {errc::missing_status, protocol_error, S, "8.3.2", "response without :status"},
    {errc::status_invalid, protocol_error, S, "8.3.2", ":status is not a valid three-digit code (or is 101)"},
    {errc::informational_with_end_stream, protocol_error, S, "8.1", "1xx response with END_STREAM"},
    {errc::trailers_without_end_stream, protocol_error, S, "8.1", "second header section without END_STREAM"},
    {errc::content_length_invalid, protocol_error, S, "8.1.1", "content-length is not a valid number"},
    {errc::content_length_mismatch, protocol_error, S, "8.1.1", "DATA length differs from content-length"},
    {errc::stream_limit_exceeded, refused_stream, S, "5.1.2", "stream above SETTINGS_MAX_CONCURRENT_STREAMS"},
    {errc::header_block_too_large, compression_error, C, "10.5.1", "field block larger than the limit (not decoded)"},
    {errc::too_many_continuations, enhance_your_calm, C, "10.5", "too many CONTINUATION frames in one field block"},
    {errc::settings_too_many_entries, enhance_your_calm, C, "10.5", "too many entries in one SETTINGS frame"},
    {errc::rapid_reset, enhance_your_calm, C, "10.5", "streams reset faster than allowed"},
    {errc::empty_frame_flood, enhance_your_calm, C, "10.5", "too many empty frames"},
    {errc::control_frame_flood, enhance_your_calm, C, "10.5", "too many answers to the peer's frames left unread"},
    {errc::frame_flood, enhance_your_calm, C, "10.5", "too many control frames"},
}};
// clang-format on

constexpr bool rules_in_order() {
    for (std::size_t i = 0; i < rules.size(); ++i)
        if (static_cast<std::size_t>(rules[i].id) != i) return false;
    return true;
}
static_assert(rules_in_order(), "errc_table::rules must list errc values in declaration order");
}  // namespace errc_table

/// The RFC's view of a violation: code, scope, section, description.
constexpr const rule& rule_of(errc e) noexcept {
    const auto i = static_cast<std::size_t>(e);
    return errc_table::rules[i < errc_table::rules.size() ? i : 0];
}
constexpr error_code code_of(errc e) noexcept {
    return rule_of(e).code;
}
constexpr error_scope scope_of(errc e) noexcept {
    return rule_of(e).scope;
}
constexpr std::string_view describe(errc e) noexcept {
    return rule_of(e).description;
}

/// A violation and the offset (in the received byte stream) where it was found.
using error = wire::basic_error<errc>;

}  // namespace h2pb::h2
