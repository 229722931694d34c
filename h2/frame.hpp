// h2pb::h2 — HTTP/2 frames: the 9-octet header and the ten frame payloads
// of RFC 9113 §4.1 and §6, parsed from bytes without copying.
//
//   +-----------------------------------------------+
//   |                 Length (24)                   |
//   +---------------+---------------+---------------+
//   |   Type (8)    |   Flags (8)   |
//   +-+-------------+---------------+-------------------------------+
//   |R|                 Stream Identifier (31)                      |
//   +=+=============================================================+
//   |                   Frame Payload (0...)                      ...
//   +---------------------------------------------------------------+
//
// Reading a frame happens in two steps, which is how a streaming receiver
// meets the bytes:
//   1. check_frame_header(): everything the 9 octets alone decide — the size
//      limit of SETTINGS_MAX_FRAME_SIZE (§4.2), which frames must or must not
//      use stream 0, the fixed lengths of PRIORITY (5), RST_STREAM (4),
//      SETTINGS (6n, 0 with ACK), PING (8) and WINDOW_UPDATE (4). A receiver
//      rejects a 16 MB PING before buffering one byte of it.
//   2. parse_<type>(): the payload, once it is all there: padding, priority
//      fields, settings entries, error codes... Views point into the payload.
// parse_frame() does both and returns any frame as a variant (for tools,
// tests and fuzzing); the connection calls the steps itself.
//
// Unknown frame types and unknown flags are not errors: "Implementations MUST
// ignore and discard frames of unknown types" and "Unused flags MUST be
// ignored on receipt" (§4.1). The reserved bit of the stream id (and of the
// 31-bit fields in payloads) is ignored on receipt and sent as 0.
// Every violation is an errc that carries its RFC error code and whether it
// is a connection or a stream error (errc.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include <h2pb/h2/errc.hpp>
#include <h2pb/h2/error_code.hpp>
#include <h2pb/h2/settings.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/endian.hpp>
#include <h2pb/wire/result.hpp>

namespace h2pb::h2 {

enum class frame_type : std::uint8_t {
    data = 0x0,
    headers = 0x1,
    priority = 0x2,
    rst_stream = 0x3,
    settings = 0x4,
    push_promise = 0x5,
    ping = 0x6,
    goaway = 0x7,
    window_update = 0x8,
    continuation = 0x9,
};

/// "DATA", "HEADERS", ...; "UNKNOWN" for extension types.
constexpr std::string_view name(frame_type t) noexcept {
    switch (t) {
        case frame_type::data:
            return "DATA";
        case frame_type::headers:
            return "HEADERS";
        case frame_type::priority:
            return "PRIORITY";
        case frame_type::rst_stream:
            return "RST_STREAM";
        case frame_type::settings:
            return "SETTINGS";
        case frame_type::push_promise:
            return "PUSH_PROMISE";
        case frame_type::ping:
            return "PING";
        case frame_type::goaway:
            return "GOAWAY";
        case frame_type::window_update:
            return "WINDOW_UPDATE";
        case frame_type::continuation:
            return "CONTINUATION";
    }
    return "UNKNOWN";
}

constexpr bool is_known(frame_type t) noexcept {
    return static_cast<std::uint8_t>(t) <= 0x9;
}

/// Flag bits (§6). The same bit means different things for different types.
namespace flag {
inline constexpr std::uint8_t end_stream = 0x01;   ///< DATA, HEADERS
inline constexpr std::uint8_t ack = 0x01;          ///< SETTINGS, PING
inline constexpr std::uint8_t end_headers = 0x04;  ///< HEADERS, PUSH_PROMISE, CONTINUATION
inline constexpr std::uint8_t padded = 0x08;       ///< DATA, HEADERS, PUSH_PROMISE
inline constexpr std::uint8_t priority = 0x20;     ///< HEADERS
}  // namespace flag

/// The flags a frame type defines; the others are "unused" (§4.1).
constexpr std::uint8_t defined_flags(frame_type t) noexcept {
    switch (t) {
        case frame_type::data:
            return flag::end_stream | flag::padded;
        case frame_type::headers:
            return flag::end_stream | flag::end_headers | flag::padded | flag::priority;
        case frame_type::settings:
        case frame_type::ping:
            return flag::ack;
        case frame_type::push_promise:
            return flag::end_headers | flag::padded;
        case frame_type::continuation:
            return flag::end_headers;
        default:
            return 0;
    }
}

/// The RFC's name of one defined flag bit of a frame type ("END_STREAM"), or "".
constexpr std::string_view flag_name(frame_type t, std::uint8_t bit) noexcept {
    if ((defined_flags(t) & bit) == 0) return "";
    switch (bit) {
        case 0x01:
            return t == frame_type::settings || t == frame_type::ping ? "ACK" : "END_STREAM";
        case flag::end_headers:
            return "END_HEADERS";
        case flag::padded:
            return "PADDED";
        case flag::priority:
            return "PRIORITY";
        default:
            return "";
    }
}

inline constexpr std::size_t frame_header_size = 9;
/// Largest stream identifier (31 bits, §5.1.1).
inline constexpr std::uint32_t max_stream_id = 0x7fffffff;
/// Largest frame payload length the 24-bit field can express.
inline constexpr std::uint32_t max_frame_length = 0xffffff;

struct frame_header {
    std::uint32_t length = 0;  ///< payload length, 24 bits (the 9 header octets not included)
    frame_type type{};
    std::uint8_t flags = 0;       ///< as received: unused flags are kept here, ignored by meaning
    std::uint32_t stream_id = 0;  ///< reserved bit cleared

