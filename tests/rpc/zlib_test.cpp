// Tests of rpc/zlib.hpp: gzip (RFC 1952) and deflate (the zlib format, RFC
// 1950) message codecs and their registry.
//
// The golden vectors were written by Python's gzip and zlib modules (a
// reference implementation, not our code), with:
//
//   /usr/bin/python3 -c 'import gzip, zlib, io
//   for v in (b"hello, gRPC", b"abc" * 100, b""):
//       print(gzip.compress(v, mtime=0).hex(), zlib.compress(v).hex())
//   b = io.BytesIO()
//   with gzip.GzipFile(filename="m.bin", mode="wb", fileobj=b, mtime=0) as f:
//       f.write(b"hello, gRPC")
//   print(b.getvalue().hex(), zlib.compress(b"hello, gRPC", 0).hex(),
//         zlib.compress(b"abc" * 100, 9).hex())'
//
// (Python 3.11, zlib 1.2.13.) The zip bombs are written by zlib's own
// deflate() in the test, not by our codec.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstring>
#include <string>
#include <vector>

#include <h2pb/rpc/zlib.hpp>
#include <test_support.hpp>

using namespace h2pb;
using rpc::compress_errc;

namespace {

std::vector<wire::byte> hex(std::string_view h) {
    std::vector<wire::byte> out;
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(static_cast<wire::byte>(nibble(h[i]) * 16 + nibble(h[i + 1])));
    return out;
}

wire::bytes_view view(const std::vector<wire::byte>& v) {
    return {v.data(), v.size()};
}
wire::bytes_view view(std::string_view s) {
    return wire::as_bytes(s);
}

const std::string hello = "hello, gRPC";
const std::string abc300 = [] {
    std::string s;
    for (int i = 0; i < 100; ++i) s += "abc";
    return s;
}();

// Python gzip.compress(v, mtime=0): header 1f 8b 08 00 00000000 02 03.
constexpr std::string_view gzip_hello =
    "1f8b0800000000000203cb48cdc9c9d751480f0a700600be60bbdb0b000000";
constexpr std::string_view gzip_abc300 = "1f8b08000000000002034b4c4a4e1c45c4210084b8c4d02c010000";
constexpr std::string_view gzip_empty = "1f8b080000000000020303000000000000000000";
// GzipFile(filename="m.bin"): FLG.FNAME set, name "m.bin\0" (RFC 1952 2.3.1).
constexpr std::string_view gzip_fname_hello =
    "1f8b08080000000002ff6d2e62696e00cb48cdc9c9d751480f0a700600be60bbdb0b000000";
// Python zlib.compress(v): header 78 9c (RFC 1950 2.2: deflate, 32K window).
constexpr std::string_view zlib_hello = "789ccb48cdc9c9d751480f0a70060017c703ad";
constexpr std::string_view zlib_abc300 = "789c4b4c4a4e1c45c42100884d72d9";
constexpr std::string_view zlib_empty = "789c030000000001";
// zlib.compress(v, 0): one stored block (BTYPE 00, RFC 1951 3.2.4).
constexpr std::string_view zlib_stored_hello = "7801010b00f4ff68656c6c6f2c206752504317c703ad";
// zlib.compress(v, 9): header 78 da.
constexpr std::string_view zlib_l9_abc300 = "78da4b4c4a4e1c45c42100884d72d9";

std::string decode(rpc::codec& c, std::string_view hex_text,
                   std::size_t max = rpc::zlib_inflate_chunk * 4) {
    wire::buffer out;
    const auto in = hex(hex_text);
    REQUIRE(c.decompress(view(in), max, out) == compress_errc::ok);
    return std::string(out.chars());
}

compress_errc try_decode(rpc::codec& c, wire::bytes_view in, std::size_t max = 1 << 20) {
    wire::buffer out;
    out.append(std::string_view("prefix"));
    const compress_errc e = c.decompress(in, max, out);
    if (e != compress_errc::ok) CHECK(out.chars() == "prefix");  // left as it was
    return e;
}

/// `total` zeros compressed by zlib itself (not our codec), windowBits as
/// given (15 = zlib format, 31 = gzip).
std::vector<wire::byte> zlib_bomb(std::size_t total, int window_bits) {
    z_stream s{};
    REQUIRE(deflateInit2(&s, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::vector<wire::byte> zeros(1 << 20, 0);
    std::vector<wire::byte> out;
    std::vector<wire::byte> chunk(1 << 16);
    std::size_t left = total;
    int r = Z_OK;
    while (r != Z_STREAM_END) {
        const std::size_t n = std::min(left, zeros.size());
        s.next_in = zeros.data();
        s.avail_in = static_cast<uInt>(n);
        left -= n;
        do {
            s.next_out = chunk.data();
            s.avail_out = static_cast<uInt>(chunk.size());
            r = deflate(&s, left == 0 ? Z_FINISH : Z_NO_FLUSH);
            REQUIRE(r != Z_STREAM_ERROR);
            out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - s.avail_out));
        } while (s.avail_out == 0);
    }
    deflateEnd(&s);
    return out;
}

}  // namespace

