// h2pb::hpack — the header block decoder (RFC 7541 §3, §6).
//
// One decoder per connection direction: its dynamic table mirrors the peer
// encoder's, so blocks must be decoded in the order they were sent, each one
// whole (the h2 layer joins HEADERS and CONTINUATION fragments first).
//
//   hpack::decoder d;                       // 4096-octet table, 16 KiB list limit
//   auto err = d.decode(block, [&](const hpack::field& f) { ... });
//   if (err) ... err.code, err.offset      // COMPRESSION_ERROR, except
//                                          // header_list_too_large (see below)
//
// Where the fields' octets live (no copy where the bytes allow):
//   - static table entries: static storage;
//   - raw string literals: the block itself;
//   - Huffman-decoded literals and dynamic table entries: the decoder's scratch
//     (dynamic entries are copied because a later insertion in the same block
//     may overwrite their octets in the table).
// So name/value views stay valid until the next decode() call on this decoder,
// provided the caller keeps `block`'s memory alive that long.
//
// Limits (each a setting; defaults in limits.hpp):
//   - max_table_size: our SETTINGS_HEADER_TABLE_SIZE; a dynamic table size
//     update above it is an error (§6.3). Lowering it requires the next block
//     to start with an update at or below the lowest value set (§4.2).
//   - max_header_list_size: the decoded list, counted as name + value + 32 per
//     field (RFC 9113 §6.5.2). Passing it stops the callbacks at once — a
//     block that references one large entry over and over (the HPACK bomb,
//     RFC 7541 §7.3) costs one integer decode per reference and no copy — but
//     the rest of the block is still decoded, so that the dynamic table stays
//     in sync, and decode() then returns errc::header_list_too_large (unless a
//     rule of RFC 7541 is broken later in the block, which wins). The h2 layer
//     may answer that with a stream error and keep the connection.
//   - max_string_length: a literal longer than this (before Huffman
//     decoding) is errc::string_too_long.
//   - integers: 32 bits, at most 5 continuation octets (integer.hpp).
//   - at most two size updates per block, only at its start (§4.2).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include <h2pb/hpack/dynamic_table.hpp>
#include <h2pb/hpack/errc.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/hpack/huffman.hpp>
#include <h2pb/hpack/integer.hpp>
#include <h2pb/hpack/limits.hpp>
#include <h2pb/hpack/representation.hpp>
#include <h2pb/hpack/scratch.hpp>
#include <h2pb/hpack/static_table.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::hpack {

namespace detail {
/// Stands in for `representation` when nobody observes.
struct unobserved {};
}  // namespace detail

/// Where a decoded field's name and value came from, for a caller that
/// remembers what it concluded about a table entry: on_field may take
/// (const field&, field_origin). Dynamic table entries are named by their id,
/// their insertion number (dynamic_table::inserted() numbering), which is
/// never reused: a conclusion about entry `entry` stays true of its octets.
struct field_origin {
    enum class source : std::uint8_t {
        literal,        ///< a literal value (or name) on the wire, not added to the table
        static_entry,   ///< an indexed field of the static table (name and value)
        dynamic_entry,  ///< an indexed field of the dynamic table: entry `entry`
        new_entry,      ///< a literal that was added to the dynamic table as entry `entry`
    };
    source from = source::literal;
    std::uint64_t entry = 0;
};

struct decoder_options {
    /// Our SETTINGS_HEADER_TABLE_SIZE, as acknowledged by the peer: the largest
    /// dynamic table the peer's encoder may use, and the table's initial size.
    std::uint32_t max_table_size = default_max_table_size;
    /// Largest decoded header list: name + value + 32 per field (RFC 9113 §6.5.2).
    std::uint32_t max_header_list_size = default_max_header_list_size;
    /// Longest string literal accepted, in octets on the wire.
    std::uint32_t max_string_length = default_max_string_length;
};

