// h2pb::proto — map_field<K, V>: a protobuf `map<K, V>` kept sorted by key.
//
// On the wire a map is a repeated message field whose entries have the key as
// field 1 and the value as field 2:
//
//   map<string, string> properties = 4;
//   ==  repeated group-like message { string key = 1; string value = 2; } = 4;
//
// Entries may arrive in any order and the same key may appear twice: the last
// one wins. A missing key or value takes its default.
//
// map_field stores entries in one vector sorted by key, with unique keys.
// That gives, for free, the order libprotobuf's deterministic serialization
// uses (keys ascending: numeric for integers, false < true, bytewise for
// strings), so h2pb's output is byte-identical to it. Lookups are binary
// searches; iteration is in key order.
//
// Decoding appends entries as they come (append_for_decode) and sorts once
// when the message is complete (normalize): already-sorted input costs one
// linear check, any order costs one sort, never a quadratic insert.
//
// clear() keeps the entries' memory (strings keep their capacity) so that
// decoding into a reused message allocates only for growth.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include <h2pb/proto_codec/box.hpp>

namespace h2pb::proto {

template <class K, class V>
class map_field {
public:
    using key_type = K;
    using mapped_type = V;
    using value_type = std::pair<K, V>;
    using iterator = typename std::vector<value_type>::iterator;
    using const_iterator = typename std::vector<value_type>::const_iterator;

    map_field() = default;
    map_field(std::initializer_list<value_type> init) {
        for (const auto& e : init) insert_or_assign(e.first, e.second);
    }
    map_field(const map_field& o) : slots_(o.begin(), o.end()), size_(o.size_) {}
    map_field(map_field&&) noexcept = default;
    map_field& operator=(const map_field& o) {
        if (this != &o) {
            slots_.assign(o.begin(), o.end());
            size_ = o.size_;
        }
        return *this;
    }
    map_field& operator=(map_field&&) noexcept = default;

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    iterator begin() noexcept { return slots_.begin(); }
    iterator end() noexcept { return slots_.begin() + static_cast<std::ptrdiff_t>(size_); }
    const_iterator begin() const noexcept { return slots_.begin(); }
    const_iterator end() const noexcept { return slots_.begin() + static_cast<std::ptrdiff_t>(size_); }

    /// Removes every entry (their memory is kept for reuse).
    void clear() noexcept { size_ = 0; }

    iterator find(const K& key) noexcept {
        auto it = lower(key);
        return (it != end() && it->first == key) ? it : end();
    }
    const_iterator find(const K& key) const noexcept {
        auto it = std::lower_bound(begin(), end(), key, key_less{});
        return (it != end() && it->first == key) ? it : end();
    }
    bool contains(const K& key) const noexcept { return find(key) != end(); }

    /// The value for key, inserted (default) if absent.
    V& operator[](const K& key) {
        auto it = lower(key);
        if (it != end() && it->first == key) return it->second;
        return insert_at(static_cast<std::size_t>(it - begin()), key).second;
    }
    void insert_or_assign(const K& key, V value) { (*this)[key] = std::move(value); }

    /// Removes key; returns whether it was there.
    bool erase(const K& key) {
        auto it = find(key);
        if (it == end()) return false;
        std::rotate(it, it + 1, end());  // the erased slot moves past the end, kept for reuse
        --size_;
        return true;
    }

    // ---- used by generated decoders ----

    /// A new entry after the current ones, key and value default. Call
    /// normalize() once the message is decoded.
    value_type& append_for_decode() {
        if (size_ < slots_.size()) {
            value_type& e = slots_[size_++];
            clear_value(e.first);
            clear_value(e.second);
            return e;
        }
        ++size_;
        return slots_.emplace_back();
    }
    /// Forgets the entry append_for_decode() returned last.
    void drop_last() noexcept { --size_; }

    /// Restores sorted order with unique keys; of equal keys the last one
    /// appended wins (protobuf's rule for repeated map keys).
    void normalize() {
        if (size_ < 2) return;
        bool sorted = true;
        for (std::size_t i = 1; i < size_; ++i) {
            if (!(slots_[i - 1].first < slots_[i].first)) {
                sorted = false;
                break;
            }
        }
        if (sorted) return;
        if (size_ <= 16) {  // insertion sort: stable, no allocation
            for (std::size_t i = 1; i < size_; ++i) {
                for (std::size_t j = i; j > 0 && slots_[j].first < slots_[j - 1].first; --j) {
                    std::swap(slots_[j], slots_[j - 1]);
                }
            }
        } else {
            std::stable_sort(begin(), end(), [](const value_type& a, const value_type& b) { return a.first < b.first; });
        }
        // Equal keys are now adjacent in arrival order: keep the last of each run.
        std::size_t w = 0;
        for (std::size_t i = 0; i < size_; ++i) {
            if (i + 1 < size_ && !(slots_[i].first < slots_[i + 1].first)) continue;
            if (w != i) std::swap(slots_[w], slots_[i]);
            ++w;
        }
        size_ = w;
    }

    friend bool operator==(const map_field& a, const map_field& b) {
        return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
    }

private:
    struct key_less {
        bool operator()(const value_type& e, const K& k) const { return e.first < k; }
    };
    iterator lower(const K& key) { return std::lower_bound(begin(), end(), key, key_less{}); }

    /// Inserts key (absent) at position index, shifting the entries after it.
    value_type& insert_at(std::size_t index, const K& key) {
        append_for_decode().first = key;  // may reallocate: positions, not iterators, from here on
        for (std::size_t i = size_ - 1; i > index; --i) std::swap(slots_[i], slots_[i - 1]);
        return slots_[index];
    }

    std::vector<value_type> slots_;  // [0, size_) live and sorted; the rest spare
    std::size_t size_ = 0;
};

}  // namespace h2pb::proto
