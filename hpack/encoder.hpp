// h2pb::hpack — the header block encoder (RFC 7541 §2, §6, §7).
//
// One encoder per connection direction; its dynamic table is the one the
// peer's decoder mirrors. For each field, in order:
//
//   1. the whole field is in the static table, or in the dynamic table and the
//      field is not sensitive            -> indexed (§6.1): one or two octets;
//   2. otherwise the name is (static table first: smaller indexes), or not
//                                        -> literal with that name index, or
//                                           with a literal name (§6.2);
//   3. the indexing policy says whether the literal is added to the dynamic
//      table (incremental indexing), not added (without indexing) or must never
//      be added by anyone (never indexed);
//   4. each string goes Huffman-coded when that is shorter (§5.2).
//
// Lookups stay O(1) as the table fills: the static table is found by a
// perfect hash of the name (static_table.hpp), the dynamic table through two
// hash indexes, one keyed by (name, value) and one by name. Each index is an
// array of bucket heads plus one "next older entry in this bucket" link per
// entry; as the dynamic table only ever evicts its oldest entries, a walk down
// a bucket can stop at the first evicted id, so evictions need no unlinking.
// The indexes are sized to the table's ring (twice as many buckets as slots)
// and rebuilt when the ring grows: an encoder whose table holds a few entries
// holds a few hundred octets of index.
//
// Sensitive fields (§7.1.3) are sent never-indexed and never looked up as a
// whole: fields marked never_indexed (a decoded field keeps the mark when it is
// forwarded), `authorization`, `proxy-authorization`, cookies shorter than 20
// octets, and any names the caller lists.
//
// The default indexing policy (default_indexing below) leaves out of the table
// what is unlikely to repeat: entries larger than 3/4 of the table, `:path`
// values with a query string or ending in a file name, and the headers whose
// values are per-response or per-resource (content-length, age, etag,
// if-modified-since, if-none-match, last-modified, location, set-cookie).
// It learns, though: a field it left out that is then sent again on the same
// connection (the same content-length and last-modified of a file served
// twice, the same "/style.css" fetched again) is indexed the second time, so
// what repeats costs one octet from then on. A small fixed array of hashes
// remembers what was sent without indexing (repeat_filter_slots in limits.hpp;
// encoder_options::index_repeats turns it off). A caller can replace the
// policy; the one it gives is followed as it is.
//
// Table size: the table is min(options.max_table_size, the peer's
// SETTINGS_HEADER_TABLE_SIZE). When either changes, the next block starts with
// a dynamic table size update — two when the size went down and up again since
// the last block: the lowest value, then the final one (§4.2).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/hpack/dynamic_table.hpp>
#include <h2pb/hpack/encoder_options.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/hpack/huffman.hpp>
#include <h2pb/hpack/integer.hpp>
#include <h2pb/hpack/limits.hpp>
#include <h2pb/hpack/static_table.hpp>
#include <h2pb/wire/buffer.hpp>

namespace h2pb::hpack {

/// How a literal field is sent (§6.2).
inline indexing default_indexing(
    const field& f, std::uint8_t static_name_index, std::uint32_t table_max,
    std::uint32_t max_indexed_entry_percent = default_max_indexed_entry_percent) noexcept {
    if (f.size() * 100 > std::uint64_t{table_max} * max_indexed_entry_percent) {
        return indexing::without;
    }
    switch (static_name_index) {
        case static_index::path: {
            // A query string makes a path unique to its request; a file name
            // (a '.' in the last segment: "/img/logo-130528.png") names one
            // resource, fetched once. Other paths ("/", "/news/", gRPC's
            // "/pkg.Service/Method") tend to repeat on a connection.
            const std::string_view v = f.value;
            if (v.find('?') != std::string_view::npos) return indexing::without;
            const std::size_t slash = v.rfind('/');
            const std::string_view last = slash == std::string_view::npos ? v : v.substr(slash + 1);
            return last.find('.') == std::string_view::npos ? indexing::incremental
                                                            : indexing::without;
        }
        case static_index::age:
        case static_index::content_length:
        case static_index::etag:
        case static_index::if_modified_since:
        case static_index::if_none_match:
        case static_index::last_modified:
        case static_index::location:
        case static_index::set_cookie:
            return indexing::without;
        default:
            return indexing::incremental;
    }
}

class encoder {
  public:
    explicit encoder(encoder_options options = {})
        : options_(std::move(options)), table_(default_max_table_size) {
        peer_max_ = default_max_table_size;
        const std::uint32_t effective = std::min(options_.max_table_size, peer_max_);
        if (effective != table_.max_size()) {
            pending_min_ = pending_final_ = effective;
            update_pending_ = true;
        }
        rebuild_index();
    }