TEST_CASE("gzip decodes Python's gzip output", "[rpc][zlib]") {
    rpc::gzip_codec c;
    CHECK(c.name() == "gzip");
    CHECK(decode(c, gzip_hello) == hello);
    CHECK(decode(c, gzip_abc300) == abc300);
    CHECK(decode(c, gzip_empty).empty());
    CHECK(decode(c, gzip_fname_hello) == hello);
}

TEST_CASE("deflate decodes Python's zlib output (RFC 1950)", "[rpc][zlib]") {
    rpc::deflate_codec c;
    CHECK(c.name() == "deflate");
    CHECK(decode(c, zlib_hello) == hello);
    CHECK(decode(c, zlib_abc300) == abc300);
    CHECK(decode(c, zlib_empty).empty());
    CHECK(decode(c, zlib_stored_hello) == hello);
    CHECK(decode(c, zlib_l9_abc300) == abc300);
}

TEST_CASE("each codec rejects the other's format", "[rpc][zlib]") {
    rpc::gzip_codec g;
    rpc::deflate_codec d;
    CHECK(try_decode(g, view(hex(zlib_hello))) == compress_errc::corrupt);
    CHECK(try_decode(d, view(hex(gzip_hello))) == compress_errc::corrupt);
    // Raw DEFLATE (RFC 1951, no wrapper) is not "deflate": the zlib payload
    // without its 2-byte header and 4-byte Adler-32.
    const auto z = hex(zlib_hello);
    const std::vector<wire::byte> raw(z.begin() + 2, z.end() - 4);
    CHECK(try_decode(d, view(raw)) == compress_errc::corrupt);
}

TEST_CASE("decompress appends after what out holds", "[rpc][zlib]") {
    rpc::gzip_codec c;
    wire::buffer out;
    out.append(std::string_view("> "));
    REQUIRE(c.decompress(view(hex(gzip_hello)), 100, out) == compress_errc::ok);
    CHECK(out.chars() == "> " + hello);
}

TEST_CASE("our output: gzip has the 1f 8b header, deflate is accepted by zlib's uncompress()",
          "[rpc][zlib]") {
    for (const std::string& text : {std::string(), hello, abc300}) {
        rpc::gzip_codec g;
        wire::buffer gz;
        gz.append(std::string_view("xy"));  // compress appends
        REQUIRE(g.compress(view(text), gz) == compress_errc::ok);
        REQUIRE(gz.size() >= 2 + 18);
        CHECK(gz[0] == 'x');
        CHECK(gz[2] == 0x1f);
        CHECK(gz[3] == 0x8b);
        CHECK(gz[4] == 8);  // CM = deflate (RFC 1952 2.3.1)
        wire::buffer back;
        REQUIRE(g.decompress(wire::bytes_view(gz).subspan(2), text.size(), back) ==
                compress_errc::ok);
        CHECK(back.chars() == text);

        rpc::deflate_codec d;
        wire::buffer zl;
        REQUIRE(d.compress(view(text), zl) == compress_errc::ok);
        // RFC 1950 2.2: CM 8, and (CMF*256 + FLG) is a multiple of 31.
        CHECK((zl[0] & 0x0f) == 8);
        CHECK(((zl[0] << 8) | zl[1]) % 31 == 0);
        std::vector<Bytef> plain(text.size() + 1);
        uLongf plain_len = static_cast<uLongf>(plain.size());
        REQUIRE(uncompress(plain.data(), &plain_len, zl.data(), static_cast<uLong>(zl.size())) ==
                Z_OK);
        CHECK(std::string(reinterpret_cast<const char*>(plain.data()), plain_len) == text);
        back.clear();
        REQUIRE(d.decompress(zl, text.size(), back) == compress_errc::ok);
        CHECK(back.chars() == text);
    }
}

TEST_CASE("the limit: exactly max_size is ok, one more is too_large", "[rpc][zlib]") {
    rpc::gzip_codec g;
    rpc::deflate_codec d;
    wire::buffer out;
    CHECK(g.decompress(view(hex(gzip_abc300)), 300, out) == compress_errc::ok);
    CHECK(out.size() == 300);
    CHECK(try_decode(g, view(hex(gzip_abc300)), 299) == compress_errc::too_large);
    CHECK(try_decode(d, view(hex(zlib_abc300)), 299) == compress_errc::too_large);
    CHECK(try_decode(d, view(hex(zlib_hello)), 0) == compress_errc::too_large);
    out.clear();
    CHECK(d.decompress(view(hex(zlib_empty)), 0, out) == compress_errc::ok);
    CHECK(out.empty());
    // The codec is fine after too_large.
    CHECK(decode(d, zlib_abc300) == abc300);
}

