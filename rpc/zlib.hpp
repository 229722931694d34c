// h2pb::rpc — gzip and deflate message compression with zlib (compression.md).
//
// Two grpc-encodings are built on zlib's DEFLATE (RFC 1951), differing only
// in the wrapper around the compressed data:
//
//   "gzip"     the gzip format, RFC 1952: a 10-byte header starting 1f 8b,
//              the DEFLATE data, then CRC-32 and the length mod 2^32.
//              zlib: windowBits 15 + 16.
//   "deflate"  the zlib format, RFC 1950 (NOT raw RFC 1951 data): a 2-byte
//              header (CMF, FLG), the DEFLATE data, then Adler-32.
//              zlib: windowBits 15.
//
// Why "deflate" means the zlib format: grpc C++ compresses and decompresses
// both encodings in src/core/lib/compression/message_compress.cc with
// deflateInit2/inflateInit2(windowBits = 15 | (gzip ? 16 : 0)), so its
// "deflate" is windowBits 15, which zlib documents as the zlib wrapper; grpc-
// java's Codec.Deflate uses java.util.zip's DeflaterOutputStream and
// InflaterInputStream, which also write and read the zlib format. (grpc-go has
// only gzip in tree, grpc/encoding/gzip.) Both sides use a 32 KiB window
// (windowBits 15), the largest DEFLATE allows.
//
// Each codec keeps its zlib streams between messages and only resets them
// (deflateReset/inflateReset keep the window and tables), so once a codec
// has seen its first message in each direction it allocates nothing more
// from zlib; `out` is the caller's buffer and stops growing once it has
// reached its working size if the caller clears and reuses it.
//
// Decompression is bounded (the "zip bomb" rule): decompress(in, max, out)
// stops as soon as the message is known to inflate to more than max octets,
// having inflated at most max + 1 octets, and the memory it asked `out` for
// is at most max + 1 octets beyond out's size on entry (or out's capacity if
// already larger). The work done is therefore proportional to
// min(inflated size, max) plus the input size, whatever the input claims.
//
// The streams are created on first use, so a codec used only to decompress
// never allocates deflate's state (about 256 KiB at memLevel 8) and one used
// only to compress never allocates inflate's (about 7 KiB + the 32 KiB
// window).
//
// This header needs zlib (dependency 'h2pb-zlib' in meson, pkg-config
// h2pb-zlib); rpc/compression.hpp has no dependency.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string_view>

#include <h2pb/rpc/compression.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::rpc {

/// The least room decompress() asks `out` for at a time: when out is full it
/// grows by half its capacity or by this much, whichever is more, and never
/// past the limit (max_size + 1 octets beyond its size on entry). Most gRPC
/// messages inflate to less than 16 KiB, so into an empty buffer they cost one
/// allocation; a bigger chunk would only waste memory on small messages, as
/// the growth is geometric after this. The bound on memory and work is the
/// limit, not this chunk: decompress() inflates at most max_size + 1 octets,
/// which is within the "max_size plus one chunk" compression.hpp promises.
inline constexpr std::size_t zlib_inflate_chunk = std::size_t{16} * 1024;

/// The gzip/deflate compression knobs.
struct zlib_settings {
    /// 0 (store) .. 9 (smallest), or Z_DEFAULT_COMPRESSION (-1, which zlib maps
    /// to 6): what grpc C++ uses for both encodings. gRPC messages are small and
    /// latency matters more than the last few percent of size.
    int level = Z_DEFAULT_COMPRESSION;
    /// deflate's memLevel 1..9: the hash table and block buffer sizes. 8 is
    /// zlib's default and grpc C++'s; deflate state is about
    /// (1 << (windowBits + 2)) + (1 << (memLevel + 9)) octets = 256 KiB.
    int mem_level = 8;
};

namespace detail {

// DEFLATE's window: 2^15 = 32 KiB, the largest RFC 1951 allows. The inflater
// must use at least the window of the deflater; the largest accepts them all.
inline constexpr int zlib_window_bits = 15;
// zlib's windowBits convention: +16 selects the gzip wrapper (RFC 1952).
inline constexpr int zlib_gzip_wrapper = 16;

// zlib moves at most UINT_MAX octets per call (avail_in/avail_out are uInt).
inline constexpr std::size_t zlib_max_step = UINT_MAX;

/// The shared body of gzip_codec and deflate_codec; `window_bits` picks the
/// wrapper. Not copyable or movable: zlib's state points back at its z_stream.
class zlib_codec : public codec {
  public:
    zlib_codec(int window_bits, zlib_settings s) noexcept
        : window_bits_(window_bits), settings_(s) {
        init_stream(deflater_);
        init_stream(inflater_);
    }
    zlib_codec(const zlib_codec&) = delete;
    zlib_codec& operator=(const zlib_codec&) = delete;
    ~zlib_codec() override {
        if (deflate_ready_) deflateEnd(&deflater_);
        if (inflate_ready_) inflateEnd(&inflater_);
    }