    encoder(const encoder&) = delete;
    encoder& operator=(const encoder&) = delete;
    encoder(encoder&&) noexcept = default;
    encoder& operator=(encoder&&) noexcept = default;

    /// The peer's SETTINGS_HEADER_TABLE_SIZE changed (and we acknowledged it).
    /// The next block starts with the dynamic table size update(s) it needs.
    void set_peer_max_table_size(std::uint32_t size) {
        if (size == peer_max_) return;
        peer_max_ = size;
        note_effective_size();
    }
    /// Our own cap changed.
    void set_max_table_size(std::uint32_t size) {
        if (size == options_.max_table_size) return;
        options_.max_table_size = size;
        note_effective_size();
    }
    void set_huffman(huffman_policy h) noexcept { options_.huffman = h; }
    void set_policy(std::function<indexing(const field&)> policy) {
        options_.policy = std::move(policy);
    }
    void set_short_cookie_length(std::uint32_t n) noexcept { options_.short_cookie_length = n; }
    void set_max_indexed_entry_percent(std::uint32_t p) noexcept {
        options_.max_indexed_entry_percent = p;
    }
    void add_sensitive_name(std::string name) {
        options_.sensitive_names.push_back(std::move(name));
    }

    const encoder_options& options() const noexcept { return options_; }
    const dynamic_table& table() const noexcept { return table_; }
    std::size_t table_size() const noexcept { return table_.size(); }
    /// Heap memory of the hash indexes, in octets (the table's own is
    /// table().memory()).
    std::size_t index_memory() const noexcept {
        return (heads_nv_.capacity() + heads_n_.capacity()) * sizeof(std::uint64_t) +
               links_.capacity() * sizeof(link);
    }

    /// Appends one complete header block encoding `fields`, in order. Names
    /// and values must be shorter than 2^32 octets.
    void encode(std::span<const field> fields, wire::buffer& out) {
        if (update_pending_) {
            byte* p = out.prepare(2 * max_integer_size);
            out.commit(static_cast<std::size_t>(write_size_updates(p) - p));
        }
        const std::size_t growth = options_.huffman == huffman_policy::always ? 4 : 1;
        for (const field& f : fields) {
            // Room for the representation, two string lengths, the strings
            // (Huffman can be longer only when forced) and the 3 octets
            // write_string may scribble past its end.
            byte* p = out.prepare(1 + 2 * max_integer_size + 3 +
                                  (f.name.size() + f.value.size()) * growth);
            out.commit(static_cast<std::size_t>(encode_field(f, p) - p));
        }
    }
    void encode(std::initializer_list<field> fields, wire::buffer& out) {
        encode(std::span<const field>(fields.begin(), fields.size()), out);
    }

  private:
    /// Per-entry links of the hash indexes, one per ring slot of the table.
    struct link {
        std::uint32_t hash_nv = 0;  ///< hash of (name, value)
        std::uint32_t hash_n = 0;   ///< hash of name
        std::uint64_t next_nv = 0;  ///< id + 1 of the next older entry in its (name, value) bucket
        std::uint64_t next_n = 0;   ///< id + 1 of the next older entry in its name bucket
    };

    static constexpr std::uint64_t k1 = 0x9e3779b97f4a7c15ull;
    static constexpr std::uint64_t k2 = 0xbf58476d1ce4e5b9ull;

    /// A fast hash of short strings (8 octets at a time).
    static std::uint64_t hash(std::string_view s, std::uint64_t seed) noexcept {
        const char* p = s.data();
        std::size_t n = s.size();
        std::uint64_t h = seed ^ (n * k1);
        while (n >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            h = (h ^ w) * k2;
            h ^= h >> 31;
            p += 8;
            n -= 8;
        }
        std::uint64_t w = 0;
        if (n >= 4) {
            std::uint32_t a, b;
            std::memcpy(&a, p, 4);
            std::memcpy(&b, p + n - 4, 4);
            w = a | (std::uint64_t{b} << 32);
        } else if (n > 0) {
            w = static_cast<unsigned char>(p[0]) |
                (static_cast<unsigned>(static_cast<unsigned char>(p[n / 2])) << 8) |
                (static_cast<unsigned>(static_cast<unsigned char>(p[n - 1])) << 16);
        }
        h = (h ^ w) * k1;
        return h ^ (h >> 32);
    }

    void note_effective_size() {
        const std::uint32_t effective = std::min(options_.max_table_size, peer_max_);
        pending_min_ = update_pending_ ? std::min(pending_min_, effective) : effective;
        pending_final_ = effective;
        update_pending_ = true;
    }

