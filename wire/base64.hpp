// h2pb::wire — base64 (RFC 4648 §4 standard and §5 URL-safe alphabets).
//
// Two users with different rules share this one codec:
//
//   - gRPC binary metadata ("-bin" keys, rpc/base64.hpp): standard alphabet,
//     emitted unpadded, padded and unpadded both accepted (PROTOCOL-HTTP2.md,
//     "Binary-Header").
//   - protobuf JSON `bytes` (json.md, the "bytes" row): emitted as "standard
//     base64 encoding with paddings"; "Either standard or URL-safe base64
//     encoding with/without paddings are accepted."
//
//   std::string out;
//   wire::base64_encode(wire::as_bytes("foob"), out);                   // "Zm9vYg=="
//   wire::base64_encode(wire::as_bytes("foob"), out, {.pad = false});   // "Zm9vYg"
//   std::string raw;
//   wire::base64_decode("Zm9vYg", raw);                                 // "foob"
//   wire::base64_decode("-_8", raw, wire::base64_accept::either);       // "\xfb\xff"
//
// Decoding is strict about everything RFC 4648 lets a decoder be strict about
// except one: characters outside the accepted alphabet (including white space
// and line breaks, §3.3) are errors; so is a length no encoding produces (4n+1
// characters, §4) and padding that does not complete the last 4-character
// quantum. The unused low bits of the last character need not be zero: §3.5
// lets a decoder accept them, and grpc-go (base64.RawStdEncoding, not Strict)
// and libprotobuf's Base64Unescape do.
//
// With base64_accept::either the two alphabets may even be mixed in one text
// ('+' and '-' both mean 62, '/' and '_' both mean 63), as libprotobuf's JSON
// parser (json/internal/parser.cc since 3.22) accepts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <h2pb/wire/bytes.hpp>

// The SSSE3 encoder (below) is compiled for x86-64 with GCC or Clang, as a
// function with its own target attribute, and used only when the CPU has
// SSSE3 (checked at run time), so the header needs no -m flags.
// <tmmintrin.h> declares SSSE3 and the SSE2/SSE3 it builds on: all the
// encoder uses. <immintrin.h> would parse every AVX/AVX-512 header too, ten
// times the compile time of this whole header with g++ 12
// (benchmarks/RESULTS.md, "Header compile time").
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define H2PB_BASE64_SSSE3 1
#include <tmmintrin.h>
#endif

namespace h2pb::wire {

enum class base64_errc : std::uint8_t {
    ok = 0,
    bad_char,     ///< an octet outside the alphabet, or '=' before the end
    bad_length,   ///< 4n+1 characters: no encoding ends with one character
    bad_padding,  ///< '=' that does not complete the last 4-character quantum
};

constexpr std::string_view describe(base64_errc e) noexcept {
    switch (e) {
        case base64_errc::ok:
            return "ok";
        case base64_errc::bad_char:
            return "character outside the base64 alphabet";
        case base64_errc::bad_length:
            return "base64 text of impossible length (4n+1)";
        case base64_errc::bad_padding:
            return "base64 padding does not complete the last quantum";
    }
    return "unknown error";
}

/// The alphabet to encode with: RFC 4648 §4 (A-Z a-z 0-9 + /) or §5 (... - _).
enum class base64_alphabet : std::uint8_t { standard, url };

/// Which alphabets a decoder accepts.
enum class base64_accept : std::uint8_t { standard, url, either };

struct base64_encode_options {
    base64_alphabet alphabet = base64_alphabet::standard;
    bool pad = true;  ///< complete the last quantum with '=' (RFC 4648 §3.2)
};

namespace detail {
inline constexpr std::string_view base64_standard_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr std::string_view base64_url_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// 0..63 for the characters of the accepted alphabet(s), 0xFF otherwise.
constexpr std::array<std::uint8_t, 256> make_base64_values(bool standard, bool url) {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t) v = 0xFF;
    for (std::size_t i = 0; i < 64; ++i) {
        if (standard) t[static_cast<std::uint8_t>(base64_standard_chars[i])] = std::uint8_t(i);
        if (url) t[static_cast<std::uint8_t>(base64_url_chars[i])] = std::uint8_t(i);
    }
    return t;
}
inline constexpr auto base64_values_standard = make_base64_values(true, false);
inline constexpr auto base64_values_url = make_base64_values(false, true);
inline constexpr auto base64_values_either = make_base64_values(true, true);
}  // namespace detail

