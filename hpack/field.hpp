// h2pb::hpack — one header field, as the decoder emits it and the encoder takes it.
//
// A header list is a sequence of (name, value) pairs of octets (RFC 7541 §1.3);
// HTTP/2 requires lowercase names and puts pseudo-header fields (":method",
// ":path", ...) first, but HPACK itself does not care: it compresses octets.
//
// `never_indexed` is the one bit of representation that must survive a hop
// (RFC 7541 §6.2.3, §7.1.3): a field that arrived as "literal never indexed"
// must be sent on the same way by an intermediary, so that a value the origin
// marked sensitive (a password, a short cookie) is never put in a compression
// table where it could be probed. The decoder sets it; the encoder honours it.
#pragma once

#include <cstddef>
#include <string_view>

namespace h2pb::hpack {

struct field {
    std::string_view name;
    std::string_view value;
    /// decoder: the field was sent "never indexed" (RFC 7541 §6.2.3);
    /// encoder: the field must be sent never indexed.
    bool never_indexed = false;

    /// The size the field counts for in a dynamic table (RFC 7541 §4.1) and in
    /// a header list (RFC 9113 §6.5.2): name + value + 32 octets.
    constexpr std::size_t size() const noexcept { return name.size() + value.size() + 32; }

    friend constexpr bool operator==(const field&, const field&) = default;
};

}  // namespace h2pb::hpack
