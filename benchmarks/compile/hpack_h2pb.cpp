// Compile-time benchmark, shape "hpack" (benchmarks/compile/compile_bench.py):
// a program that HPACK-encodes a gRPC request's header list (RFC 7541) and
// decodes it again with h2pb::hpack. Same work as hpack_nghttp2.cpp.
#include <cstdio>
#include <string>
#include <vector>

#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>

namespace hpack = h2pb::hpack;

int main() {
    const hpack::field request[] = {
        {":method", "POST"},
        {":scheme", "http"},
        {":path", "/analytics.v1.AnalyticsService/GetReport"},
        {":authority", "localhost:50051"},
        {"content-type", "application/grpc"},
        {"te", "trailers"},
        {"grpc-timeout", "5S"},
    };
    hpack::encoder enc;
    hpack::decoder dec;
    std::vector<std::string> seen;
    for (int round = 0; round < 2; ++round) {  // the second block uses the dynamic table
        h2pb::wire::buffer block;
        enc.encode(request, block);
        auto err = dec.decode(block.view(), [&](const hpack::field& f) {
            seen.push_back(std::string(f.name) + ": " + std::string(f.value));
        });
        if (err) {
            std::printf("decode failed at %zu\n", static_cast<std::size_t>(err.offset));
            return 1;
        }
        std::printf("block %d: %zu octets\n", round, block.size());
    }
    for (const std::string& s : seen) std::printf("%s\n", s.c_str());
    return seen.size() == 2 * std::size(request) ? 0 : 1;
}
