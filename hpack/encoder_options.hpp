// h2pb::hpack — what an encoder can be told (encoder.hpp): the indexing of
// a field (RFC 7541 §6.2), when to Huffman-code a string (§5.2), the table
// size cap. A header of its own so that option structs (h2's
// connection_options, the Asio drivers' options) can hold one without the
// encoder's code.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <h2pb/hpack/field.hpp>
#include <h2pb/hpack/limits.hpp>

namespace h2pb::hpack {

enum class indexing : std::uint8_t {
    incremental,  ///< §6.2.1: added to the dynamic table
    without,      ///< §6.2.2: not added
    never,        ///< §6.2.3: not added, and intermediaries must not add it either
};

/// When string literals are Huffman-coded.
enum class huffman_policy : std::uint8_t {
    shorter,  ///< when the Huffman code is shorter than the raw octets (default)
    always,
    never,
};

/// The default indexing policy. `static_name_index` is the field's name in the
/// static table (0: none), `table_max` the dynamic table's maximum size.
struct encoder_options {
    /// The largest dynamic table we use, whatever the peer allows.
    std::uint32_t max_table_size = default_max_table_size;
    huffman_policy huffman = huffman_policy::shorter;
    /// Replaces default_indexing when set. Sensitive fields are never-indexed
    /// whatever it says; it is asked about the others.
    std::function<indexing(const field&)> policy;
    /// Entries larger than this percentage of the table are not indexed by the
    /// default policy.
    std::uint32_t max_indexed_entry_percent = default_max_indexed_entry_percent;
    /// Cookies shorter than this are sent never-indexed (0: none are).
    std::uint32_t short_cookie_length = default_short_cookie_length;
    /// More names (lowercase) whose fields are always sent never-indexed.
    std::vector<std::string> sensitive_names;
    /// With the default policy: a field it would send without indexing is
    /// indexed when it is sent a second time (see the top of this file).
    bool index_repeats = true;
};

}  // namespace h2pb::hpack