class decoder {
  public:
    explicit decoder(decoder_options options = {})
        : options_(options), table_(options.max_table_size) {}

    /// Our acknowledged SETTINGS_HEADER_TABLE_SIZE changed. Lowering it below
    /// the table's current maximum evicts at once and makes a size update at
    /// or below the lowest value mandatory at the start of the next block.
    void set_max_table_size(std::uint32_t size) {
        options_.max_table_size = size;
        if (size < table_.max_size()) {
            lowest_required_ = update_required_ ? std::min(lowest_required_, size) : size;
            update_required_ = true;
            table_.set_max_size(size);
        }
    }
    void set_max_header_list_size(std::uint32_t size) noexcept {
        options_.max_header_list_size = size;
    }
    void set_max_string_length(std::uint32_t length) noexcept {
        options_.max_string_length = length;
    }

    const decoder_options& options() const noexcept { return options_; }
    /// Current dynamic table size in octets (sum of name + value + 32).
    std::size_t table_size() const noexcept { return table_.size(); }
    /// The dynamic table (for tools and tests).
    const dynamic_table& table() const noexcept { return table_; }
    /// Octets of scratch memory held for Huffman-decoded strings and copies
    /// of table entries (it grows with the largest block decoded).
    std::size_t scratch_capacity() const noexcept { return scratch_.capacity(); }
    /// Size of the last decoded header list (name + value + 32 per field,
    /// counting also the fields past the limit).
    std::uint64_t last_header_list_size() const noexcept { return list_size_; }

    /// Decodes one complete header block, calling on_field(const field&) —
    /// or on_field(const field&, field_origin) — for each field in order, and
    /// observer(const representation&) (if given) for each representation
    /// after it has been applied.
    template <class OnField, class Observer = no_observer>
    error decode(wire::bytes_view block, OnField&& on_field, Observer&& observer = {}) {
        return run(block, on_field, observer);
    }

  private:
    template <class OnField, class Observer>
    error run(wire::bytes_view block, OnField& on_field, Observer& observer);

    /// Reads a string literal at p (p < end is not required). On success
    /// returns the position after it and sets `out` (and `*info` when
    /// observing); on failure returns nullptr and sets `err`.
    template <bool Observe>
    const byte* read_string(const byte* begin, const byte* p, const byte* end,
                            std::string_view& out, literal_string* info, error& err);

    decoder_options options_;
    dynamic_table table_;
    scratch scratch_;
    std::uint64_t list_size_ = 0;
    std::uint32_t lowest_required_ = 0;
    bool update_required_ = false;
};

template <bool Observe>
[[gnu::always_inline]] inline const byte* decoder::read_string(const byte* begin, const byte* p,
                                                               const byte* end,
                                                               std::string_view& out,
                                                               literal_string* info, error& err) {
    if (p == end) {
        err = {errc::truncated, static_cast<std::size_t>(p - begin)};
        return nullptr;
    }
    const byte* const start = p;
    const bool huffman = (*p & 0x80) != 0;
    std::uint32_t length = 0;
    errc why = errc::ok;
    const byte* where = p;
    p = decode_integer(p, end, 7, length, why, where);
    if (p == nullptr) {
        err = {why, static_cast<std::size_t>(where - begin)};
        return nullptr;
    }
    if (length > options_.max_string_length) {
        err = {errc::string_too_long, static_cast<std::size_t>(start - begin)};
        return nullptr;
    }
    if (length > static_cast<std::size_t>(end - p)) {
        err = {errc::truncated, static_cast<std::size_t>(start - begin)};
        return nullptr;
    }
    if constexpr (Observe) *info = {static_cast<std::size_t>(start - begin), length, huffman, true};
    if (!huffman) {
        out = {reinterpret_cast<const char*>(p), length};
        return p + length;
    }
    byte* dst = scratch_.reserve(huffman::max_decoded_size(length) + huffman::decode_slack);
    std::size_t at = 0;
    byte* dst_end = huffman::decode(p, length, dst, why, at);
    if (dst_end == nullptr) {
        err = {why, static_cast<std::size_t>(p - begin) + at};
        return nullptr;
    }
    scratch_.commit(dst_end);
    out = {reinterpret_cast<const char*>(dst), static_cast<std::size_t>(dst_end - dst)};
    return p + length;
}