    /// §4.2, §6.3: signal the lowest size since the last block if it is below
    /// the current one, then the final size. The final size is sent even when
    /// it did not change (the peer raised its setting above our cap, say): the
    /// peer's decoder then knows what we use, as with nghttp2's encoder.
    byte* write_size_updates(byte* p) {
        bool wrote = false;
        if (pending_min_ < table_.max_size()) {
            p = encode_integer(p, pending_min_, 5, 0x20);
            resize_table(pending_min_);
            wrote = true;
        }
        if (pending_final_ != table_.max_size() || !wrote) {
            p = encode_integer(p, pending_final_, 5, 0x20);
            resize_table(pending_final_);
        }
        update_pending_ = false;
        return p;
    }

    void resize_table(std::uint32_t size) {
        const std::size_t ring = table_.ring_capacity();
        table_.set_max_size(size);
        if (table_.ring_capacity() != ring) rebuild_index();
    }

    /// (Re)builds the hash indexes for the table's current ring capacity:
    /// twice as many buckets as ring slots, so the index grows with the
    /// table (nothing while the table has never held an entry).
    void rebuild_index() {
        const std::size_t ring = table_.ring_capacity();
        if (ring == 0) {
            mask_ = 0;
            heads_nv_ = decltype(heads_nv_)();
            heads_n_ = decltype(heads_n_)();
            links_ = decltype(links_)();
            return;
        }
        const std::size_t buckets = std::max<std::size_t>(ring * 2, 16);
        mask_ = buckets - 1;
        heads_nv_.assign(buckets, 0);
        heads_n_.assign(buckets, 0);
        links_.assign(ring, link{});
        for (std::uint64_t id = table_.oldest_id(); id < table_.inserted(); ++id) {
            const auto e = table_.by_id(id);
            const std::uint8_t sn = find_static_name(e.name);
            const std::uint64_t hn = sn != 0 ? sn : hash(e.name, 0);
            link_entry(id, static_cast<std::uint32_t>(hash(e.value, hn)),
                       static_cast<std::uint32_t>(hn), sn == 0);
        }
    }

    void link_entry(std::uint64_t id, std::uint32_t hnv, std::uint32_t hn, bool name_chain) {
        link& l = links_[table_.slot_of_id(id)];
        l.hash_nv = hnv;
        l.hash_n = hn;
        std::uint64_t& head_nv = heads_nv_[hnv & mask_];
        l.next_nv = head_nv;
        head_nv = id + 1;
        if (name_chain) {
            std::uint64_t& head_n = heads_n_[hn & mask_];
            l.next_n = head_n;
            head_n = id + 1;
        } else {
            l.next_n = 0;
        }
    }

    /// HPACK index of the dynamic entry `id`.
    std::uint32_t index_of(std::uint64_t id) const noexcept {
        return static_cast<std::uint32_t>(static_table_size + (table_.inserted() - id));
    }

    /// The newest entry equal to (name, value), as id + 1 (0: none).
    std::uint64_t find_full(const field& f, std::uint32_t hnv) const noexcept {
        const std::uint64_t oldest = table_.oldest_id();
        for (std::uint64_t ref = heads_nv_[hnv & mask_]; ref > oldest;) {
            const std::uint64_t id = ref - 1;
            const link& l = links_[table_.slot_of_id(id)];
            if (l.hash_nv == hnv && table_.equals(id, f.name, f.value)) return ref;
            ref = l.next_nv;
        }
        return 0;
    }
    /// The newest entry named `name` (a name not in the static table), as id + 1.
    std::uint64_t find_name(std::string_view name, std::uint32_t hn) const noexcept {
        const std::uint64_t oldest = table_.oldest_id();
        for (std::uint64_t ref = heads_n_[hn & mask_]; ref > oldest;) {
            const std::uint64_t id = ref - 1;
            const link& l = links_[table_.slot_of_id(id)];
            if (l.hash_n == hn && table_.name_equals(id, name)) return ref;
            ref = l.next_n;
        }
        return 0;
    }

    /// The repeat filter: true when the field hashed to `hnv` was sent
    /// without indexing before (and worth a table entry: it fits the size
    /// limit of the default policy); otherwise remembers it. A slot holds 16
    /// bits of the hash with the low bit set, so an empty slot (0) never
    /// matches; other bits of the hash pick the slot.
    bool seen_before(const field& f, std::uint32_t hnv) noexcept {
        if (f.size() * 100 >
            std::uint64_t{table_.max_size()} * options_.max_indexed_entry_percent) {
            return false;
        }
        const auto tag = static_cast<std::uint16_t>((hnv >> 16) | 1u);
        std::uint16_t& slot = repeat_filter_[hnv % repeat_filter_slots];
        if (slot == tag) {
            slot = 0;
            return true;
        }
        slot = tag;
        return false;
    }

    bool sensitive(const field& f, std::uint8_t static_name_index) const noexcept {
        if (f.never_indexed) return true;
        switch (static_name_index) {
            case static_index::authorization:
            case static_index::proxy_authorization:
                return true;
            case static_index::cookie:
                return f.value.size() < options_.short_cookie_length;
            default:
                break;
        }
        for (const auto& n : options_.sensitive_names) {
            if (n == f.name) return true;
        }
        return false;
    }