TEST_CASE("a zip bomb costs the limit, not its inflated size", "[rpc][zlib]") {
    constexpr std::size_t inflated = 100u << 20;  // 100 MiB of zeros
    constexpr std::size_t max = 4u << 20;         // 4 MiB limit
    for (const int bits : {15, 31}) {
        const auto bomb = zlib_bomb(inflated, bits);
        INFO("windowBits " << bits << ", " << bomb.size() << " compressed octets");
        CHECK(bomb.size() < inflated / 500);
        std::unique_ptr<rpc::codec> c;
        if (bits == 31)
            c = std::make_unique<rpc::gzip_codec>();
        else
            c = std::make_unique<rpc::deflate_codec>();
        wire::buffer out;
        CHECK(c->decompress(view(bomb), max, out) == compress_errc::too_large);
        CHECK(out.size() == 0);
        // Memory asked of out: at most the limit plus one octet.
        CHECK(out.capacity() <= max + 1);
        CHECK(out.capacity() <= max + rpc::zlib_inflate_chunk);
        // With the limit above the inflated size it all comes out.
        out.clear();
        if (bits == 15) {
            REQUIRE(c->decompress(view(bomb), inflated, out) == compress_errc::ok);
            REQUIRE(out.size() == inflated);
            CHECK(out[inflated - 1] == 0);
        }
    }
}

TEST_CASE("corrupt, truncated and trailing input is corrupt", "[rpc][zlib]") {
    rpc::gzip_codec g;
    rpc::deflate_codec d;
    const auto gz = hex(gzip_abc300);
    const auto zl = hex(zlib_abc300);

    SECTION("every truncation") {
        // Empty input is an empty message (as in grpc C++); every other
        // proper prefix is truncated.
        for (std::size_t n = 1; n < gz.size(); ++n)
            CHECK(try_decode(g, view(gz).first(n)) == compress_errc::corrupt);
        for (std::size_t n = 1; n < zl.size(); ++n)
            CHECK(try_decode(d, view(zl).first(n)) == compress_errc::corrupt);
        wire::buffer out;
        CHECK(g.decompress({}, 10, out) == compress_errc::ok);
        CHECK(d.decompress({}, 10, out) == compress_errc::ok);
        CHECK(out.empty());
    }
    SECTION("trailing octets") {
        for (auto base : {gz, zl}) {
            rpc::codec& c = base[0] == 0x1f ? static_cast<rpc::codec&>(g) : d;
            auto t = base;
            t.push_back(0);
            CHECK(try_decode(c, view(t)) == compress_errc::corrupt);
            // A second complete member/stream is trailing data too.
            t = base;
            t.insert(t.end(), base.begin(), base.end());
            CHECK(try_decode(c, view(t)) == compress_errc::corrupt);
        }
    }
    SECTION("bad check values") {
        auto t = gz;
        t[t.size() - 8] ^= 1;  // CRC-32 (RFC 1952 2.3.1)
        CHECK(try_decode(g, view(t)) == compress_errc::corrupt);
        t = gz;
        t[t.size() - 1] ^= 1;  // ISIZE
        CHECK(try_decode(g, view(t)) == compress_errc::corrupt);
        t = zl;
        t[t.size() - 1] ^= 1;  // Adler-32 (RFC 1950 2.2)
        CHECK(try_decode(d, view(t)) == compress_errc::corrupt);
    }
    SECTION("bad headers") {
        auto t = gz;
        t[0] = 0x1e;  // ID1
        CHECK(try_decode(g, view(t)) == compress_errc::corrupt);
        t = zl;
        t[1] ^= 1;  // FCHECK no longer makes CMF*256+FLG a multiple of 31
        CHECK(try_decode(d, view(t)) == compress_errc::corrupt);
        // FDICT set (78 bb): a preset dictionary gRPC never has.
        const auto dict = hex("78bb000000014b4c4a0600");
        CHECK(try_decode(d, view(dict)) == compress_errc::corrupt);
        // BTYPE 11 (reserved, RFC 1951 3.2.3).
        CHECK(try_decode(d, view(hex("789c07"))) == compress_errc::corrupt);
    }
    SECTION("every single bit flip is caught or harmless") {
        // DEFLATE data plus a 32-bit check catch nearly all; what matters is
        // no crash and an answer within the limit.
        for (std::size_t i = 0; i < gz.size() * 8; ++i) {
            auto t = gz;
            t[i / 8] ^= static_cast<wire::byte>(1u << (i % 8));
            wire::buffer out;
            const auto e = g.decompress(view(t), 1000, out);
            CHECK(out.size() <= 1000);
            if (e == compress_errc::ok) CHECK(out.size() == 300);
        }
    }
}

