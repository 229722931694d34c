// h2pb::hpack — the dynamic table (RFC 7541 §2.3.2, §4).
//
// A FIFO of header fields that both ends of a connection keep in step. New
// entries go in at the front (they get the lowest dynamic index, 62), old ones
// leave from the back:
//
//   insert ->  [62: newest] [63] [64] ... [61 + count: oldest]  -> evict
//
// Its size is the sum of its entries' sizes, each name + value + 32 octets
// (§4.1), and never exceeds its maximum size (§4.2). Adding an entry first
// evicts from the oldest end until the new one fits (§4.4); an entry larger
// than the maximum empties the table and is not added. Lowering the maximum
// (a dynamic table size update, §6.3) evicts until the size fits.
//
// Storage: entry descriptors live in a ring whose capacity is a power of two,
// and name and value octets in one contiguous byte store, each entry's octets
// kept contiguous (an entry that does not fit before the end of the store goes
// to its start). The store is kept at least twice as large as the live octets
// it holds: then when the live octets wrap, the gap they leave at the end is
// shorter than the entry that wrapped, so the entry always fits. Both grow on
// demand, geometrically, as entries arrive (a fresh table holds no memory; a
// table with a few small entries, a few hundred octets), up to what the
// maximum size allows: at most max_size / 32 entries, and twice max_size
// octets. Nothing is allocated per insert once the table has reached the
// working size of its connection.
//
// Each entry also has an id, its insertion number since the table was created
// (the newest has id inserted() - 1, the oldest inserted() - count()); the
// encoder keys its hash index by id, which does not change as entries move
// down the table.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include <h2pb/hpack/compare.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/hpack/limits.hpp>

namespace h2pb::hpack {

class dynamic_table {
  public:
    /// An entry as stored: views into the table's store, valid until the
    /// table changes.
    struct entry {
        std::string_view name;
        std::string_view value;
        std::size_t size() const noexcept { return name.size() + value.size() + entry_overhead; }
    };

    explicit dynamic_table(std::uint32_t max_size = default_max_table_size) : max_size_(max_size) {}

    dynamic_table(const dynamic_table&) = delete;
    dynamic_table& operator=(const dynamic_table&) = delete;
    dynamic_table(dynamic_table&&) noexcept = default;
    dynamic_table& operator=(dynamic_table&&) noexcept = default;

    /// Current size in octets: sum of name + value + 32 over the entries.
    std::size_t size() const noexcept { return size_; }
    /// The maximum size the encoder has chosen (§4.2).
    std::uint32_t max_size() const noexcept { return max_size_; }
    /// Number of entries.
    std::size_t count() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    /// Entries ever inserted: the id the next entry will get.
    std::uint64_t inserted() const noexcept { return inserted_; }
    /// Id of the oldest entry still in the table.
    std::uint64_t oldest_id() const noexcept { return inserted_ - count_; }

    /// Entry i, 0 being the newest (HPACK index 62 + i). i < count().
    entry at(std::size_t i) const noexcept { return view(slot_of_age(i)); }
    /// The entry with id `id` (oldest_id() <= id < inserted()).
    entry by_id(std::uint64_t id) const noexcept { return view(slot_of_id(id)); }
    /// The ring slot of the entry with id `id`; slots are reused as entries are
    /// evicted, so a slot is meaningful only while its entry is in the table.
    std::size_t slot_of_id(std::uint64_t id) const noexcept {
        return static_cast<std::size_t>(id) & (ring_capacity_ - 1);
    }
    /// Whether the entry with id `id` is (name, value) / is named `name`
    /// (lengths first, then octets; for the encoder's lookups).
    bool equals(std::uint64_t id, std::string_view name, std::string_view value) const noexcept {
        const descriptor& d = ring_[slot_of_id(id)];
        if (d.name_length != name.size() || d.value_length != value.size()) return false;
        const char* p = reinterpret_cast<const char*>(store_.get()) + d.offset;
        return equal_octets(p, name.data(), name.size()) &&
               equal_octets(p + name.size(), value.data(), value.size());
    }
    bool name_equals(std::uint64_t id, std::string_view name) const noexcept {
        const descriptor& d = ring_[slot_of_id(id)];
        if (d.name_length != name.size()) return false;
        return equal_octets(reinterpret_cast<const char*>(store_.get()) + d.offset, name.data(),
                            name.size());
    }
    /// Capacity of the descriptor ring (slots are 0 .. ring_capacity() - 1;
    /// 0 until the first insert).
    std::size_t ring_capacity() const noexcept { return ring_capacity_; }
    /// Capacity of the octet store.
    std::size_t store_capacity() const noexcept { return store_capacity_; }
    /// Heap memory held, in octets (store and ring).
    std::size_t memory() const noexcept {
        return store_capacity_ + ring_capacity_ * sizeof(descriptor);
    }

