// h2pb::proto — how each scalar field type travels on the wire.
//
//   .proto type            wire type  encoding
//   int32, int64           VARINT     two's complement; a negative int32 is
//                                     sign-extended to 64 bits (10 bytes)
//   uint32, uint64         VARINT     plain
//   sint32, sint64         VARINT     ZigZag: (n << 1) ^ (n >> 31|63)
//   bool                   VARINT     0 or 1 (any non-zero value parses as true)
//   enum                   VARINT     as int32
//   fixed32, sfixed32      I32        4 bytes little-endian
//   float                  I32        IEEE-754 binary32 bits, little-endian
//   fixed64, sfixed64      I64        8 bytes little-endian
//   double                 I64        IEEE-754 binary64 bits, little-endian
//
// Parsing a 32-bit type from a varint keeps the low 32 bits (the encoding
// guide: "parsers truncate int32 the same way a C++ cast does").
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <h2pb/proto_codec/wire_format.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/endian.hpp>
#include <h2pb/wire/varint.hpp>

namespace h2pb::proto {

enum class kind : std::uint8_t {
    int32,
    int64,
    uint32,
    uint64,
    sint32,
    sint64,
    bool_,
    enum_,
    fixed32,
    fixed64,
    sfixed32,
    sfixed64,
    float_,
    double_,
};

template <kind K>
struct scalar_traits;

#define H2PB_VARINT_TRAITS(K, T, FROM, TO)                                           \
    template <>                                                                      \
    struct scalar_traits<kind::K> {                                                  \
        using type = T;                                                              \
        static constexpr wire_type wire = wire_type::varint;                         \
        static constexpr std::size_t fixed_size = 0;                                 \
        static constexpr type from_varint(std::uint64_t v) noexcept { return FROM; } \
        static constexpr std::uint64_t to_varint(type v) noexcept { return TO; }     \
    };
H2PB_VARINT_TRAITS(int32, std::int32_t, static_cast<std::int32_t>(v),
                   static_cast<std::uint64_t>(static_cast<std::int64_t>(v)))
H2PB_VARINT_TRAITS(int64, std::int64_t, static_cast<std::int64_t>(v), static_cast<std::uint64_t>(v))
H2PB_VARINT_TRAITS(uint32, std::uint32_t, static_cast<std::uint32_t>(v), v)
H2PB_VARINT_TRAITS(uint64, std::uint64_t, v, v)
H2PB_VARINT_TRAITS(sint32, std::int32_t, zigzag_decode32(static_cast<std::uint32_t>(v)),
                   zigzag_encode32(v))
H2PB_VARINT_TRAITS(sint64, std::int64_t, zigzag_decode64(v), zigzag_encode64(v))
H2PB_VARINT_TRAITS(bool_, bool, v != 0, v ? 1U : 0U)
H2PB_VARINT_TRAITS(enum_, std::int32_t, static_cast<std::int32_t>(v),
                   static_cast<std::uint64_t>(static_cast<std::int64_t>(v)))
#undef H2PB_VARINT_TRAITS

#define H2PB_FIXED_TRAITS(K, T, BITS, WIRE)                                                 \
    template <>                                                                             \
    struct scalar_traits<kind::K> {                                                         \
        using type = T;                                                                     \
        static constexpr wire_type wire = WIRE;                                             \
        static constexpr std::size_t fixed_size = sizeof(T);                                \
        static constexpr type from_bits(BITS b) noexcept { return std::bit_cast<type>(b); } \
        static constexpr BITS to_bits(type v) noexcept { return std::bit_cast<BITS>(v); }   \
    };
H2PB_FIXED_TRAITS(fixed32, std::uint32_t, std::uint32_t, wire_type::i32)
H2PB_FIXED_TRAITS(sfixed32, std::int32_t, std::uint32_t, wire_type::i32)
H2PB_FIXED_TRAITS(float_, float, std::uint32_t, wire_type::i32)
H2PB_FIXED_TRAITS(fixed64, std::uint64_t, std::uint64_t, wire_type::i64)
H2PB_FIXED_TRAITS(sfixed64, std::int64_t, std::uint64_t, wire_type::i64)
H2PB_FIXED_TRAITS(double_, double, std::uint64_t, wire_type::i64)
#undef H2PB_FIXED_TRAITS

/// Little-endian loads and stores; one memcpy on little-endian hosts.
inline std::uint32_t load_fixed32(const wire::byte* p) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        std::uint32_t v;
        std::memcpy(&v, p, 4);
        return v;
    } else {
        return wire::load_le32(p);
    }
}
inline std::uint64_t load_fixed64(const wire::byte* p) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        return v;
    } else {
        return wire::load_le64(p);
    }
}
inline wire::byte* store_fixed32(wire::byte* p, std::uint32_t v) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(p, &v, 4);
    } else {
        wire::store_le32(p, v);
    }
    return p + 4;
}
inline wire::byte* store_fixed64(wire::byte* p, std::uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(p, &v, 8);
    } else {
        wire::store_le64(p, v);
    }
    return p + 8;
}

/// Bytes of the varint encoding of v (1..10): bit_width(v|1) * 9 / 64 + 1,
/// the same count as wire::varint_size, computed without a division.
constexpr std::size_t varint_size(std::uint64_t v) noexcept {
    return (static_cast<std::size_t>(std::bit_width(v | 1)) * 9 + 64) >> 6;
}

/// Wire type of a scalar kind.
template <kind K>
inline constexpr wire_type wire_type_of = scalar_traits<K>::wire;

/// Bytes the value of v takes on the wire (without its tag).
template <kind K, class T>
constexpr std::size_t scalar_size(T v) noexcept {
    using tr = scalar_traits<K>;
    if constexpr (tr::fixed_size != 0) {
        (void)v;
        return tr::fixed_size;
    } else {
        return varint_size(tr::to_varint(static_cast<typename tr::type>(v)));
    }
}

/// Writes the value of v (no tag) at p; returns the position after it.
template <kind K, class T>
inline wire::byte* write_scalar(wire::byte* p, T v) noexcept {
    using tr = scalar_traits<K>;
    if constexpr (tr::fixed_size == 4) {
        return store_fixed32(p, tr::to_bits(static_cast<typename tr::type>(v)));
    } else if constexpr (tr::fixed_size == 8) {
        return store_fixed64(p, tr::to_bits(static_cast<typename tr::type>(v)));
    } else {
        return wire::write_varint(p, tr::to_varint(static_cast<typename tr::type>(v)));
    }
}

/// Whether v is the type's zero value, which proto3 does not write for a
/// field without presence. For float/double this compares bits, as
/// libprotobuf does: -0.0 is written, +0.0 is not.
template <class T>
constexpr bool is_zero(T v) noexcept {
    if constexpr (std::is_same_v<T, float>) {
        return std::bit_cast<std::uint32_t>(v) == 0;
    } else if constexpr (std::is_same_v<T, double>) {
        return std::bit_cast<std::uint64_t>(v) == 0;
    } else {
        return v == T{};
    }
}

}  // namespace h2pb::proto
