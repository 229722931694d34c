// libFuzzer target: random header lists encoded by hpack::encoder decode with
// hpack::decoder to the same lists (never-indexed marks kept), one encoder and
// one decoder per input, with random table size changes on both sides.
//
// Input: one options octet, then blocks; each block is a count octet then
// that many fields: a flags octet (bit 0 never indexed, bit 1 name from a
// small list, bit 2 table size change before the block), then name and value
// as length-prefixed octet strings (length octet, octets).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>

using namespace h2pb;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

constexpr std::string_view common_names[] = {":method",
                                             ":path",
                                             ":authority",
                                             "cookie",
                                             "authorization",
                                             "content-length",
                                             "user-agent",
                                             "x-custom",
                                             "grpc-status",
                                             "proxy-authorization",
                                             ":status",
                                             "set-cookie",
                                             "te",
                                             "content-type",
                                             "grpc-timeout",
                                             ""};

std::string_view take(const std::uint8_t*& p, const std::uint8_t* end) {
    if (p >= end) return {};
    std::size_t n = *p++;
    if (n > static_cast<std::size_t>(end - p)) n = static_cast<std::size_t>(end - p);
    const std::string_view s(reinterpret_cast<const char*>(p), n);
    p += n;
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t* p = data;
    const std::uint8_t* const end = data + size;
    const std::uint8_t options = *p++;
    hpack::encoder_options eo;
    static constexpr std::uint32_t caps[] = {0, 64, 256, 4096};
    eo.max_table_size = caps[options & 3];
    eo.huffman = static_cast<hpack::huffman_policy>((options >> 2) % 3);
    eo.short_cookie_length = (options & 16) ? 20 : 0;
    if (options & 32) {
        eo.policy = [](const hpack::field& f) {
            return f.value.size() % 3 == 0 ? hpack::indexing::without
                                           : hpack::indexing::incremental;
        };
    }
    hpack::encoder e(eo);
    hpack::decoder d({.max_header_list_size = UINT32_MAX});
    wire::buffer block;

    while (p < end) {
        const std::size_t count = *p++ % 32;
        std::vector<hpack::field> fields;
        for (std::size_t i = 0; i < count && p < end; ++i) {
            const std::uint8_t flags = *p++;
            hpack::field f;
            f.never_indexed = flags & 1;
            if (flags & 2) {
                f.name = common_names[(flags >> 4) % std::size(common_names)];
            } else {
                f.name = take(p, end);
            }
            f.value = take(p, end);
            if (flags & 4) {
                const std::uint32_t s = static_cast<std::uint32_t>(flags >> 3) * 97;
                e.set_peer_max_table_size(s);
                d.set_max_table_size(s);
            }
            fields.push_back(f);
        }
        block.clear();
        e.encode(fields, block);
        std::size_t k = 0;
        const auto err = d.decode(block.view(), [&](const hpack::field& f) {
            check(k < fields.size());
            check(f.name == fields[k].name);
            check(f.value == fields[k].value);
            if (fields[k].never_indexed) check(f.never_indexed);
            ++k;
        });
        check(!err);
        check(k == fields.size());
        check(d.table_size() == e.table_size());
        check(d.table().count() == e.table().count());
    }
    return 0;
}
