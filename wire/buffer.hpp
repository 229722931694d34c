// h2pb::wire — a growable output buffer.
//
// Encoders append to a `buffer`. It grows geometrically (amortised O(1)
// appends), never shrinks on clear() (so a reused buffer stops allocating once
// it has reached its working size), and can hand out uninitialised room to
// write into directly:
//
//   byte* p = buf.prepare(wire::max_varint_size);   // room for the longest varint
//   buf.commit(wire::write_varint(p, v) - p);        // keep what was written
//
// Bytes are trivially copyable, so growth uses realloc, which can often
// extend in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/endian.hpp>
#include <h2pb/wire/varint.hpp>

namespace h2pb::wire {

class buffer {
  public:
    buffer() noexcept = default;
    explicit buffer(std::size_t capacity) { reserve(capacity); }
    buffer(const buffer& other) { append(other.view()); }
    buffer(buffer&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)),
          size_(std::exchange(other.size_, 0)),
          capacity_(std::exchange(other.capacity_, 0)) {}
    buffer& operator=(const buffer& other) {
        if (this != &other) {
            clear();
            append(other.view());
        }
        return *this;
    }
    buffer& operator=(buffer&& other) noexcept {
        if (this != &other) {
            std::free(data_);
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
            capacity_ = std::exchange(other.capacity_, 0);
        }
        return *this;
    }
    ~buffer() { std::free(data_); }

    byte* data() noexcept { return data_; }
    const byte* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }
    bool empty() const noexcept { return size_ == 0; }
    bytes_view view() const noexcept { return {data_, size_}; }
    operator bytes_view() const noexcept { return view(); }  // NOLINT(google-explicit-constructor)
    std::string_view chars() const noexcept { return as_chars(view()); }
    byte& operator[](std::size_t i) noexcept { return data_[i]; }
    byte operator[](std::size_t i) const noexcept { return data_[i]; }

    /// Forgets the contents, keeps the memory.
    void clear() noexcept { size_ = 0; }

    /// Makes room for at least n bytes in total.
    void reserve(std::size_t n) {
        if (n > capacity_) grow_to(n);
    }

    /// Returns room for n more bytes after the current end; their contents are
    /// unspecified until written. commit() says how many were used.
    byte* prepare(std::size_t n) {
        if (capacity_ - size_ < n) grow_for(n);
        return data_ + size_;
    }
    /// Adds n bytes written into the room prepare() returned.
    void commit(std::size_t n) noexcept { size_ += n; }

    /// Sets the size; new bytes are zero.
    void resize(std::size_t n) {
        if (n > size_) std::memset(prepare(n - size_), 0, n - size_);
        size_ = n;
    }

    /// Drops the first n bytes (n <= size()), moving the rest to the front.
    void consume(std::size_t n) noexcept {
        if (n >= size_) {
            size_ = 0;
            return;
        }
        std::memmove(data_, data_ + n, size_ - n);
        size_ -= n;
    }

    void append(bytes_view b) {
        if (b.empty()) return;
        std::memcpy(prepare(b.size()), b.data(), b.size());
        size_ += b.size();
    }
    void append(std::string_view s) { append(as_bytes(s)); }
    void push_back(byte b) {
        *prepare(1) = b;
        ++size_;
    }
    void put_u8(std::uint8_t v) { push_back(v); }
    void put_u16(std::uint16_t v) { put_with<2>(v, store_be16); }
    void put_u24(std::uint32_t v) { put_with<3>(v, store_be24); }
    void put_u32(std::uint32_t v) { put_with<4>(v, store_be32); }
    void put_u64(std::uint64_t v) { put_with<8>(v, store_be64); }
    void put_varint(std::uint64_t v) {
        byte* p = prepare(max_varint_size);
        size_ += static_cast<std::size_t>(write_varint(p, v) - p);
    }

    /// Releases the memory.
    void shrink_to_fit() noexcept {
        if (size_ == 0) {
            std::free(data_);
            data_ = nullptr;
            capacity_ = 0;
        }
    }

  private:
    template <std::size_t N, class V, class Store>
    void put_with(V v, Store store) {
        store(prepare(N), v);
        size_ += N;
    }

    void grow_for(std::size_t extra) {
        if (extra > SIZE_MAX - size_) throw std::bad_alloc();
        const std::size_t needed = size_ + extra;
        // Grow by half again (at least 64 bytes): amortised O(1) appends.
        std::size_t next = capacity_ + capacity_ / 2;
        if (next < 64) next = 64;
        grow_to(next > needed ? next : needed);
    }
    void grow_to(std::size_t n) {
        void* p = std::realloc(data_, n);
        if (p == nullptr) throw std::bad_alloc();
        data_ = static_cast<byte*>(p);
        capacity_ = n;
    }

    byte* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

}  // namespace h2pb::wire