    /// Appends the compressed form of `in` (one complete gzip member or zlib
    /// stream) to `out`. On failure `out` is as it was.
    compress_errc compress(wire::bytes_view in, wire::buffer& out) override {
        const std::size_t start = out.size();
        const compress_errc e = guarded([&] { return deflate_into(in, out); });
        if (e != compress_errc::ok) out.resize(start);
        return e;
    }

    /// Appends the decompressed form of `in` to `out`: `in` must be exactly
    /// one gzip member / zlib stream, nothing before or after it (a second gzip
    /// member counts as trailing data, as in grpc C++); empty `in` is an
    /// empty message (grpc C++ accepts it too). At most max_size octets
    /// are appended; on any error `out` is as it was.
    ///   corrupt    bad header, bad data, bad check value, truncated, trailing
    ///              octets, or a zlib stream asking for a preset dictionary
    ///   too_large  inflates to more than max_size (detected after inflating
    ///              at most max_size + 1 octets)
    ///   failed     out of memory
    compress_errc decompress(wire::bytes_view in, std::size_t max_size,
                             wire::buffer& out) override {
        const std::size_t start = out.size();
        const compress_errc e = guarded([&] { return inflate_into(in, max_size, out); });
        if (e != compress_errc::ok) out.resize(start);
        return e;
    }

    /// How many blocks zlib has allocated through this codec so far: grows on
    /// the first message in each direction, then stays put (for tests and
    /// diagnostics).
    std::size_t zlib_allocations() const noexcept { return allocations_; }

  private:
    template <class F>
    static compress_errc guarded(F f) noexcept {
        try {
            return f();
        } catch (const std::bad_alloc&) {  // out could not grow
            return compress_errc::failed;
        }
    }

    void init_stream(z_stream& s) noexcept {
        s = z_stream{};
        s.zalloc = &zlib_codec::alloc;
        s.zfree = &zlib_codec::release;
        s.opaque = this;
    }
    static voidpf alloc(voidpf opaque, uInt items, uInt size) noexcept {
        // zlib multiplies nothing itself; items * size fits in 64 bits.
        void* p = std::malloc(std::size_t{items} * size);
        if (p != nullptr) ++static_cast<zlib_codec*>(opaque)->allocations_;
        return p;
    }
    static void release(voidpf, voidpf p) noexcept { std::free(p); }

    // Points next_in at the next piece of `in` (at most zlib_max_step octets)
    // once zlib has used the previous one. Returns whether octets remain
    // beyond what zlib has been given.
    static bool feed(z_stream& s, wire::bytes_view in, std::size_t& fed) noexcept {
        if (s.avail_in == 0 && fed < in.size()) {
            const std::size_t n = std::min(in.size() - fed, zlib_max_step);
            // zlib reads next_in only; it is declared const only with ZLIB_CONST.
            s.next_in = const_cast<Bytef*>(in.data() + fed);
            s.avail_in = static_cast<uInt>(n);
            fed += n;
        }
        return fed < in.size();
    }

    compress_errc deflate_into(wire::bytes_view in, wire::buffer& out) {
        if (!deflate_ready_) {
            const int r = deflateInit2(&deflater_, settings_.level, Z_DEFLATED, window_bits_,
                                       settings_.mem_level, Z_DEFAULT_STRATEGY);
            // Z_MEM_ERROR, or Z_STREAM_ERROR for a level/mem_level out of range.
            if (r != Z_OK) return compress_errc::failed;
            deflate_ready_ = true;
        } else if (deflateReset(&deflater_) != Z_OK) {
            return compress_errc::failed;
        }
        // deflateBound() is the most one Z_FINISH call can write for this
        // input (wrapper included), so normally one call finishes; the loop
        // covers inputs beyond uInt.
        const auto bound = static_cast<std::size_t>(deflateBound(&deflater_, in.size()));
        out.reserve(out.size() + std::min(bound, zlib_max_step));
        std::size_t fed = 0;
        deflater_.avail_in = 0;  // a message that failed may have left some
        for (;;) {
            const bool more = feed(deflater_, in, fed);
            std::size_t room = out.capacity() - out.size();
            if (room == 0) room = zlib_inflate_chunk;
            room = std::min(room, zlib_max_step);
            deflater_.next_out = out.prepare(room);
            deflater_.avail_out = static_cast<uInt>(room);
            const int r = deflate(&deflater_, more ? Z_NO_FLUSH : Z_FINISH);
            out.commit(room - deflater_.avail_out);
            if (r == Z_STREAM_END) return compress_errc::ok;
            if (r != Z_OK && r != Z_BUF_ERROR) return compress_errc::failed;
        }
    }