/// Characters of the encoding of n octets: ceil(4n/3) unpadded, 4*ceil(n/3) padded.
constexpr std::size_t base64_encoded_size(std::size_t n, bool pad = true) noexcept {
    return pad ? (n + 2) / 3 * 4 : (n * 4 + 2) / 3;
}

namespace detail {
#if defined(H2PB_BASE64_SSSE3)
/// Encodes 12 input octets into 16 characters per step, 16 octets readable
/// at each step: Wojciech Muła's SSSE3 algorithm ("Base64 encoding with
/// SIMD instructions", 0x80.pl, 2016; Muła and Lemire, "Faster Base64
/// Encoding and Decoding using AVX2 Instructions", ACM TOW 2018): a shuffle
/// spreads each 3 octets over a 32-bit lane, two multiplies move the four
/// 6-bit indices into place, and a 16-entry shuffle table maps each index
/// range (A-Z, a-z, 0-9, 62, 63) to the offset that makes it a character.
/// Returns how many input octets were consumed (a multiple of 12; the caller
/// encodes the rest).
__attribute__((target("ssse3"))) inline std::size_t base64_encode_ssse3(const std::uint8_t* in,
                                                                        std::size_t n, char* out,
                                                                        bool url) noexcept {
    const __m128i spread = _mm_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1);
    const __m128i shift_lut = _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                            '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                            '0' - 52, static_cast<char>((url ? '-' : '+') - 62),
                                            static_cast<char>((url ? '_' : '/') - 63), 'A', 0, 0);
    std::size_t i = 0;
    for (; i + 16 <= n; i += 12, out += 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
        v = _mm_shuffle_epi8(v, spread);
        // Each 32-bit lane holds octets b1 b0 b2 b1 (little-endian order);
        // pull out the four 6-bit indices, one per octet of the lane.
        const __m128i t0 = _mm_and_si128(v, _mm_set1_epi32(0x0fc0fc00));
        const __m128i t1 = _mm_mulhi_epu16(t0, _mm_set1_epi32(0x04000040));
        const __m128i t2 = _mm_and_si128(v, _mm_set1_epi32(0x003f03f0));
        const __m128i t3 = _mm_mullo_epi16(t2, _mm_set1_epi32(0x01000010));
        const __m128i idx = _mm_or_si128(t1, t3);
        // 0..25 -> 13 ('A' offset), 26..51 -> 0 ('a'-26), 52..61 -> 1..10,
        // 62 -> 11, 63 -> 12: the slot of the offset in shift_lut.
        __m128i slot = _mm_subs_epu8(idx, _mm_set1_epi8(51));
        const __m128i upper = _mm_cmpgt_epi8(_mm_set1_epi8(26), idx);
        slot = _mm_or_si128(slot, _mm_and_si128(upper, _mm_set1_epi8(13)));
        const __m128i chars = _mm_add_epi8(_mm_shuffle_epi8(shift_lut, slot), idx);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), chars);
    }
    return i;
}

/// Whether the CPU running us has SSSE3 (every x86-64 CPU since 2006 has).
inline bool cpu_has_ssse3() noexcept {
    static const bool has = __builtin_cpu_supports("ssse3");
    return has;
}
#endif

/// Inputs below this many octets are encoded by the portable loop alone:
/// the vector loop needs 16 readable octets per step and pays off only over
/// a few steps.
inline constexpr std::size_t base64_simd_min_size = 64;
}  // namespace detail

