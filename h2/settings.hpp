// h2pb::h2 — SETTINGS parameters (RFC 9113 §6.5).
//
// A SETTINGS frame carries (identifier: u16, value: u32) pairs. Six are
// defined by §6.5.2; unknown identifiers MUST be ignored (§6.5.2 last
// paragraph, §5.5). Settings describe the *sender*: the values an endpoint
// advertises constrain what its peer may send to it.
//
//   SETTINGS_HEADER_TABLE_SIZE      0x1  HPACK dynamic table the sender's decoder allows (4096)
//   SETTINGS_ENABLE_PUSH            0x2  0 or 1; a server must never send 1 (1)
//   SETTINGS_MAX_CONCURRENT_STREAMS 0x3  streams the receiver may open (unlimited)
//   SETTINGS_INITIAL_WINDOW_SIZE    0x4  initial stream flow-control window, <= 2^31-1 (65535)
//   SETTINGS_MAX_FRAME_SIZE         0x5  largest frame payload, 2^14..2^24-1 (16384)
//   SETTINGS_MAX_HEADER_LIST_SIZE   0x6  advisory header list limit (unlimited)
#pragma once

#include <cstdint>
#include <string_view>

#include <h2pb/h2/errc.hpp>

namespace h2pb::h2 {

enum class setting_id : std::uint16_t {
    header_table_size = 0x1,
    enable_push = 0x2,
    max_concurrent_streams = 0x3,
    initial_window_size = 0x4,
    max_frame_size = 0x5,
    max_header_list_size = 0x6,
};

/// "SETTINGS_HEADER_TABLE_SIZE"...; "UNKNOWN" for identifiers not in §6.5.2.
constexpr std::string_view name(setting_id id) noexcept {
    switch (id) {
        case setting_id::header_table_size:
            return "SETTINGS_HEADER_TABLE_SIZE";
        case setting_id::enable_push:
            return "SETTINGS_ENABLE_PUSH";
        case setting_id::max_concurrent_streams:
            return "SETTINGS_MAX_CONCURRENT_STREAMS";
        case setting_id::initial_window_size:
            return "SETTINGS_INITIAL_WINDOW_SIZE";
        case setting_id::max_frame_size:
            return "SETTINGS_MAX_FRAME_SIZE";
        case setting_id::max_header_list_size:
            return "SETTINGS_MAX_HEADER_LIST_SIZE";
    }
    return "UNKNOWN";
}

/// Largest flow-control window, and largest SETTINGS_INITIAL_WINDOW_SIZE (§6.9.1).
inline constexpr std::uint32_t max_window_size = 0x7fffffff;
/// Initial stream and connection window before any SETTINGS/WINDOW_UPDATE (§6.9.2).
inline constexpr std::uint32_t default_initial_window_size = 65535;
/// SETTINGS_MAX_FRAME_SIZE bounds (§4.2, §6.5.2); the lower bound is also the initial value.
inline constexpr std::uint32_t min_max_frame_size = 16384;
inline constexpr std::uint32_t max_max_frame_size = 16777215;
/// Initial SETTINGS_HEADER_TABLE_SIZE (§6.5.2, RFC 7541 §4.2).
inline constexpr std::uint32_t default_header_table_size = 4096;
/// "Unlimited" for MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE (their initial values).
inline constexpr std::uint32_t unlimited = 0xffffffff;

/// One (identifier, value) pair as it travels; the identifier may be unknown.
struct setting {
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    friend constexpr bool operator==(const setting&, const setting&) = default;
};

/// Checks one received setting against §6.5.2. `sender_is_server` matters for
/// ENABLE_PUSH, which a server may only set to 0.
constexpr errc validate(setting s, bool sender_is_server) noexcept {
    switch (static_cast<setting_id>(s.id)) {
        case setting_id::enable_push:
            if (s.value > 1) return errc::settings_enable_push_invalid;
            if (s.value == 1 && sender_is_server) return errc::settings_enable_push_by_server;
            return errc::ok;
        case setting_id::initial_window_size:
            return s.value > max_window_size ? errc::settings_initial_window_too_large : errc::ok;
        case setting_id::max_frame_size:
            return s.value < min_max_frame_size || s.value > max_max_frame_size
                       ? errc::settings_max_frame_size_invalid
                       : errc::ok;
        default:
            return errc::ok;  // the other three accept any value; unknown ids are ignored
    }
}

/// The six values one endpoint has advertised, starting from the RFC's initial values.
struct settings {
    std::uint32_t header_table_size = default_header_table_size;
    std::uint32_t enable_push = 1;
    std::uint32_t max_concurrent_streams = unlimited;
    std::uint32_t initial_window_size = default_initial_window_size;
    std::uint32_t max_frame_size = min_max_frame_size;
    std::uint32_t max_header_list_size = unlimited;

    friend constexpr bool operator==(const settings&, const settings&) = default;

    /// Stores a (validated) setting; unknown identifiers are ignored. Returns
    /// false for an unknown identifier.
    constexpr bool set(setting s) noexcept {
        switch (static_cast<setting_id>(s.id)) {
            case setting_id::header_table_size:
                header_table_size = s.value;
                return true;
            case setting_id::enable_push:
                enable_push = s.value;
                return true;
            case setting_id::max_concurrent_streams:
                max_concurrent_streams = s.value;
                return true;
            case setting_id::initial_window_size:
                initial_window_size = s.value;
                return true;
            case setting_id::max_frame_size:
                max_frame_size = s.value;
                return true;
            case setting_id::max_header_list_size:
                max_header_list_size = s.value;
                return true;
        }
        return false;
    }

    constexpr std::uint32_t get(setting_id id) const noexcept {
        switch (id) {
            case setting_id::header_table_size:
                return header_table_size;
            case setting_id::enable_push:
                return enable_push;
            case setting_id::max_concurrent_streams:
                return max_concurrent_streams;
            case setting_id::initial_window_size:
                return initial_window_size;
            case setting_id::max_frame_size:
                return max_frame_size;
            case setting_id::max_header_list_size:
                return max_header_list_size;
        }
        return 0;
    }
};

/// The six identifiers in numeric order, for iteration.
inline constexpr setting_id all_setting_ids[] = {
    setting_id::header_table_size,   setting_id::enable_push,    setting_id::max_concurrent_streams,
    setting_id::initial_window_size, setting_id::max_frame_size, setting_id::max_header_list_size,
};

}  // namespace h2pb::h2
