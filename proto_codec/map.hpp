// h2pb::proto — map_field<K, V>: a protobuf `map<K, V>`, iterated in key order.
//
// On the wire a map is a repeated message field whose entries have the key as
// field 1 and the value as field 2:
//
//   map<string, string> properties = 4;
//   ==  repeated Entry properties = 4;  message Entry { string key = 1; string value = 2; }
//
// Entries may arrive in any order and the same key may appear twice: the last
// one wins. A missing key or value takes its default.
//
// map_field iterates (and so encodes) in ascending key order with unique keys:
// the order of libprotobuf's deterministic serialization (numeric for
// integers, false < true, bytewise for strings), so h2pb's output is
// byte-identical to it. Lookups are binary searches.
//
// Storage: entries live in `slots_` in the order they were added and never
// move while they live; `order_` holds their indices sorted by key. Sorting
// after a decode therefore moves 4-byte indices, not strings. Decoding
// appends entries as they come (append_for_decode) and sorts once when the
// message is complete (normalize): already-sorted input costs one linear
// check, any other order one sort of indices, never a quadratic insert.
//
// clear() keeps the entries' memory (strings keep their capacity), so
// decoding into a reused message allocates only for growth.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>
// Not <iterator>: std::bidirectional_iterator_tag comes with <vector> (its
// own iterators need the tags), and <iterator> adds the stream iterators
// (<streambuf>, <ios_base>): +0.3 s and +23 MB for every TU that includes a
// generated message header, with g++ 12 (benchmarks/RESULTS.md, "Header
// compile time"). Not <functional> either: +0.15 s for one std::greater.

#include <h2pb/proto_codec/box.hpp>

namespace h2pb::proto {

template <class K, class V>
class map_field {
  public:
    using key_type = K;
    using mapped_type = V;
    using value_type = std::pair<K, V>;

    /// Walks the entries in key order.
    template <bool Const>
    class basic_iterator {
      public:
        using iterator_category = std::bidirectional_iterator_tag;
        using value_type = std::pair<K, V>;
        using difference_type = std::ptrdiff_t;
        using reference = std::conditional_t<Const, const value_type&, value_type&>;
        using pointer = std::conditional_t<Const, const value_type*, value_type*>;
        using slots_ptr = std::conditional_t<Const, const value_type*, value_type*>;

        basic_iterator() = default;
        basic_iterator(slots_ptr slots, const std::uint32_t* at) : slots_(slots), at_(at) {}
        operator basic_iterator<true>() const  // NOLINT(google-explicit-constructor)
            requires(!Const) {
            return {slots_, at_};
        }

        reference operator*() const { return slots_[*at_]; }
        pointer operator->() const { return &slots_[*at_]; }
        basic_iterator& operator++() {
            ++at_;
            return *this;
        }
        basic_iterator operator++(int) {
            auto t = *this;
            ++at_;
            return t;
        }
        basic_iterator& operator--() {
            --at_;
            return *this;
        }
        basic_iterator operator--(int) {
            auto t = *this;
            --at_;
            return t;
        }
        friend bool operator==(const basic_iterator& a, const basic_iterator& b) {
            return a.at_ == b.at_;
        }
        const std::uint32_t* position() const { return at_; }

      private:
        slots_ptr slots_ = nullptr;
        const std::uint32_t* at_ = nullptr;
    };
    using iterator = basic_iterator<false>;
    using const_iterator = basic_iterator<true>;