TEST_CASE("a codec works again after each kind of error", "[rpc][zlib]") {
    rpc::gzip_codec g;
    auto gz = hex(gzip_abc300);
    auto trailing = gz;
    trailing.push_back(0x1f);  // stops with input left over
    auto bad = gz;
    bad[12] ^= 0xff;
    for (int round = 0; round < 3; ++round) {
        CHECK(try_decode(g, view(trailing)) == compress_errc::corrupt);
        CHECK(decode(g, gzip_abc300) == abc300);
        CHECK(try_decode(g, view(gz), 10) == compress_errc::too_large);  // stops mid-stream
        CHECK(decode(g, gzip_hello) == hello);
        CHECK(try_decode(g, view(gz).first(gz.size() / 2)) == compress_errc::corrupt);
        CHECK(decode(g, gzip_abc300) == abc300);
        CHECK(try_decode(g, view(bad)) == compress_errc::corrupt);
        CHECK(decode(g, gzip_empty).empty());
    }
}

TEST_CASE("one codec through many messages stops allocating", "[rpc][zlib]") {
    rpc::gzip_codec c;
    wire::buffer packed;
    wire::buffer plain;
    std::size_t warm_allocations = 0;
    std::size_t warm_packed = 0;
    std::size_t warm_plain = 0;
    for (int i = 0; i < 200; ++i) {
        // Messages of varying size and content, the largest first.
        std::string msg;
        const int n = (i == 0) ? 5000 : 1 + (i * 37) % 4000;
        for (int k = 0; k < n; ++k) msg.push_back(static_cast<char>('a' + (k * i) % 26));
        packed.clear();
        plain.clear();
        REQUIRE(c.compress(view(msg), packed) == compress_errc::ok);
        REQUIRE(c.decompress(packed, msg.size(), plain) == compress_errc::ok);
        REQUIRE(plain.chars() == msg);
        if (i == 0) {
            warm_allocations = c.zlib_allocations();
            warm_packed = packed.capacity();
            warm_plain = plain.capacity();
            CHECK(warm_allocations > 0);
        }
    }
    CHECK(c.zlib_allocations() == warm_allocations);
    CHECK(packed.capacity() == warm_packed);
    CHECK(plain.capacity() == warm_plain);
}

TEST_CASE("a codec used one way never builds the other stream", "[rpc][zlib]") {
    rpc::deflate_codec c;
    CHECK(c.zlib_allocations() == 0);
    CHECK(decode(c, zlib_hello) == hello);
    const std::size_t inflate_only = c.zlib_allocations();
    CHECK(inflate_only > 0);
    wire::buffer out;
    REQUIRE(c.compress(view(hello), out) == compress_errc::ok);
    CHECK(c.zlib_allocations() > inflate_only);
}

TEST_CASE("compression levels", "[rpc][zlib]") {
    rpc::zlib_settings store;
    store.level = 0;
    rpc::deflate_codec c(store);
    wire::buffer out;
    REQUIRE(c.compress(view(abc300), out) == compress_errc::ok);
    CHECK(out.size() > abc300.size());  // stored, not compressed
    wire::buffer back;
    REQUIRE(c.decompress(out, 300, back) == compress_errc::ok);
    CHECK(back.chars() == abc300);

    rpc::zlib_settings bad;
    bad.level = 42;
    rpc::gzip_codec b(bad);
    out.clear();
    CHECK(b.compress(view(hello), out) == compress_errc::failed);
    CHECK(out.empty());
    CHECK(decode(b, gzip_hello) == hello);  // inflating does not care
}

TEST_CASE("zlib_registry", "[rpc][zlib]") {
    const rpc::zlib_registry r;
    const rpc::codec_registry& base = r;
    auto g = base.make("gzip");
    REQUIRE(g != nullptr);
    CHECK(g->name() == "gzip");
    CHECK(decode(*g, gzip_hello) == hello);
    auto d = base.make("deflate");
    REQUIRE(d != nullptr);
    CHECK(d->name() == "deflate");
    CHECK(decode(*d, zlib_hello) == hello);
    CHECK(base.make("identity") == nullptr);
    CHECK(base.make("snappy") == nullptr);
    CHECK(base.make("GZIP") == nullptr);  // grpc-encoding tokens are compared exactly
    CHECK(base.make("") == nullptr);
    CHECK(base.accept_encoding() == "identity,deflate,gzip");
    // Each make() is a new codec with its own streams.
    CHECK(base.make("gzip").get() != g.get());

    const rpc::identity_only none;
    CHECK(none.make("gzip") == nullptr);
    CHECK(none.accept_encoding() == "identity");
}
