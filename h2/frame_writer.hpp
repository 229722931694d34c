// h2pb::h2 — serializing HTTP/2 frames (RFC 9113 §4.1, §6).
//
// Each write_<type>() appends one complete frame to a wire::buffer: the
// 9-octet header with the reserved bit 0 and only defined flags set, then
// the payload. Padding, when asked for, is written as zeros (§6.1: "Padding
// octets MUST be set to zero when sending"). The writers do not check the
// peer's SETTINGS_MAX_FRAME_SIZE: the connection splits what it sends.
//
// write_frame() writes any header and payload as given, including ones that
// break the rules; tests use it to build the bytes a misbehaving peer sends.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include <h2pb/h2/error_code.hpp>
#include <h2pb/h2/frame.hpp>
#include <h2pb/h2/settings.hpp>
#include <h2pb/wire/buffer.hpp>

namespace h2pb::h2 {

/// The 24 octets every client sends first (§3.4): "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".
inline constexpr std::string_view client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Appends a frame header.
inline void write_frame_header(wire::buffer& out, std::uint32_t length, frame_type type,
                               std::uint8_t flags, std::uint32_t stream_id) {
    store_frame_header(out.prepare(frame_header_size), {length, type, flags, stream_id});
    out.commit(frame_header_size);
}

/// Appends any frame as given: header fields and payload are not checked.
inline void write_frame(wire::buffer& out, frame_type type, std::uint8_t flags,
                        std::uint32_t stream_id, wire::bytes_view payload) {
    write_frame_header(out, static_cast<std::uint32_t>(payload.size()), type, flags, stream_id);
    out.append(payload);
}

namespace detail {
inline void write_zeros(wire::buffer& out, std::size_t n) {
    if (n == 0) return;
    std::memset(out.prepare(n), 0, n);
    out.commit(n);
}
/// Length of a payload with optional padding: the Pad Length octet plus the padding.
constexpr std::uint32_t padded_length(std::size_t content, int pad) noexcept {
    return static_cast<std::uint32_t>(content + (pad >= 0 ? 1 + static_cast<std::size_t>(pad) : 0));
}
inline void store_priority(wire::buffer& out, const priority_fields& p) {
    out.put_u32((p.exclusive ? 0x80000000u : 0u) | (p.dependency & max_stream_id));
    out.put_u8(p.weight);
}
}  // namespace detail

/// DATA (§6.1). pad < 0: no PADDED flag; pad >= 0: PADDED with that many zero octets.
inline void write_data(wire::buffer& out, std::uint32_t stream_id, wire::bytes_view data,
                       bool end_stream, int pad = -1) {
    std::uint8_t flags = end_stream ? flag::end_stream : 0;
    if (pad >= 0) flags |= flag::padded;
    write_frame_header(out, detail::padded_length(data.size(), pad), frame_type::data, flags,
                       stream_id);
    if (pad >= 0) out.put_u8(static_cast<std::uint8_t>(pad));
    out.append(data);
    if (pad > 0) detail::write_zeros(out, static_cast<std::size_t>(pad));
}

/// Options of a HEADERS frame beyond its fragment.
struct headers_options {
    bool end_stream = false;
    bool end_headers = true;
    int pad = -1;                               ///< < 0: not PADDED
    const priority_fields* priority = nullptr;  ///< non-null: PRIORITY flag and fields
};

/// HEADERS (§6.2) carrying one field block fragment.
inline void write_headers(wire::buffer& out, std::uint32_t stream_id, wire::bytes_view fragment,
                          const headers_options& o = {}) {
    std::uint8_t flags = 0;
    if (o.end_stream) flags |= flag::end_stream;
    if (o.end_headers) flags |= flag::end_headers;
    if (o.pad >= 0) flags |= flag::padded;
    if (o.priority) flags |= flag::priority;
    const std::size_t content = fragment.size() + (o.priority ? 5 : 0);
    write_frame_header(out, detail::padded_length(content, o.pad), frame_type::headers, flags,
                       stream_id);
    if (o.pad >= 0) out.put_u8(static_cast<std::uint8_t>(o.pad));
    if (o.priority) detail::store_priority(out, *o.priority);
    out.append(fragment);
    if (o.pad > 0) detail::write_zeros(out, static_cast<std::size_t>(o.pad));
}

/// PRIORITY (§6.3). Deprecated (§5.3.2); h2pb never sends it except in tests.
inline void write_priority(wire::buffer& out, std::uint32_t stream_id, const priority_fields& p) {
    write_frame_header(out, 5, frame_type::priority, 0, stream_id);
    detail::store_priority(out, p);
}

/// RST_STREAM (§6.4).
inline void write_rst_stream(wire::buffer& out, std::uint32_t stream_id, error_code code) {
    write_frame_header(out, 4, frame_type::rst_stream, 0, stream_id);
    out.put_u32(static_cast<std::uint32_t>(code));
}

/// SETTINGS (§6.5) with the given entries, in order.
inline void write_settings(wire::buffer& out, std::span<const setting> entries) {
    write_frame_header(out, static_cast<std::uint32_t>(6 * entries.size()), frame_type::settings, 0,
                       0);
    for (const setting& s : entries) {
        out.put_u16(s.id);
        out.put_u32(s.value);
    }
}

/// SETTINGS with the ACK flag and no payload (§6.5.3).
inline void write_settings_ack(wire::buffer& out) {
    write_frame_header(out, 0, frame_type::settings, flag::ack, 0);
}

/// PUSH_PROMISE (§6.6). h2pb never pushes; tests use this to play a pushing server.
inline void write_push_promise(wire::buffer& out, std::uint32_t stream_id,
                               std::uint32_t promised_stream_id, wire::bytes_view fragment,
                               bool end_headers = true, int pad = -1) {
    std::uint8_t flags = end_headers ? flag::end_headers : 0;
    if (pad >= 0) flags |= flag::padded;
    write_frame_header(out, detail::padded_length(fragment.size() + 4, pad),
                       frame_type::push_promise, flags, stream_id);
    if (pad >= 0) out.put_u8(static_cast<std::uint8_t>(pad));
    out.put_u32(promised_stream_id & max_stream_id);
    out.append(fragment);
    if (pad > 0) detail::write_zeros(out, static_cast<std::size_t>(pad));
}

/// PING (§6.7) with 8 octets of opaque data.
inline void write_ping(wire::buffer& out, std::span<const wire::byte, 8> opaque, bool ack = false) {
    write_frame_header(out, 8, frame_type::ping, ack ? flag::ack : 0, 0);
    out.append(wire::bytes_view(opaque.data(), 8));
}
inline void write_ping(wire::buffer& out, std::uint64_t opaque, bool ack = false) {
    write_frame_header(out, 8, frame_type::ping, ack ? flag::ack : 0, 0);
    out.put_u64(opaque);
}

/// GOAWAY (§6.8).
inline void write_goaway(wire::buffer& out, std::uint32_t last_stream_id, error_code code,
                         wire::bytes_view debug_data = {}) {
    write_frame_header(out, static_cast<std::uint32_t>(8 + debug_data.size()), frame_type::goaway,
                       0, 0);
    out.put_u32(last_stream_id & max_stream_id);
    out.put_u32(static_cast<std::uint32_t>(code));
    out.append(debug_data);
}

/// WINDOW_UPDATE (§6.9); stream 0 is the connection window.
inline void write_window_update(wire::buffer& out, std::uint32_t stream_id,
                                std::uint32_t increment) {
    write_frame_header(out, 4, frame_type::window_update, 0, stream_id);
    out.put_u32(increment & max_window_size);
}

/// CONTINUATION (§6.10).
inline void write_continuation(wire::buffer& out, std::uint32_t stream_id,
                               wire::bytes_view fragment, bool end_headers) {
    write_frame(out, frame_type::continuation, end_headers ? flag::end_headers : 0, stream_id,
                fragment);
}

}  // namespace h2pb::h2