    map_field() = default;
    map_field(std::initializer_list<value_type> init) {
        for (const auto& e : init) insert_or_assign(e.first, e.second);
    }
    map_field(const map_field& o) { *this = o; }
    map_field(map_field&& o) noexcept
        : slots_(std::move(o.slots_)),
          order_(std::move(o.order_)),
          size_(std::exchange(o.size_, 0)) {}
    map_field& operator=(const map_field& o) {
        if (this != &o) {
            clear();
            slots_.reserve(o.size());
            for (const auto& e : o) {  // copies in key order: order_ is the identity
                append_for_decode() = e;
            }
            order_.resize(size_);
            for (std::uint32_t i = 0; i < size_; ++i) order_[i] = i;
        }
        return *this;
    }
    map_field& operator=(map_field&& o) noexcept {
        slots_ = std::move(o.slots_);
        order_ = std::move(o.order_);
        size_ = std::exchange(o.size_, 0);
        return *this;
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    iterator begin() noexcept { return {slots_.data(), order_.data()}; }
    iterator end() noexcept { return {slots_.data(), order_.data() + size_}; }
    const_iterator begin() const noexcept { return {slots_.data(), order_.data()}; }
    const_iterator end() const noexcept { return {slots_.data(), order_.data() + size_}; }

    /// Removes every entry (their memory is kept for reuse).
    void clear() noexcept { size_ = 0; }

    iterator find(const K& key) noexcept {
        const std::uint32_t* at = lower(key);
        return (at != order_.data() + size_ && slots_[*at].first == key)
                   ? iterator{slots_.data(), at}
                   : end();
    }
    const_iterator find(const K& key) const noexcept {
        const std::uint32_t* at = lower(key);
        return (at != order_.data() + size_ && slots_[*at].first == key)
                   ? const_iterator{slots_.data(), at}
                   : end();
    }
    bool contains(const K& key) const noexcept { return find(key) != end(); }

    /// The value for key, inserted (default) if absent.
    V& operator[](const K& key) {
        const std::uint32_t* at = lower(key);
        if (at != order_.data() + size_ && slots_[*at].first == key) return slots_[*at].second;
        const auto pos = static_cast<std::size_t>(at - order_.data());
        const auto index = static_cast<std::uint32_t>(size_);
        value_type& e =
            append_for_decode();  // may reallocate: positions, not pointers, from here on
        e.first = key;
        order_.insert(order_.begin() + static_cast<std::ptrdiff_t>(pos), index);
        order_.resize(size_);
        return e.second;
    }
    void insert_or_assign(const K& key, V value) { (*this)[key] = std::move(value); }

    /// Removes key; returns whether it was there.
    bool erase(const K& key) {
        auto it = find(key);
        if (it == end()) return false;
        const auto pos = static_cast<std::size_t>(it.position() - order_.data());
        const std::uint32_t index = order_[pos];
        order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(pos));
        remove_slot(index);
        return true;
    }

    // ---- used by generated decoders ----

    /// A new entry after the current ones, key and value default. Call
    /// normalize() once the message is decoded (until then the entry is not
    /// in the key order).
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

    /// Restores key order with unique keys; of equal keys the one appended
    /// last wins (protobuf's rule for repeated map keys).
    void normalize() {
        order_.resize(size_);
        for (std::uint32_t i = 0; i < size_; ++i) order_[i] = i;
        if (size_ < 2) return;
        bool sorted = true;
        for (std::size_t i = 1; i < size_; ++i) {
            if (!(slots_[i - 1].first < slots_[i].first)) {
                sorted = false;
                break;
            }
        }
        if (sorted) return;
        auto less = [this](std::uint32_t a, std::uint32_t b) {
            return slots_[a].first < slots_[b].first;
        };
        if (size_ <= 32) {  // insertion sort of indices: stable, no allocation
            for (std::size_t i = 1; i < size_; ++i) {
                const std::uint32_t x = order_[i];
                std::size_t j = i;
                for (; j > 0 && less(x, order_[j - 1]); --j) order_[j] = order_[j - 1];
                order_[j] = x;
            }
        } else {
            std::stable_sort(order_.begin(), order_.end(), less);
        }
        // Equal keys are now adjacent in arrival order: keep the last of each run.
        std::size_t w = 0;
        std::size_t dropped = 0;
        for (std::size_t i = 0; i < size_; ++i) {
            if (i + 1 < size_ && !less(order_[i], order_[i + 1])) {
                // mark the losing slot: moved out of the live range below
                order_[i] |= dead_bit;
                ++dropped;
            }
        }
        if (dropped == 0) return;
        std::vector<std::uint32_t> dead;
        for (std::size_t i = 0; i < size_; ++i) {
            if (order_[i] & dead_bit) {
                dead.push_back(order_[i] & ~dead_bit);
            } else {
                order_[w++] = order_[i];
            }
        }
        order_.resize(w);
        // Move live slots from the end into the dead ones (highest dead first).
        std::sort(dead.begin(), dead.end(), [](std::uint32_t a, std::uint32_t b) { return a > b; });
        for (std::uint32_t d : dead) remove_slot(d);
    }

    friend bool operator==(const map_field& a, const map_field& b) {
        return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
    }

  private:
    static constexpr std::uint32_t dead_bit = 0x80000000U;

    const std::uint32_t* lower(const K& key) const {
        return std::lower_bound(
            order_.data(), order_.data() + size_, key,
            [this](std::uint32_t i, const K& k) { return slots_[i].first < k; });
    }

    /// Frees slot `index` (already absent from order_): the last live slot
    /// moves into it and its index in order_ is updated.
    void remove_slot(std::uint32_t index) {
        const auto last = static_cast<std::uint32_t>(size_ - 1);
        if (index != last) {
            std::swap(slots_[index], slots_[last]);
            for (auto& o : order_) {
                if (o == last) {
                    o = index;
                    break;
                }
            }
        }
        --size_;
    }

    std::vector<value_type> slots_;     // [0, size_) live, in insertion order; the rest spare
    std::vector<std::uint32_t> order_;  // indices of live slots, sorted by key
    std::size_t size_ = 0;
};

}  // namespace h2pb::proto