    constexpr bool has(std::uint8_t f) const noexcept { return (flags & f) != 0; }
    friend constexpr bool operator==(const frame_header&, const frame_header&) = default;
};

/// Reads the 9 octets at p. The reserved bit is ignored (§4.1).
constexpr frame_header parse_frame_header(const wire::byte* p) noexcept {
    return {wire::load_be24(p), static_cast<frame_type>(p[3]), p[4],
            wire::load_be32(p + 5) & max_stream_id};
}

/// Writes the 9 octets at p, reserved bit 0. The length must fit 24 bits.
constexpr void store_frame_header(wire::byte* p, const frame_header& h) noexcept {
    wire::store_be24(p, h.length);
    p[3] = static_cast<wire::byte>(h.type);
    p[4] = h.flags;
    wire::store_be32(p + 5, h.stream_id & max_stream_id);
}

/// Step 1: the rules the frame header alone decides (see the top of the file).
/// `max_frame_size` is the SETTINGS_MAX_FRAME_SIZE we advertised.
constexpr errc check_frame_header(const frame_header& h, std::uint32_t max_frame_size) noexcept {
    if (h.length > max_frame_size) return errc::frame_too_large;  // §4.2
    const bool zero = h.stream_id == 0;
    switch (h.type) {
        case frame_type::data:
            return zero ? errc::data_on_stream_zero : errc::ok;  // §6.1
        case frame_type::headers:
            return zero ? errc::headers_on_stream_zero : errc::ok;  // §6.2
        case frame_type::priority:                                  // §6.3
            if (zero) return errc::priority_on_stream_zero;
            return h.length != 5 ? errc::priority_bad_length : errc::ok;
        case frame_type::rst_stream:  // §6.4
            if (zero) return errc::rst_stream_on_stream_zero;
            return h.length != 4 ? errc::rst_stream_bad_length : errc::ok;
        case frame_type::settings:  // §6.5
            if (!zero) return errc::settings_on_stream;
            if (h.has(flag::ack)) return h.length != 0 ? errc::settings_ack_with_payload : errc::ok;
            return h.length % 6 != 0 ? errc::settings_bad_length : errc::ok;
        case frame_type::push_promise:  // §6.6
            return zero ? errc::push_promise_on_stream_zero : errc::ok;
        case frame_type::ping:  // §6.7
            if (!zero) return errc::ping_on_stream;
            return h.length != 8 ? errc::ping_bad_length : errc::ok;
        case frame_type::goaway:  // §6.8
            if (!zero) return errc::goaway_on_stream;
            return h.length < 8 ? errc::frame_too_short : errc::ok;
        case frame_type::window_update:  // §6.9
            return h.length != 4 ? errc::window_update_bad_length : errc::ok;
        case frame_type::continuation:  // §6.10
            return zero ? errc::continuation_on_stream_zero : errc::ok;
    }
    return errc::ok;  // unknown types: any stream, any length (ignored)
}

/// Checks the Pad Length octet of a PADDED frame: the padding must be shorter
/// than the payload (§6.1, §6.2, §6.6), and what remains must hold the
/// `mandatory` octets the frame needs (priority fields, promised stream id).
constexpr errc check_padding(std::uint32_t length, std::uint8_t pad_length,
                             std::size_t mandatory) noexcept {
    if (pad_length >= length) return errc::padding_too_long;
    if (length - 1 - pad_length < mandatory) return errc::frame_too_short;
    return errc::ok;
}

// ---------------------------------------------------------------------------
// Step 2: payloads. Each parse_<type> takes the header (already checked with
// check_frame_header) and the whole payload; `base` is the offset of
// payload[0] in the input, so errors point into the caller's byte stream.

template <class T>
using frame_result = wire::result<T, error>;

/// The priority fields of HEADERS (PRIORITY flag) and PRIORITY frames. RFC
/// 9113 deprecates the priority tree (§5.3.2): h2pb parses them and ignores them.
struct priority_fields {
    std::uint32_t dependency = 0;  ///< stream the frame's stream depends on
    bool exclusive = false;
    std::uint8_t weight = 15;  ///< wire value; the weight is this + 1 (1..256)
    friend constexpr bool operator==(const priority_fields&, const priority_fields&) = default;
};

constexpr priority_fields load_priority(const wire::byte* p) noexcept {
    const std::uint32_t v = wire::load_be32(p);
    return {v & max_stream_id, (v >> 31) != 0, p[4]};
}

struct data_frame {
    wire::bytes_view data;        ///< application data, padding removed
    std::uint8_t pad_length = 0;  ///< padding octets (the Pad Length octet itself not counted)
    bool padded = false;
    bool end_stream = false;
};

struct headers_frame {
    wire::bytes_view fragment;  ///< field block fragment (§4.3)
    bool has_priority = false;
    priority_fields priority;
    std::uint8_t pad_length = 0;
    bool padded = false;
    bool end_stream = false;
    bool end_headers = false;
};

struct priority_frame {
    priority_fields priority;
};

struct rst_stream_frame {
    error_code code{};
};

/// The entries of a SETTINGS frame, read in place.
struct settings_frame {
    bool ack = false;
    wire::bytes_view entries;  ///< 6 octets per entry

