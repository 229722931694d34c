// h2pb::wire — a bounded read cursor.
//
// A cursor walks a bytes_view front to back. Every read checks the bytes that
// remain first; a read that cannot complete returns an error carrying the
// absolute offset where it started (plus `base`, so a cursor over a slice of a
// larger input reports offsets into the larger input) and leaves the cursor
// where it was. Nothing is copied: read_bytes returns a view.
#pragma once

#include <cstddef>
#include <cstdint>

#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/endian.hpp>
#include <h2pb/wire/error.hpp>
#include <h2pb/wire/result.hpp>
#include <h2pb/wire/varint.hpp>

namespace h2pb::wire {

class cursor {
  public:
    constexpr cursor() noexcept = default;
    /// `base` is the offset of in[0] within whatever larger input it came from.
    constexpr explicit cursor(bytes_view in, std::size_t base = 0) noexcept
        : begin_(in.data()), pos_(in.data()), end_(in.data() + in.size()), base_(base) {}

    /// Absolute offset of the next byte to read.
    constexpr std::size_t position() const noexcept {
        return base_ + static_cast<std::size_t>(pos_ - begin_);
    }
    constexpr std::size_t remaining() const noexcept {
        return static_cast<std::size_t>(end_ - pos_);
    }
    constexpr bool empty() const noexcept { return pos_ == end_; }
    /// The unread bytes.
    constexpr bytes_view rest() const noexcept { return {pos_, remaining()}; }

    result<std::uint8_t> read_u8() noexcept {
        if (remaining() < 1) return fail(errc::truncated);
        return *pos_++;
    }
    result<std::uint16_t> read_u16() noexcept { return read_fixed<std::uint16_t, 2>(load_be16); }
    /// A 24-bit big-endian integer (the HTTP/2 frame length).
    result<std::uint32_t> read_u24() noexcept { return read_fixed<std::uint32_t, 3>(load_be24); }
    result<std::uint32_t> read_u32() noexcept { return read_fixed<std::uint32_t, 4>(load_be32); }
    result<std::uint64_t> read_u64() noexcept { return read_fixed<std::uint64_t, 8>(load_be64); }

    result<std::uint64_t> read_varint() noexcept {
        std::uint64_t value = 0;
        if (const byte* next = parse_varint(pos_, end_, &value)) {
            pos_ = next;
            return value;
        }
        const errc code = varint_error(pos_, end_);
        const std::size_t at =
            code == errc::truncated ? position() : position() + max_varint_size - 1;
        return failure{error{code, at}};
    }

    /// The next n bytes as a view. Fails with errc::length_too_large (and
    /// allocates nothing) when fewer than n remain.
    result<bytes_view> read_bytes(std::size_t n) noexcept {
        if (remaining() < n) return fail(errc::length_too_large);
        bytes_view out{pos_, n};
        pos_ += n;
        return out;
    }

    /// Advances past n bytes.
    error skip(std::size_t n) noexcept {
        if (remaining() < n) return {errc::length_too_large, position()};
        pos_ += n;
        return {};
    }

  private:
    failure<error> fail(errc code) const noexcept { return failure{error{code, position()}}; }

    template <class T, std::size_t N, class Load>
    result<T> read_fixed(Load load) noexcept {
        if (remaining() < N) return fail(errc::truncated);
        const T v = load(pos_);
        pos_ += N;
        return v;
    }

    const byte* begin_ = nullptr;
    const byte* pos_ = nullptr;
    const byte* end_ = nullptr;
    std::size_t base_ = 0;
};

}  // namespace h2pb::wire
