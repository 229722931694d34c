// h2pb::hpack — the static table (RFC 7541 §2.3.1, Appendix A).
//
// 61 predefined header fields, indexes 1..61. HPACK's address space puts the
// static table first and the dynamic table right after it (§2.3.3):
//
//   <----------  Static Table  ---------->  <--  Dynamic Table  -->
//   +---+-----------+---+                   +---+-----------+---+
//   | 1 |    ...    | 61|                   |62 |    ...    | k |
//   +---+-----------+---+                   +---+-----------+---+
//                                           newest    ...   oldest
//
// Decoders look entries up by index (an array access). Encoders look them up by
// name (and value): find_static() hashes the name with a function that is
// perfect over the 52 distinct static names (checked at compile time below),
// so a lookup costs one hash, one string comparison and, for the 9 names that
// carry values (":method", ":path", ":scheme", ":status", "accept-encoding"),
// a comparison against each of their few values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <h2pb/hpack/compare.hpp>

namespace h2pb::hpack {

struct static_entry {
    std::string_view name;
    std::string_view value;
};

/// Number of entries in the static table; dynamic indexes start after it.
inline constexpr std::size_t static_table_size = 61;

/// The static table, indexed by HPACK index (entry 0 is unused: index 0 is an
/// error in an indexed representation and means "literal name" in a literal).
inline constexpr std::array<static_entry, static_table_size + 1> static_table = {{
    {"", ""},                              // 0: not an entry
    {":authority", ""},                    // 1
    {":method", "GET"},                    // 2
    {":method", "POST"},                   // 3
    {":path", "/"},                        // 4
    {":path", "/index.html"},              // 5
    {":scheme", "http"},                   // 6
    {":scheme", "https"},                  // 7
    {":status", "200"},                    // 8
    {":status", "204"},                    // 9
    {":status", "206"},                    // 10
    {":status", "304"},                    // 11
    {":status", "400"},                    // 12
    {":status", "404"},                    // 13
    {":status", "500"},                    // 14
    {"accept-charset", ""},                // 15
    {"accept-encoding", "gzip, deflate"},  // 16
    {"accept-language", ""},               // 17
    {"accept-ranges", ""},                 // 18
    {"accept", ""},                        // 19
    {"access-control-allow-origin", ""},   // 20
    {"age", ""},                           // 21
    {"allow", ""},                         // 22
    {"authorization", ""},                 // 23
    {"cache-control", ""},                 // 24
    {"content-disposition", ""},           // 25
    {"content-encoding", ""},              // 26
    {"content-language", ""},              // 27
    {"content-length", ""},                // 28
    {"content-location", ""},              // 29
    {"content-range", ""},                 // 30
    {"content-type", ""},                  // 31
    {"cookie", ""},                        // 32
    {"date", ""},                          // 33
    {"etag", ""},                          // 34
    {"expect", ""},                        // 35
    {"expires", ""},                       // 36
    {"from", ""},                          // 37
    {"host", ""},                          // 38
    {"if-match", ""},                      // 39
    {"if-modified-since", ""},             // 40
    {"if-none-match", ""},                 // 41
    {"if-range", ""},                      // 42
    {"if-unmodified-since", ""},           // 43
    {"last-modified", ""},                 // 44
    {"link", ""},                          // 45
    {"location", ""},                      // 46
    {"max-forwards", ""},                  // 47
    {"proxy-authenticate", ""},            // 48
    {"proxy-authorization", ""},           // 49
    {"range", ""},                         // 50
    {"referer", ""},                       // 51
    {"refresh", ""},                       // 52
    {"retry-after", ""},                   // 53
    {"server", ""},                        // 54
    {"set-cookie", ""},                    // 55
    {"strict-transport-security", ""},     // 56
    {"transfer-encoding", ""},             // 57
    {"user-agent", ""},                    // 58
    {"vary", ""},                          // 59
    {"via", ""},                           // 60
    {"www-authenticate", ""},              // 61
}};

/// Static indexes of the names the encoder's default policies care about.
namespace static_index {
inline constexpr std::uint8_t authority = 1;
inline constexpr std::uint8_t method_get = 2;
inline constexpr std::uint8_t path = 4;
inline constexpr std::uint8_t status_200 = 8;
inline constexpr std::uint8_t age = 21;
inline constexpr std::uint8_t authorization = 23;
inline constexpr std::uint8_t content_length = 28;
inline constexpr std::uint8_t cookie = 32;
inline constexpr std::uint8_t etag = 34;
inline constexpr std::uint8_t if_modified_since = 40;
inline constexpr std::uint8_t if_none_match = 41;
inline constexpr std::uint8_t last_modified = 44;
inline constexpr std::uint8_t location = 46;
inline constexpr std::uint8_t proxy_authorization = 49;
inline constexpr std::uint8_t set_cookie = 55;
}  // namespace static_index

/// What the static table has for a field: the index of the first entry with
/// its name (0: none), and of the entry with its name and value (0: none).
struct static_match {
    std::uint8_t name_index = 0;
    std::uint8_t full_index = 0;
};

namespace detail {

inline constexpr std::size_t static_name_slots = 128;

/// A hash that happens to be perfect over the static table's names (found by a
/// small search; build_static_name_slots() proves it at compile time).
constexpr std::size_t static_name_hash(std::string_view n) noexcept {
    const auto c = [&](std::size_t i) {
        return static_cast<std::size_t>(static_cast<unsigned char>(n[i]));
    };
    return ((n.size() * 12 + c(1) * 21 + c(n.size() - 1)) ^ c(n.size() / 2)) % static_name_slots;
}

struct static_name_slot {
    std::uint8_t first = 0;  ///< first index with this name; 0 = empty slot
    std::uint8_t count = 0;  ///< consecutive entries with this name
};

consteval std::array<static_name_slot, static_name_slots> build_static_name_slots() {
    std::array<static_name_slot, static_name_slots> slots{};
    for (std::size_t i = 1; i <= static_table_size; ++i) {
        const std::string_view name = static_table[i].name;
        if (i > 1 && static_table[i - 1].name == name) continue;  // counted with its first entry
        auto& slot = slots[static_name_hash(name)];
        if (slot.first != 0) throw "static_name_hash is not perfect over the static table's names";
        slot.first = static_cast<std::uint8_t>(i);
        for (std::size_t j = i; j <= static_table_size && static_table[j].name == name; ++j)
            ++slot.count;
    }
    return slots;
}

inline constexpr auto static_name_slots_table = build_static_name_slots();

}  // namespace detail

/// The static index of the first entry named `name`, or 0.
inline std::uint8_t find_static_name(std::string_view name) noexcept {
    if (name.size() < 3) return 0;  // the shortest static name is "age"/"via"
    const auto& slot = detail::static_name_slots_table[detail::static_name_hash(name)];
    if (slot.first == 0 || !equal_octets(static_table[slot.first].name, name)) return 0;
    return slot.first;
}

/// The static entries matching a field's name, and its name and value.
inline static_match find_static(std::string_view name, std::string_view value) noexcept {
    if (name.size() < 3) return {};
    const auto& slot = detail::static_name_slots_table[detail::static_name_hash(name)];
    if (slot.first == 0 || !equal_octets(static_table[slot.first].name, name)) return {};
    static_match m{slot.first, 0};
    for (std::uint8_t i = slot.first; i < slot.first + slot.count; ++i) {
        if (equal_octets(static_table[i].value, value)) {
            m.full_index = i;
            break;
        }
    }
    return m;
}

}  // namespace h2pb::hpack
