// libFuzzer target: hpack::decoder over random header blocks, with random
// SETTINGS_HEADER_TABLE_SIZE changes and small limits between blocks.
//
// Input: one settings octet, then commands until the input ends:
//   c & 3 == 0  decode the next (c >> 2) + 1 octets as one block
//               (observer on when the following octet is odd)
//   c & 3 == 1  set_max_table_size(next two octets, big-endian)
//   c & 3 == 2  set_max_header_list_size(next two octets)
//   c & 3 == 3  decode a long block: the next two octets give its length
// Checks: no crash or sanitizer report; the table never exceeds its limits;
// every emitted view is readable; emitted fields never exceed the list limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <h2pb/hpack/decoder.hpp>

using namespace h2pb;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

std::uint32_t u16(const std::uint8_t*& p, const std::uint8_t* end) {
    std::uint32_t v = 0;
    for (int i = 0; i < 2 && p < end; ++i) v = (v << 8) | *p++;
    return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t* p = data;
    const std::uint8_t* const end = data + size;
    const std::uint8_t settings = *p++;
    hpack::decoder_options o;
    static constexpr std::uint32_t table_sizes[] = {0, 32, 64, 256, 1024, 4096, 65536, 100};
    o.max_table_size = table_sizes[settings & 7];
    o.max_header_list_size = (settings & 8) ? 16384 : 256;
    o.max_string_length = (settings & 16) ? 65536 : 64;
    hpack::decoder d(o);
    std::uint32_t setting = o.max_table_size;
    std::uint32_t list_limit = o.max_header_list_size;

    while (p < end) {
        const std::uint8_t c = *p++;
        std::size_t length = 0;
        switch (c & 3) {
            case 0:
                length = (c >> 2) + 1u;
                break;
            case 1: {
                const std::uint32_t s = u16(p, end) * ((c & 4) ? 4u : 1u);
                d.set_max_table_size(s);
                setting = s;
                check(d.table().max_size() <= setting);
                continue;
            }
            case 2:
                list_limit = u16(p, end);
                d.set_max_header_list_size(list_limit);
                continue;
            case 3:
                length = u16(p, end);
                break;
        }
        if (static_cast<std::size_t>(end - p) < length) length = static_cast<std::size_t>(end - p);
        const wire::bytes_view block(p, length);
        p += length;
        std::uint64_t emitted = 0;
        std::uint64_t checksum = 0;
        const auto on_field = [&](const hpack::field& f) {
            emitted += f.size();
            for (char ch : f.name) checksum += static_cast<unsigned char>(ch);
            for (char ch : f.value) checksum += static_cast<unsigned char>(ch);
        };
        hpack::error err;
        if (p < end && (*p & 1)) {
            err = d.decode(block, on_field, [&](const hpack::representation& r) {
                check(r.offset + r.length <= block.size());
                checksum += r.decoded.name.size() + r.decoded.value.size();
            });
        } else {
            err = d.decode(block, on_field);
        }
        check(emitted <= list_limit);
        check(err.offset <= block.size());
        check(d.table().max_size() <= setting);
        check(d.table_size() <= d.table().max_size());
        if (err && err.code != hpack::errc::header_list_too_large) {
            // A compression error ends the connection: start a new one.
            d = hpack::decoder(o);
            setting = o.max_table_size;
            list_limit = o.max_header_list_size;
        }
        (void)checksum;
    }
    return 0;
}