    compress_errc inflate_into(wire::bytes_view in, std::size_t max_size, wire::buffer& out) {
        if (!inflate_ready_) {
            const int r = inflateInit2(&inflater_, window_bits_);
            if (r != Z_OK) return compress_errc::failed;
            inflate_ready_ = true;
        } else if (inflateReset(&inflater_) != Z_OK) {
            return compress_errc::failed;
        }
        // An empty compressed message is an empty message, as in grpc C++
        // (message_compress.cc: "Do not fail on an empty input"). No encoder
        // writes one: the shortest gzip member is 20 octets, zlib stream 8.
        if (in.empty()) return compress_errc::ok;
        const std::size_t start = out.size();
        // Inflating one octet past max_size tells "exactly max_size" from
        // "more than max_size".
        const std::size_t limit = max_size == SIZE_MAX ? SIZE_MAX : max_size + 1;
        // A message that stopped early (an error) left its pointers behind.
        std::size_t fed = 0;
        inflater_.avail_in = 0;
        inflater_.avail_out = 0;
        for (;;) {
            const bool more_in = feed(inflater_, in, fed);
            if (inflater_.avail_out == 0) {
                const std::size_t produced = out.size() - start;
                if (produced >= limit) return compress_errc::too_large;
                const std::size_t want = std::min(limit - produced, zlib_max_step);
                if (out.capacity() - out.size() < std::min(want, zlib_inflate_chunk)) {
                    // Grow like wire::buffer (by half), at least a chunk, never
                    // past start + limit.
                    const std::size_t step = std::max(zlib_inflate_chunk, out.capacity() / 2);
                    out.reserve(out.size() + std::min(want, step));
                }
                const std::size_t room = std::min(want, out.capacity() - out.size());
                inflater_.next_out = out.prepare(room);
                inflater_.avail_out = static_cast<uInt>(room);
            }
            const uInt before = inflater_.avail_out;
            const int r = inflate(&inflater_, Z_NO_FLUSH);
            out.commit(before - inflater_.avail_out);
            switch (r) {
                case Z_STREAM_END:
                    // The member/stream is complete and its check value
                    // matched; anything after it is not part of the message.
                    if (inflater_.avail_in != 0 || more_in) return compress_errc::corrupt;
                    // It may have ended in the octet past max_size.
                    if (out.size() - start > max_size) return compress_errc::too_large;
                    return compress_errc::ok;
                case Z_OK:
                    break;
                case Z_BUF_ERROR:
                    // No progress possible. With room left, zlib needs input
                    // that is not there: the message is truncated.
                    if (inflater_.avail_out != 0 && inflater_.avail_in == 0 && !more_in)
                        return compress_errc::corrupt;
                    break;
                case Z_NEED_DICT:  // FDICT set (RFC 1950 2.2): gRPC has no dictionary
                case Z_DATA_ERROR:
                    return compress_errc::corrupt;
                default:  // Z_MEM_ERROR, Z_STREAM_ERROR
                    return compress_errc::failed;
            }
        }
    }

    int window_bits_;
    zlib_settings settings_;
    z_stream deflater_{};
    z_stream inflater_{};
    bool deflate_ready_ = false;
    bool inflate_ready_ = false;
    std::size_t allocations_ = 0;
};

}  // namespace detail

/// grpc-encoding "gzip": the gzip format, RFC 1952.
class gzip_codec final : public detail::zlib_codec {
  public:
    explicit gzip_codec(zlib_settings s = {}) noexcept
        : zlib_codec(detail::zlib_window_bits + detail::zlib_gzip_wrapper, s) {}
    std::string_view name() const noexcept override { return "gzip"; }
};

/// grpc-encoding "deflate": the zlib format, RFC 1950 (see the top of this
/// file for why not raw DEFLATE).
class deflate_codec final : public detail::zlib_codec {
  public:
    explicit deflate_codec(zlib_settings s = {}) noexcept
        : zlib_codec(detail::zlib_window_bits, s) {}
    std::string_view name() const noexcept override { return "deflate"; }
};

/// identity, gzip and deflate.
class zlib_registry final : public codec_registry {
  public:
    explicit zlib_registry(zlib_settings s = {}) noexcept : settings_(s) {}
    std::unique_ptr<codec> make(std::string_view name) const override {
        if (name == "gzip") return std::make_unique<gzip_codec>(settings_);
        if (name == "deflate") return std::make_unique<deflate_codec>(settings_);
        return nullptr;  // identity (no codec) or unknown
    }
    /// grpc C++'s order (its algorithm enum: identity, deflate, gzip).
    std::string_view accept_encoding() const noexcept override { return "identity,deflate,gzip"; }

  private:
    zlib_settings settings_;
};

}  // namespace h2pb::rpc
