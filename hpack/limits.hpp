// h2pb::hpack — every limit of the HPACK coder, with its reason.
//
// Each is a named constant (the default) and a setting of decoder_options /
// encoder_options with a setter, and each has a test that shows the byte string
// that trips it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace h2pb::hpack {

/// SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 9113 §6.5.2): until the
/// peer says otherwise, each side's dynamic table holds at most 4096 octets.
inline constexpr std::uint32_t default_max_table_size = 4096;

/// The largest decoded header list we accept by default, counted as
/// name + value + 32 octets per field (RFC 9113 §6.5.2, SETTINGS_MAX_HEADER_LIST_SIZE).
/// 16 KiB is gRPC C++'s hard limit; it bounds what one header block can make
/// us materialise, whatever the compression ratio (an "HPACK bomb" repeats a
/// one-byte reference to a large dynamic table entry, RFC 7541 §7.3).
inline constexpr std::uint32_t default_max_header_list_size = 16384;

/// The longest string literal (name or value, before Huffman decoding) a
/// decoder accepts by default. nghttp2 uses the same 64 KiB (NGHTTP2_HD_MAX_NV);
/// it bounds the scratch a single literal can ask for.
inline constexpr std::uint32_t default_max_string_length = 65536;

/// Integers are decoded into 32 bits (RFC 7541 §5.1 leaves the limit to the
/// implementation; RFC 9113 sizes and lengths all fit in 32 bits). A 32-bit
/// value above any prefix needs at most 5 continuation bytes (5 * 7 = 35 bits);
/// a sixth is rejected as errc::integer_too_long even when it only adds zero
/// bits, so that padding "80 80 80 ..." cannot make the decoder loop over
/// useless bytes. This is a property of the 32-bit representation, not a
/// tunable.
inline constexpr std::size_t max_integer_continuation_bytes = 5;

/// RFC 7541 §4.2: a header block may start with at most two dynamic table size
/// updates (the smallest size reached since the last block, then the final
/// one). A third is rejected as errc::too_many_table_size_updates.
inline constexpr unsigned max_table_size_updates_per_block = 2;

/// Each dynamic table entry counts its name and value lengths plus 32 octets,
/// an estimate of the overhead of an entry (RFC 7541 §4.1).
inline constexpr std::uint32_t entry_overhead = 32;

/// Encoder: entries whose size (name + value + 32) exceeds this fraction of the
/// table are not indexed by the default policy: they would evict most of the
/// table for one field (nghttp2 uses the same 3/4).
inline constexpr std::uint32_t default_max_indexed_entry_percent = 75;

/// Encoder: cookies shorter than this are sent never-indexed by default: short
/// values are the ones an attacker can guess and confirm through compression
/// (CRIME-style, RFC 7541 §7.1.3). nghttp2 and Firefox use 20.
inline constexpr std::uint32_t default_short_cookie_length = 20;

/// Encoder: how many fields the repeat filter remembers (a direct-mapped array
/// of 16-bit hash tags, 2 octets a slot, inside the encoder: 64 octets, no
/// allocation). The default policy leaves per-response fields (content-length,
/// last-modified, a :path naming a file...) out of the dynamic table because
/// they usually change; when the same field is sent a second time on the
/// connection, the filter has seen it and it is indexed after all, so from the
/// third time on it costs one octet. 32 slots cover the few such fields a
/// message carries; a collision only forgets a field (one more literal), and
/// two fields sharing a tag only index a field one time early.
inline constexpr std::size_t repeat_filter_slots = 32;

}  // namespace h2pb::hpack
