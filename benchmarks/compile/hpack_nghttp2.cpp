// Compile-time benchmark, shape "hpack", reference: the same program as
// hpack_h2pb.cpp on nghttp2's HPACK API (nghttp2_hd_deflate_hd /
// nghttp2_hd_inflate_hd2).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nghttp2/nghttp2.h>

namespace {
nghttp2_nv nv(const char* name, const char* value) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name)),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value)), std::strlen(name),
            std::strlen(value), NGHTTP2_NV_FLAG_NONE};
}
}  // namespace

int main() {
    nghttp2_nv request[] = {
        nv(":method", "POST"),
        nv(":scheme", "http"),
        nv(":path", "/analytics.v1.AnalyticsService/GetReport"),
        nv(":authority", "localhost:50051"),
        nv("content-type", "application/grpc"),
        nv("te", "trailers"),
        nv("grpc-timeout", "5S"),
    };
    const std::size_t count = sizeof request / sizeof request[0];
    nghttp2_hd_deflater* deflater = nullptr;
    nghttp2_hd_inflater* inflater = nullptr;
    if (nghttp2_hd_deflate_new(&deflater, 4096) != 0) return 1;
    if (nghttp2_hd_inflate_new(&inflater) != 0) return 1;
    std::vector<std::string> seen;
    for (int round = 0; round < 2; ++round) {  // the second block uses the dynamic table
        std::vector<std::uint8_t> block(nghttp2_hd_deflate_bound(deflater, request, count));
        const ssize_t n =
            nghttp2_hd_deflate_hd(deflater, block.data(), block.size(), request, count);
        if (n < 0) return 1;
        const std::uint8_t* in = block.data();
        std::size_t left = static_cast<std::size_t>(n);
        for (;;) {
            nghttp2_nv out;
            int flags = 0;
            const ssize_t used = nghttp2_hd_inflate_hd2(inflater, &out, &flags, in, left, 1);
            if (used < 0) {
                std::printf("decode failed\n");
                return 1;
            }
            in += used;
            left -= static_cast<std::size_t>(used);
            if (flags & NGHTTP2_HD_INFLATE_EMIT)
                seen.push_back(std::string(reinterpret_cast<char*>(out.name), out.namelen) + ": " +
                               std::string(reinterpret_cast<char*>(out.value), out.valuelen));
            if (flags & NGHTTP2_HD_INFLATE_FINAL) {
                nghttp2_hd_inflate_end_headers(inflater);
                break;
            }
            if (used == 0 && left == 0) break;
        }
        std::printf("block %d: %zd octets\n", round, n);
    }
    nghttp2_hd_inflate_del(inflater);
    nghttp2_hd_deflate_del(deflater);
    for (const std::string& s : seen) std::printf("%s\n", s.c_str());
    return seen.size() == 2 * count ? 0 : 1;
}