    /// Sets the maximum size, evicting the oldest entries until the table fits
    /// (§4.3). Storage is not reallocated: it grows as entries arrive. A
    /// maximum of zero (the peer wants no dynamic table) releases it.
    void set_max_size(std::uint32_t max_size) {
        max_size_ = max_size;
        evict_to(max_size);
        if (max_size == 0) release();
    }

    /// Adds (name, value) at the front, evicting from the back as needed
    /// (§4.4). Returns false when the entry is larger than the maximum size: the
    /// table is then empty and the entry not added. `name` may point into this
    /// table (a literal whose name is indexed): it is copied before its octets
    /// can be overwritten.
    bool insert(std::string_view name, std::string_view value) {
        const std::size_t octets = name.size() + value.size();
        const std::size_t entry_size = octets + entry_overhead;
        if (entry_size > max_size_) {
            clear();
            return false;
        }
        while (size_ + entry_size > max_size_) evict_oldest();
        // Room for one more descriptor, and a store at least twice the live
        // octets. The old store stays alive until the copy below is done:
        // `name` may point into it.
        std::unique_ptr<std::uint8_t[]> old_store;
        if (count_ == ring_capacity_ || 2 * (live_octets() + octets) > store_capacity_)
            old_store = grow(octets);
        const std::size_t at = place(octets);
        // memmove: `name` may be an entry of this table that was just evicted
        // and whose octets overlap the place chosen for the new entry.
        if (!name.empty()) std::memmove(store_.get() + at, name.data(), name.size());
        if (!value.empty())
            std::memcpy(store_.get() + at + name.size(), value.data(), value.size());
        descriptor& d = ring_[slot_of_id(inserted_)];
        d.offset = static_cast<std::uint32_t>(at);
        d.name_length = static_cast<std::uint32_t>(name.size());
        d.value_length = static_cast<std::uint32_t>(value.size());
        write_ = at + octets;
        ++inserted_;
        ++count_;
        size_ += entry_size;
        return true;
    }
    /// Removes every entry.
    void clear() noexcept {
        while (count_ != 0) evict_oldest();
    }

  private:
    struct descriptor {
        std::uint32_t offset = 0;
        std::uint32_t name_length = 0;
        std::uint32_t value_length = 0;
    };

    /// The smallest ring and store a table that holds anything gets: a
    /// handful of typical fields (`:status: 200`, `content-type: ...`,
    /// `server: ...`, `date: ...`) fit without a second allocation.
    static constexpr std::size_t min_ring = 8;
    static constexpr std::size_t min_store = 256;

    /// The most entries a table of `max_size` octets can hold is max_size / 32
    /// (empty name and value): the ring never needs more than the power of
    /// two above that.
    static std::size_t max_ring(std::uint32_t max_size) noexcept {
        return std::bit_ceil(std::size_t{max_size} / entry_overhead + 1);
    }

    std::size_t live_octets() const noexcept { return size_ - count_ * entry_overhead; }

    std::size_t slot_of_age(std::size_t i) const noexcept {
        return static_cast<std::size_t>(inserted_ - 1 - i) & (ring_capacity_ - 1);
    }
    entry view(std::size_t slot) const noexcept {
        const descriptor& d = ring_[slot];
        const char* p = reinterpret_cast<const char*>(store_.get()) + d.offset;
        return {{p, d.name_length}, {p + d.name_length, d.value_length}};
    }