    constexpr std::size_t size() const noexcept { return entries.size() / 6; }
    constexpr setting operator[](std::size_t i) const noexcept {
        return {wire::load_be16(entries.data() + 6 * i),
                wire::load_be32(entries.data() + 6 * i + 2)};
    }
};

struct push_promise_frame {
    std::uint32_t promised_stream_id = 0;
    wire::bytes_view fragment;
    std::uint8_t pad_length = 0;
    bool padded = false;
    bool end_headers = false;
};

struct ping_frame {
    bool ack = false;
    std::array<wire::byte, 8> opaque{};

    /// The opaque data as a big-endian integer (a convenient identity).
    constexpr std::uint64_t value() const noexcept { return wire::load_be64(opaque.data()); }
};

struct goaway_frame {
    std::uint32_t last_stream_id = 0;
    error_code code{};
    wire::bytes_view debug_data;
};

struct window_update_frame {
    std::uint32_t increment = 0;  ///< 1..2^31-1
};

struct continuation_frame {
    wire::bytes_view fragment;
    bool end_headers = false;
};

/// An extension frame: its payload, to be ignored (§4.1, §5.5).
struct unknown_frame {
    wire::bytes_view payload;
};

namespace detail {
constexpr wire::failure<error> fail(errc e, std::size_t at) noexcept {
    return wire::failure{error{e, at}};
}

/// What is left of a DATA, HEADERS or PUSH_PROMISE payload once its padding
/// is taken off (§6.1, §6.2, §6.6): the octets between the Pad Length octet
/// and the Padding, which must hold the `mandatory` fields the frame type
/// needs first (priority fields, promised stream id).
struct unpadded {
    wire::bytes_view content;
    std::uint8_t pad_length = 0;
    bool padded = false;
};

/// The one PADDED rule of the three frame types that carry it: with the flag,
/// a Pad Length octet comes first and the padding must be shorter than the
/// payload (padding_too_long); with or without it, what remains must hold the
/// mandatory fields (frame_too_short).
constexpr wire::result<unpadded, error> remove_padding(const frame_header& h, wire::bytes_view p,
                                                       std::size_t mandatory,
                                                       std::size_t base) noexcept {
    if (!h.has(flag::padded)) {
        if (p.size() < mandatory) return fail(errc::frame_too_short, base);
        return unpadded{p};
    }
    if (p.empty()) return fail(errc::frame_too_short, base);
    const std::uint8_t pad = p[0];
    if (const errc e = check_padding(static_cast<std::uint32_t>(p.size()), pad, mandatory);
        e != errc::ok)
        return fail(e, base);
    return unpadded{p.subspan(1, p.size() - 1 - pad), pad, true};
}
}  // namespace detail

/// §6.1 DATA: [Pad Length (8)] Data (..) Padding (..).
constexpr frame_result<data_frame> parse_data(const frame_header& h, wire::bytes_view p,
                                              std::size_t base = 0) noexcept {
    auto u = detail::remove_padding(h, p, 0, base);
    if (!u) return wire::failure{u.error()};
    return data_frame{u->content, u->pad_length, u->padded, h.has(flag::end_stream)};
}

/// §6.2 HEADERS: [Pad Length (8)] [E + Stream Dependency (32), Weight (8)]
/// Field Block Fragment (..) Padding (..).
constexpr frame_result<headers_frame> parse_headers(const frame_header& h, wire::bytes_view p,
                                                    std::size_t base = 0) noexcept {
    headers_frame f;
    f.end_stream = h.has(flag::end_stream);
    f.end_headers = h.has(flag::end_headers);
    f.has_priority = h.has(flag::priority);
    auto u = detail::remove_padding(h, p, f.has_priority ? 5 : 0, base);
    if (!u) return wire::failure{u.error()};
    f.padded = u->padded;
    f.pad_length = u->pad_length;
    f.fragment = u->content;
    if (f.has_priority) {  // a dependency on itself is checked by the caller (a stream error)
        f.priority = load_priority(f.fragment.data());
        f.fragment = f.fragment.subspan(5);
    }
    return f;
}

/// §6.3 PRIORITY: E + Stream Dependency (32), Weight (8).
constexpr frame_result<priority_frame> parse_priority(const frame_header& h, wire::bytes_view p,
                                                      std::size_t base = 0) noexcept {
    if (p.size() != 5) return detail::fail(errc::priority_bad_length, base);
    priority_frame f{load_priority(p.data())};
    if (f.priority.dependency == h.stream_id)
        return detail::fail(errc::stream_depends_on_itself, base);
    return f;
}

/// §6.4 RST_STREAM: Error Code (32).
constexpr frame_result<rst_stream_frame> parse_rst_stream(const frame_header&, wire::bytes_view p,
                                                          std::size_t base = 0) noexcept {
    if (p.size() != 4) return detail::fail(errc::rst_stream_bad_length, base);
    return rst_stream_frame{static_cast<error_code>(wire::load_be32(p.data()))};
}

/// §6.5 SETTINGS: (Identifier (16), Value (32))*. Values are validated by the
/// receiver in order (settings.hpp validate()), since the order matters.
constexpr frame_result<settings_frame> parse_settings(const frame_header& h, wire::bytes_view p,
                                                      std::size_t base = 0) noexcept {
    settings_frame f{h.has(flag::ack), p};
    if (f.ack && !p.empty()) return detail::fail(errc::settings_ack_with_payload, base);
    if (p.size() % 6 != 0) return detail::fail(errc::settings_bad_length, base);
    return f;
}

/// §6.6 PUSH_PROMISE: [Pad Length (8)] R + Promised Stream ID (32) Field Block Fragment (..)
/// Padding (..).
constexpr frame_result<push_promise_frame> parse_push_promise(const frame_header& h,
                                                              wire::bytes_view p,
                                                              std::size_t base = 0) noexcept {
    auto u = detail::remove_padding(h, p, 4, base);
    if (!u) return wire::failure{u.error()};
    push_promise_frame f;
    f.end_headers = h.has(flag::end_headers);
    f.padded = u->padded;
    f.pad_length = u->pad_length;
    f.promised_stream_id = wire::load_be32(u->content.data()) & max_stream_id;
    f.fragment = u->content.subspan(4);
    return f;
}

/// §6.7 PING: Opaque Data (64).
constexpr frame_result<ping_frame> parse_ping(const frame_header& h, wire::bytes_view p,
                                              std::size_t base = 0) noexcept {
    if (p.size() != 8) return detail::fail(errc::ping_bad_length, base);
    ping_frame f;
    f.ack = h.has(flag::ack);
    for (std::size_t i = 0; i < 8; ++i) f.opaque[i] = p[i];
    return f;
}

/// §6.8 GOAWAY: R + Last-Stream-ID (32), Error Code (32), Additional Debug Data (..).
constexpr frame_result<goaway_frame> parse_goaway(const frame_header&, wire::bytes_view p,
                                                  std::size_t base = 0) noexcept {
    if (p.size() < 8) return detail::fail(errc::frame_too_short, base);
    return goaway_frame{wire::load_be32(p.data()) & max_stream_id,
                        static_cast<error_code>(wire::load_be32(p.data() + 4)), p.subspan(8)};
}

/// §6.9 WINDOW_UPDATE: R + Window Size Increment (32). An increment of 0 is a
/// stream error on a stream and a connection error on stream 0.
constexpr frame_result<window_update_frame> parse_window_update(const frame_header& h,
                                                                wire::bytes_view p,
                                                                std::size_t base = 0) noexcept {
    if (p.size() != 4) return detail::fail(errc::window_update_bad_length, base);
    const std::uint32_t inc = wire::load_be32(p.data()) & max_window_size;
    if (inc == 0) {
        return detail::fail(h.stream_id == 0 ? errc::window_update_zero_increment_connection
                                             : errc::window_update_zero_increment_stream,
                            base);
    }
    return window_update_frame{inc};
}

/// §6.10 CONTINUATION: Field Block Fragment (..).
constexpr frame_result<continuation_frame> parse_continuation(const frame_header& h,
                                                              wire::bytes_view p,
                                                              std::size_t = 0) noexcept {
    return continuation_frame{p, h.has(flag::end_headers)};
}

using any_frame = std::variant<data_frame, headers_frame, priority_frame, rst_stream_frame,
                               settings_frame, push_promise_frame, ping_frame, goaway_frame,
                               window_update_frame, continuation_frame, unknown_frame>;

/// Both steps for one whole frame: header checks against `max_frame_size`,
/// then the payload. `base` is the offset of the frame header in the input;
/// header errors point at it, payload errors into the payload.
constexpr frame_result<any_frame> parse_frame(const frame_header& h, wire::bytes_view payload,
                                              std::uint32_t max_frame_size,
                                              std::size_t base = 0) noexcept {
    if (auto e = check_frame_header(h, max_frame_size); e != errc::ok) return detail::fail(e, base);
    const std::size_t at = base + frame_header_size;
    auto wrap = [](auto r) -> frame_result<any_frame> {
        if (!r) return wire::failure{r.error()};
        return any_frame{*r};
    };
    switch (h.type) {
        case frame_type::data:
            return wrap(parse_data(h, payload, at));
        case frame_type::headers: {
            auto r = parse_headers(h, payload, at);
            if (r && r->has_priority && r->priority.dependency == h.stream_id)
                return detail::fail(errc::stream_depends_on_itself, at + (r->padded ? 1 : 0));
            return wrap(r);
        }
        case frame_type::priority:
            return wrap(parse_priority(h, payload, at));
        case frame_type::rst_stream:
            return wrap(parse_rst_stream(h, payload, at));
        case frame_type::settings:
            return wrap(parse_settings(h, payload, at));
        case frame_type::push_promise:
            return wrap(parse_push_promise(h, payload, at));
        case frame_type::ping:
            return wrap(parse_ping(h, payload, at));
        case frame_type::goaway:
            return wrap(parse_goaway(h, payload, at));
        case frame_type::window_update:
            return wrap(parse_window_update(h, payload, at));
        case frame_type::continuation:
            return wrap(parse_continuation(h, payload, at));
    }
    return any_frame{unknown_frame{payload}};
}

}  // namespace h2pb::h2