template <class OnField, class Observer>
error decoder::run(wire::bytes_view block, OnField& on_field, Observer& observer) {
    constexpr bool observing = !std::is_same_v<std::remove_cvref_t<Observer>, no_observer>;
    const byte* const begin = block.data();
    const byte* const end = begin + block.size();
    const byte* p = begin;
    const auto offset = [begin](const byte* at) { return static_cast<std::size_t>(at - begin); };

    scratch_.reset();
    list_size_ = 0;
    // Passes a field on, with its origin if on_field wants it.
    const auto emit_field = [&on_field](const field& f, field_origin origin) {
        if constexpr (std::is_invocable_v<OnField&, const field&, field_origin>) {
            on_field(f, origin);
        } else {
            (void)origin;
            on_field(f);
        }
    };
    const std::uint64_t max_list = options_.max_header_list_size;
    error over_limit{};        // the deferred header_list_too_large, if any
    unsigned updates = 0;      // size updates seen at the start of this block
    bool fields_seen = false;  // a field representation came first: no more updates
    errc why = errc::ok;
    const byte* where = nullptr;
    error err{};

    if (update_required_ && (p == end || (*p & 0xe0) != 0x20)) {
        return {errc::missing_table_size_update, 0};
    }

    // Copies a dynamic table string into scratch so the view outlives later
    // insertions in this block.
    const auto stable = [this](std::string_view s) -> std::string_view {
        return {reinterpret_cast<const char*>(scratch_.copy(s.data(), s.size())), s.size()};
    };
    // Counts a field against the list limit; true if it may be emitted.
    const auto admit = [&](const byte* start, std::size_t name_length, std::size_t value_length) {
        list_size_ += name_length + value_length + entry_overhead;
        if (list_size_ <= max_list) return true;
        if (!over_limit) over_limit = {errc::header_list_too_large, offset(start)};
        return false;
    };

    while (p < end) {
        const byte* const start = p;
        const byte first = *p;
        // What the observer gets; nothing at all when nobody observes.
        [[maybe_unused]] std::conditional_t<observing, representation, detail::unobserved> rep;
        if constexpr (observing) rep.offset = offset(start);

        if (first & 0x80) {
            // §6.1 Indexed Header Field: 1xxxxxxx, index on 7 bits.
            std::uint32_t index = 0;
            p = decode_integer(p, end, 7, index, why, where);
            if (p == nullptr) return {why, offset(where)};
            if (index == 0) return {errc::index_zero, offset(start)};
            fields_seen = true;
            field f;
            bool emit = false;
            field_origin origin{field_origin::source::static_entry};
            if (index <= static_table_size) [[likely]] {
                const static_entry& e = static_table[index];
                f.name = e.name;
                f.value = e.value;
                emit = admit(start, f.name.size(), f.value.size());
            } else {
                const std::size_t age = index - static_table_size - 1;
                if (age >= table_.count()) return {errc::index_out_of_range, offset(start)};
                origin = {field_origin::source::dynamic_entry, table_.inserted() - 1 - age};
                const dynamic_table::entry e = table_.at(age);
                emit = admit(start, e.name.size(), e.value.size());
                if (emit) {
                    f.name = stable(e.name);
                    f.value = stable(e.value);
                } else if constexpr (observing) {
                    // Past the limit nothing is copied (that is the point of
                    // the limit); the observer sees the table's octets, which
                    // stay put until the next insertion.
                    f.name = e.name;
                    f.value = e.value;
                }
            }
            if (emit) emit_field(f, origin);
            if constexpr (observing) {
                rep.kind = representation_kind::indexed;
                rep.index = index;
                rep.decoded = f;
                rep.emitted = emit;
            }
        } else if ((first & 0xe0) == 0x20) {
            // §6.3 Dynamic Table Size Update: 001xxxxx, new max size on 5 bits.
            // Only at the start of a block (§4.2), at most two, never above our
            // SETTINGS_HEADER_TABLE_SIZE.
            if (fields_seen) return {errc::table_size_update_not_at_start, offset(start)};
            if (++updates > max_table_size_updates_per_block) {
                return {errc::too_many_table_size_updates, offset(start)};
            }
            std::uint32_t size = 0;
            p = decode_integer(p, end, 5, size, why, where);
            if (p == nullptr) return {why, offset(where)};
            if (size > options_.max_table_size)
                return {errc::table_size_update_too_large, offset(start)};
            if (update_required_) {
                // The first update after we lowered our setting must go at
                // least as low as the lowest value we set (§4.2).
                if (size > lowest_required_)
                    return {errc::missing_table_size_update, offset(start)};
                update_required_ = false;
            }
            [[maybe_unused]] const std::size_t count_before = table_.count();
            table_.set_max_size(size);
            if constexpr (observing) {
                rep.kind = representation_kind::table_size_update;
                rep.index = size;
                rep.evicted = count_before - table_.count();
            }
        } else {
            // §6.2 Literal Header Field: 01xxxxxx with incremental indexing
            // (6-bit name index), 0001xxxx never indexed, 0000xxxx without
            // indexing (4-bit name index).
            const bool indexing = (first & 0x40) != 0;
            const bool never = !indexing && (first & 0x10) != 0;
            std::uint32_t name_index = 0;
            p = decode_integer(p, end, indexing ? 6 : 4, name_index, why, where);
            if (p == nullptr) return {why, offset(where)};
            fields_seen = true;
            field f;
            f.never_indexed = never;
            bool name_in_table = false;  // name is a view into the dynamic table
            if (name_index == 0) {
                literal_string* info = nullptr;
                if constexpr (observing) info = &rep.name;
                p = read_string<observing>(begin, p, end, f.name, info, err);
                if (p == nullptr) return err;
            } else if (name_index <= static_table_size) {
                f.name = static_table[name_index].name;
            } else {
                const std::size_t age = name_index - static_table_size - 1;
                if (age >= table_.count()) return {errc::index_out_of_range, offset(start)};
                f.name = table_.at(age).name;
                name_in_table = true;
            }
            literal_string* info = nullptr;
            if constexpr (observing) info = &rep.value;
            p = read_string<observing>(begin, p, end, f.value, info, err);
            if (p == nullptr) return err;

            const bool emit = admit(start, f.name.size(), f.value.size());
            std::string_view table_name = f.name;
            if (name_in_table && (emit || observing)) f.name = stable(f.name);
            bool added = false;
            [[maybe_unused]] const std::size_t count_before = table_.count();
            if (indexing) added = table_.insert(table_name, f.value);
            if (emit) {
                emit_field(
                    f, added ? field_origin{field_origin::source::new_entry, table_.inserted() - 1}
                             : field_origin{});
            }
            if constexpr (observing) {
                rep.kind = indexing ? representation_kind::literal_with_indexing
                           : never  ? representation_kind::literal_never_indexed
                                    : representation_kind::literal_without_indexing;
                rep.index = name_index;
                rep.decoded = f;
                rep.added = added;
                rep.evicted = count_before + (added ? 1 : 0) - table_.count();
                rep.emitted = emit;
            }
        }
        if constexpr (observing) {
            rep.length = offset(p) - rep.offset;
            observer(static_cast<const representation&>(rep));
        }
    }
    return over_limit;
}

}  // namespace h2pb::hpack