    void evict_oldest() noexcept {
        const std::uint64_t id = oldest_id();
        const descriptor& d = ring_[slot_of_id(id)];
        size_ -= std::size_t{d.name_length} + d.value_length + entry_overhead;
        --count_;
        if (count_ == 0) {
            write_ = 0;  // start over at the front of the store
        } else {
            const descriptor& next = ring_[slot_of_id(id + 1)];
            oldest_offset_ = next.offset;
        }
    }
    void evict_to(std::size_t limit) noexcept {
        while (size_ > limit) evict_oldest();
    }

    /// Chooses where `octets` contiguous octets go: after the newest entry, or
    /// at the start of the store when they do not fit before its end. The
    /// caller has made the store at least twice as large as the live octets
    /// plus these, which guarantees room: a wrap happens only when the newest
    /// entry ends past the middle of the store, so the octets that wrapped
    /// end before the oldest one starts.
    std::size_t place(std::size_t octets) noexcept {
        if (count_ == 0) {
            oldest_offset_ = 0;
            return 0;
        }
        if (write_ + octets <= store_capacity_) {
            // Not wrapped (oldest before newest): room up to the end. Wrapped
            // (newest before oldest): room up to the oldest, which the size
            // argument above guarantees.
            if (write_ >= oldest_offset_ || write_ + octets <= oldest_offset_) return write_;
        }
        return 0;  // wrap to the front (the live octets then start at oldest_offset_ > octets)
    }

    /// Makes room for one more entry of `octets` octets: doubles the ring
    /// when it is full, and the store when it would hold more than half live
    /// octets (within the bounds max_size_ implies). Returns the old store,
    /// which the caller keeps until it has copied the new entry's name.
    std::unique_ptr<std::uint8_t[]> grow(std::size_t octets) {
        std::size_t ring = ring_capacity_;
        if (count_ == ring) {
            ring = std::min(std::max(min_ring, ring * 2), max_ring(max_size_));
            ring = std::max(ring, std::bit_ceil(count_ + 1));
        }
        std::size_t store = store_capacity_;
        const std::size_t needed = 2 * (live_octets() + octets);
        if (needed > store) {
            store = std::min(std::max(min_store, store * 2), std::size_t{max_size_} * 2);
            store = std::max(store, needed);
        }
        return relocate(store, ring);
    }

    /// Moves the entries to a store and a ring of the given capacities,
    /// compacted in age order; returns the old store.
    std::unique_ptr<std::uint8_t[]> relocate(std::size_t capacity, std::size_t ring) {
        auto store = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
        auto descriptors = std::make_unique_for_overwrite<descriptor[]>(ring);
        std::size_t at = 0;
        for (std::size_t age = count_; age-- > 0;) {  // oldest first
            const std::uint64_t id = inserted_ - 1 - age;
            const descriptor& d = ring_[slot_of_id(id)];
            const std::size_t octets = std::size_t{d.name_length} + d.value_length;
            std::memcpy(store.get() + at, store_.get() + d.offset, octets);
            descriptor& nd = descriptors[static_cast<std::size_t>(id) & (ring - 1)];
            nd = d;
            nd.offset = static_cast<std::uint32_t>(at);
            at += octets;
        }
        std::swap(store, store_);
        ring_ = std::move(descriptors);
        store_capacity_ = capacity;
        ring_capacity_ = ring;
        oldest_offset_ = 0;
        write_ = at;
        return store;
    }

    /// Frees the storage of an empty table.
    void release() noexcept {
        store_.reset();
        ring_.reset();
        store_capacity_ = 0;
        ring_capacity_ = 0;
        write_ = oldest_offset_ = 0;
    }

    std::unique_ptr<std::uint8_t[]> store_;
    std::unique_ptr<descriptor[]> ring_;
    std::size_t store_capacity_ = 0;
    std::size_t ring_capacity_ = 0;
    std::size_t write_ = 0;          ///< end of the newest entry's octets
    std::size_t oldest_offset_ = 0;  ///< start of the oldest entry's octets
    std::size_t size_ = 0;
    std::size_t count_ = 0;
    std::uint64_t inserted_ = 0;
    std::uint32_t max_size_ = 0;
};

}  // namespace h2pb::hpack
