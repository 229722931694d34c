// h2pb::hpack — what the decoder saw, representation by representation.
//
// A header block is a sequence of representations (RFC 7541 §6). The first
// octet's high bits say which:
//
//   1xxxxxxx  indexed header field            §6.1   index on 7 bits
//   01xxxxxx  literal, incremental indexing   §6.2.1 name index on 6 bits
//   001xxxxx  dynamic table size update       §6.3   max size on 5 bits
//   0001xxxx  literal, never indexed          §6.2.3 name index on 4 bits
//   0000xxxx  literal, without indexing       §6.2.2 name index on 4 bits
//
// A literal's name index 0 means the name follows as a string literal; each
// string starts with an H bit (Huffman or raw) and a 7-bit-prefix length.
//
// The decoder can report each representation to an observer (decoder::decode's
// third argument): this is how `h2pb hpack` prints what the real decoder
// decoded, octet ranges and all, instead of re-parsing the block itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <h2pb/hpack/field.hpp>

namespace h2pb::hpack {

enum class representation_kind : std::uint8_t {
    indexed,                   ///< §6.1
    literal_with_indexing,     ///< §6.2.1
    literal_without_indexing,  ///< §6.2.2
    literal_never_indexed,     ///< §6.2.3
    table_size_update,         ///< §6.3
};

/// The kind in RFC 7541 §6's words ("Indexed Header Field Representation",
/// "Literal Header Field with Incremental Indexing", ...), shortened.
constexpr std::string_view name(representation_kind k) noexcept {
    switch (k) {
        case representation_kind::indexed:
            return "indexed field";
        case representation_kind::literal_with_indexing:
            return "literal with incremental indexing";
        case representation_kind::literal_without_indexing:
            return "literal without indexing";
        case representation_kind::literal_never_indexed:
            return "literal never indexed";
        case representation_kind::table_size_update:
            return "dynamic table size update";
    }
    return "unknown";
}

/// Short stable identifier of each kind, for JSON output.
constexpr std::string_view id(representation_kind k) noexcept {
    switch (k) {
        case representation_kind::indexed:
            return "indexed";
        case representation_kind::literal_with_indexing:
            return "literal_with_indexing";
        case representation_kind::literal_without_indexing:
            return "literal_without_indexing";
        case representation_kind::literal_never_indexed:
            return "literal_never_indexed";
        case representation_kind::table_size_update:
            return "table_size_update";
    }
    return "unknown";
}

/// A string literal as it was on the wire.
struct literal_string {
    std::size_t offset = 0;  ///< offset of its first octet (the H bit and length) in the block
    std::size_t length = 0;  ///< octets of string data after the length prefix
    bool huffman = false;    ///< H bit
    bool present = false;    ///< false: the name came from a table (name index != 0)
};

struct representation {
    representation_kind kind = representation_kind::indexed;
    std::size_t offset = 0;  ///< first octet in the block
    std::size_t length = 0;  ///< octets it took
    /// indexed: the index; literal: the name index (0 = literal name);
    /// size update: the new maximum size.
    std::uint32_t index = 0;
    literal_string name;   ///< literals with a literal name
    literal_string value;  ///< literals
    /// The field (not for size updates). Its views are valid during the
    /// observer call, and until the next decode() when `emitted`.
    field decoded;
    bool added = false;       ///< the field was added to the dynamic table
    std::size_t evicted = 0;  ///< dynamic table entries this representation evicted
    bool emitted = false;     ///< the field was passed on (false past the header list limit)
};

/// The observer that observes nothing (the decoder's default: costs nothing).
struct no_observer {
    static constexpr bool enabled = false;
    void operator()(const representation&) const noexcept {}
};

}  // namespace h2pb::hpack
