// libFuzzer target for rpc/zlib.hpp: arbitrary bytes decompressed by both
// codecs under a small limit.
//
// Input layout: byte 0 sets the limit (max_size = byte * 64, so 0..16320
// octets, small enough that the fuzzer meets too_large often), the rest is
// the compressed message, given to gzip_codec and deflate_codec alike.
//
// Checked, for each codec:
//   - out never grows by more than max_size (by more than max + one chunk is
//     what compression.hpp allows; zlib.hpp promises max), and on any error
//     it is left exactly as it was;
//   - what deflate_codec accepts, zlib's own uncompress() accepts too, with
//     the same octets and all of the input consumed (a differential check);
//   - what either codec accepts survives compress + decompress.
// The codecs live across inputs, so every input also runs after whatever
// state the previous one left (the reset path).
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <h2pb/rpc/zlib.hpp>

using namespace h2pb;

namespace {

constexpr wire::byte marker[] = {'p', 'r', 'e'};

void check(rpc::codec& c, wire::bytes_view in, std::size_t max, bool zlib_format) {
    wire::buffer out;
    out.append(wire::bytes_view(marker, sizeof marker));
    const rpc::compress_errc e = c.decompress(in, max, out);
    if (std::memcmp(out.data(), marker, sizeof marker) != 0) std::abort();
    const std::size_t got = out.size() - sizeof marker;
    if (got > max) std::abort();
    if (got > max + rpc::zlib_inflate_chunk) std::abort();
    if (e != rpc::compress_errc::ok) {
        if (got != 0) std::abort();
        if (e == rpc::compress_errc::failed) std::abort();  // no memory problem here
        return;
    }
    const wire::bytes_view plain = out.view().subspan(sizeof marker);

    if (zlib_format && !in.empty()) {
        std::vector<Bytef> ref(got + 1);
        uLongf ref_len = static_cast<uLongf>(ref.size());
        uLong src_len = static_cast<uLong>(in.size());
        if (uncompress2(ref.data(), &ref_len, in.data(), &src_len) != Z_OK) std::abort();
        if (src_len != in.size() || ref_len != got) std::abort();
        if (got != 0 && std::memcmp(ref.data(), plain.data(), got) != 0) std::abort();
    }

    wire::buffer packed;
    if (c.compress(plain, packed) != rpc::compress_errc::ok) std::abort();
    wire::buffer back;
    if (c.decompress(packed, got, back) != rpc::compress_errc::ok) std::abort();
    if (back.size() != got || (got != 0 && std::memcmp(back.data(), plain.data(), got) != 0))
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static rpc::gzip_codec gzip;
    static rpc::deflate_codec deflate;
    const std::size_t max = std::size_t{data[0]} * 64;
    const wire::bytes_view in(data + 1, size - 1);
    check(gzip, in, max, false);
    check(deflate, in, max, true);
    return 0;
}