    /// Writes a string literal (§5.2): H bit, 7-bit-prefix length, octets.
    /// May scribble up to 3 octets past what it finally writes.
    byte* write_string(byte* p, std::string_view s) const noexcept {
        const auto length = static_cast<std::uint32_t>(s.size());
        if (options_.huffman == huffman_policy::shorter && length < 127) {
            // One pass: try Huffman after a one-octet length (both lengths fit
            // in it); fall back to the raw octets if it is not shorter.
            if (byte* end = huffman::encode_if_shorter(s, p + 1)) {
                *p = static_cast<byte>(0x80 | (end - p - 1));
                return end;
            }
            *p = static_cast<byte>(length);
            if (length != 0) std::memcpy(p + 1, s.data(), length);
            return p + 1 + length;
        }
        bool use_huffman = false;
        std::size_t huffman_length = 0;
        switch (options_.huffman) {
            case huffman_policy::shorter:
                huffman_length = huffman::encoded_size(s);
                use_huffman = huffman_length < s.size();
                break;
            case huffman_policy::always:
                huffman_length = huffman::encoded_size(s);
                use_huffman = true;
                break;
            case huffman_policy::never:
                break;
        }
        if (use_huffman) {
            p = encode_integer(p, static_cast<std::uint32_t>(huffman_length), 7, 0x80);
            return huffman::encode(s, p);
        }
        p = encode_integer(p, length, 7, 0x00);
        if (length != 0) std::memcpy(p, s.data(), length);
        return p + length;
    }

    byte* encode_field(const field& f, byte* p) {
        const static_match sm = find_static(f.name, f.value);
        const bool secret = sensitive(f, sm.name_index);
        if (sm.full_index != 0 && !secret) {
            return encode_integer(p, sm.full_index, 7, 0x80);  // §6.1
        }
        // Hashes: a static name stands for itself (its index), so only the
        // value is hashed for it.
        const bool have_table = !table_.empty();
        std::uint64_t hn = 0;
        std::uint32_t hnv = 0;
        bool hashed = false;
        const auto compute_hashes = [&] {
            hn = sm.name_index != 0 ? sm.name_index : hash(f.name, 0);
            hnv = static_cast<std::uint32_t>(hash(f.value, hn));
            hashed = true;
        };
        if (have_table && !secret) {
            compute_hashes();
            if (const std::uint64_t ref = find_full(f, hnv)) {
                return encode_integer(p, index_of(ref - 1), 7, 0x80);  // §6.1
            }
        }
        std::uint32_t name_index = sm.name_index;
        if (name_index == 0 && have_table) {
            if (!hashed) compute_hashes();
            if (const std::uint64_t ref = find_name(f.name, static_cast<std::uint32_t>(hn))) {
                name_index = index_of(ref - 1);
            }
        }
        indexing mode = indexing::never;
        if (options_.policy) {
            if (!secret) mode = options_.policy(f);
        } else if (!secret) {
            mode = default_indexing(f, sm.name_index, table_.max_size(),
                                    options_.max_indexed_entry_percent);
            if (mode == indexing::without && options_.index_repeats) {
                if (!hashed) compute_hashes();
                if (seen_before(f, hnv)) mode = indexing::incremental;
            }
        }
        switch (mode) {
            case indexing::incremental:
                p = encode_integer(p, name_index, 6, 0x40);
                break;
            case indexing::without:
                p = encode_integer(p, name_index, 4, 0x00);
                break;
            case indexing::never:
                p = encode_integer(p, name_index, 4, 0x10);
                break;
        }
        if (name_index == 0) p = write_string(p, f.name);
        p = write_string(p, f.value);
        if (mode == indexing::incremental) {
            if (!hashed) compute_hashes();
            const std::size_t ring = table_.ring_capacity();
            if (table_.insert(f.name, f.value)) {
                if (table_.ring_capacity() != ring) {
                    rebuild_index();
                } else {
                    link_entry(table_.inserted() - 1, hnv, static_cast<std::uint32_t>(hn),
                               sm.name_index == 0);
                }
            }
        }
        return p;
    }

    encoder_options options_;
    dynamic_table table_;
    std::array<std::uint16_t, repeat_filter_slots> repeat_filter_{};
    std::vector<std::uint64_t> heads_nv_;
    std::vector<std::uint64_t> heads_n_;
    std::vector<link> links_;
    std::size_t mask_ = 0;
    std::uint32_t peer_max_ = default_max_table_size;
    std::uint32_t pending_min_ = 0;
    std::uint32_t pending_final_ = 0;
    bool update_pending_ = false;
};

}  // namespace h2pb::hpack
