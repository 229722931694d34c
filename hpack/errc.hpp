// h2pb::hpack — what an HPACK decoder can find wrong with a header block.
//
// Every decode in hpack/ returns `hpack::error` (code + byte offset into the
// header block). Each code names the rule of RFC 7541 (or the limit) that the
// bytes broke. RFC 9113 §4.3: a header block that cannot be decompressed is a
// connection error of type COMPRESSION_ERROR — the h2 layer maps every code to
// that, except errc::header_list_too_large, which leaves the decoder in sync
// (the whole block was still processed) and is a stream error there.
#pragma once

#include <cstdint>
#include <string_view>

#include <h2pb/wire/error.hpp>

namespace h2pb::hpack {

enum class errc : std::uint8_t {
    ok = 0,
    truncated,           ///< the block ends inside a representation
    integer_overflow,    ///< an integer does not fit in 32 bits (§5.1)
    integer_too_long,    ///< an integer has more continuation bytes than any 32-bit value needs
    index_zero,          ///< indexed field with index 0 (§6.1)
    index_out_of_range,  ///< index beyond the static and dynamic tables (§2.3.3)
    string_too_long,     ///< a string literal longer than the configured limit
    huffman_eos,         ///< the EOS symbol inside a Huffman string (§5.2)
    huffman_padding_too_long,     ///< more than 7 bits of padding (§5.2)
    huffman_padding_not_eos,      ///< padding that is not the most significant bits of EOS (§5.2)
    table_size_update_too_large,  ///< size update above our SETTINGS_HEADER_TABLE_SIZE (§6.3)
    table_size_update_not_at_start,  ///< size update after a header field (§4.2)
    too_many_table_size_updates,     ///< more than two size updates in one block (§4.2)
    missing_table_size_update,  ///< we lowered our setting and the block does not start with an
                                ///< update (§4.2)
    header_list_too_large,      ///< decoded list exceeds max_header_list_size (RFC 9113 §6.5.2)
};

constexpr std::string_view describe(errc e) noexcept {
    switch (e) {
        case errc::ok:
            return "ok";
        case errc::truncated:
            return "header block ends inside a representation";
        case errc::integer_overflow:
            return "integer does not fit in 32 bits (RFC 7541 §5.1)";
        case errc::integer_too_long:
            return "integer has more continuation bytes than a 32-bit value needs (RFC 7541 §5.1)";
        case errc::index_zero:
            return "indexed header field with index 0 (RFC 7541 §6.1)";
        case errc::index_out_of_range:
            return "index beyond the static and dynamic tables (RFC 7541 §2.3.3)";
        case errc::string_too_long:
            return "string literal longer than the configured limit";
        case errc::huffman_eos:
            return "EOS symbol inside a Huffman-coded string (RFC 7541 §5.2)";
        case errc::huffman_padding_too_long:
            return "Huffman padding longer than 7 bits (RFC 7541 §5.2)";
        case errc::huffman_padding_not_eos:
            return "Huffman padding is not the most significant bits of EOS (RFC 7541 §5.2)";
        case errc::table_size_update_too_large:
            return "dynamic table size update above SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §6.3)";
        case errc::table_size_update_not_at_start:
            return "dynamic table size update after a header field (RFC 7541 §4.2)";
        case errc::too_many_table_size_updates:
            return "more than two dynamic table size updates in one header block (RFC 7541 §4.2)";
        case errc::missing_table_size_update:
            return "header block does not start with the dynamic table size update required after "
                   "SETTINGS_HEADER_TABLE_SIZE was lowered (RFC 7541 §4.2)";
        case errc::header_list_too_large:
            return "decoded header list larger than max_header_list_size (RFC 9113 §6.5.2)";
    }
    return "unknown error";
}

/// Short stable identifier of each code (the enumerator's own name), for
/// JSON output: `describe()` is the text for people, as in every layer;
/// `id()` is the machine-readable word, as for representation_kind.
constexpr std::string_view id(errc e) noexcept {
    switch (e) {
        case errc::ok:
            return "ok";
        case errc::truncated:
            return "truncated";
        case errc::integer_overflow:
            return "integer_overflow";
        case errc::integer_too_long:
            return "integer_too_long";
        case errc::index_zero:
            return "index_zero";
        case errc::index_out_of_range:
            return "index_out_of_range";
        case errc::string_too_long:
            return "string_too_long";
        case errc::huffman_eos:
            return "huffman_eos";
        case errc::huffman_padding_too_long:
            return "huffman_padding_too_long";
        case errc::huffman_padding_not_eos:
            return "huffman_padding_not_eos";
        case errc::table_size_update_too_large:
            return "table_size_update_too_large";
        case errc::table_size_update_not_at_start:
            return "table_size_update_not_at_start";
        case errc::too_many_table_size_updates:
            return "too_many_table_size_updates";
        case errc::missing_table_size_update:
            return "missing_table_size_update";
        case errc::header_list_too_large:
            return "header_list_too_large";
    }
    return "unknown";
}

using error = wire::basic_error<errc>;

}  // namespace h2pb::hpack