/// Appends the base64 of `in` to `out` (one resize, no other allocation).
/// Large inputs go through the SSSE3 encoder on x86-64 (about 5x the
/// portable loop's speed), the rest through the portable loop.
inline void base64_encode(bytes_view in, std::string& out, base64_encode_options opt = {}) {
    const std::string_view a = opt.alphabet == base64_alphabet::standard
                                   ? detail::base64_standard_chars
                                   : detail::base64_url_chars;
    const std::size_t start = out.size();
    out.resize(start + base64_encoded_size(in.size(), opt.pad));
    char* p = out.data() + start;
    std::size_t i = 0;
#if defined(H2PB_BASE64_SSSE3)
    if (in.size() >= detail::base64_simd_min_size && detail::cpu_has_ssse3()) {
        i = detail::base64_encode_ssse3(in.data(), in.size(), p,
                                        opt.alphabet == base64_alphabet::url);
        p += i / 3 * 4;
    }
#endif
    for (; i + 3 <= in.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) |
                                std::uint32_t{in[i + 2]};
        *p++ = a[(v >> 18) & 63];
        *p++ = a[(v >> 12) & 63];
        *p++ = a[(v >> 6) & 63];
        *p++ = a[v & 63];
    }
    const std::size_t rest = in.size() - i;
    if (rest == 1) {
        const std::uint32_t v = std::uint32_t{in[i]} << 16;
        *p++ = a[(v >> 18) & 63];
        *p++ = a[(v >> 12) & 63];
        if (opt.pad) {
            *p++ = '=';
            *p++ = '=';
        }
    } else if (rest == 2) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
        *p++ = a[(v >> 18) & 63];
        *p++ = a[(v >> 12) & 63];
        *p++ = a[(v >> 6) & 63];
        if (opt.pad) *p++ = '=';
    }
}

inline void base64_encode(std::string_view in, std::string& out, base64_encode_options opt = {}) {
    base64_encode(as_bytes(in), out, opt);
}

/// Appends the octets `in` encodes to `out`. Padded and unpadded text are
/// both accepted. On error `out` is left as it was.
[[nodiscard]] inline base64_errc base64_decode(std::string_view in, std::string& out,
                                               base64_accept accept = base64_accept::standard) {
    const auto& table = accept == base64_accept::standard ? detail::base64_values_standard
                        : accept == base64_accept::url    ? detail::base64_values_url
                                                          : detail::base64_values_either;
    // Strip the padding: at most two '=' and only to complete a quantum.
    std::size_t n = in.size();
    std::size_t pad = 0;
    while (n > 0 && in[n - 1] == '=' && pad < 2) {
        --n;
        ++pad;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (table[static_cast<std::uint8_t>(in[i])] == 0xFF)
            return base64_errc::bad_char;  // includes a third '=' or an inner one
    }
    if (pad > 0 && in.size() % 4 != 0) return base64_errc::bad_padding;
    if (n % 4 == 1) return base64_errc::bad_length;
    if (pad > 0 && (n % 4) + pad != 4) return base64_errc::bad_padding;
    const std::size_t start = out.size();
    out.resize(start + n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1));
    char* p = out.data() + start;
    auto val = [&](std::size_t i) -> std::uint32_t {
        return table[static_cast<std::uint8_t>(in[i])];
    };
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const std::uint32_t v =
            (val(i) << 18) | (val(i + 1) << 12) | (val(i + 2) << 6) | val(i + 3);
        *p++ = static_cast<char>(v >> 16);
        *p++ = static_cast<char>((v >> 8) & 0xFF);
        *p++ = static_cast<char>(v & 0xFF);
    }
    const std::size_t rest = n - i;
    if (rest == 2) {
        const std::uint32_t v = (val(i) << 18) | (val(i + 1) << 12);
        *p++ = static_cast<char>(v >> 16);
    } else if (rest == 3) {
        const std::uint32_t v = (val(i) << 18) | (val(i + 1) << 12) | (val(i + 2) << 6);
        *p++ = static_cast<char>(v >> 16);
        *p++ = static_cast<char>((v >> 8) & 0xFF);
    }
    return base64_errc::ok;
}

}  // namespace h2pb::wire
