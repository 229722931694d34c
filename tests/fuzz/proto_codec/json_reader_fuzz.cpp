// libFuzzer target: proto_codec/json_reader.hpp on arbitrary text. The first
// byte picks a reading strategy (skip everything, or walk the value reading
// each scalar as one of the protobuf types); a small max_depth keeps deep
// inputs cheap. Checks: no crash, no unbounded work, an error always carries
// a path starting with "$" and an offset inside the text, and a text that
// skips cleanly also skips cleanly when captured and read again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <h2pb/proto_codec/json_reader.hpp>

using namespace h2pb::proto::json;

namespace {
void check_error(const json_reader& r, std::size_t size) {
    const json_error& e = r.error();
    if (!e) return;
    if (e.path.empty() || e.path[0] != '$' || e.offset > size) std::abort();
}

/// Walks one value, reading scalars by `kind`, without recursion beyond the
/// reader's own depth bound (this helper recurses, bounded by max_depth).
void walk(json_reader& r, unsigned kind, std::string& scratch) {
    switch (r.peek()) {
        case json_reader::token::object: {
            if (!r.begin_object()) return;
            std::string_view key;
            while (r.next_key(scratch, key)) walk(r, kind + 1, scratch);
            return;
        }
        case json_reader::token::array:
            if (!r.begin_array()) return;
            while (r.next_element()) walk(r, kind + 1, scratch);
            return;
        default:
            break;
    }
    switch (kind % 8) {
        case 0: {
            std::int32_t v;
            (void)r.read_int32(v);
            break;
        }
        case 1: {
            std::uint64_t v;
            (void)r.read_uint64(v);
            break;
        }
        case 2: {
            double v;
            (void)r.read_double(v);
            break;
        }
        case 3: {
            float v;
            (void)r.read_float(v);
            break;
        }
        case 4: {
            std::string b;
            (void)r.read_bytes(b);
            break;
        }
        case 5: {
            std::string s;
            (void)r.read_string(s);
            break;
        }
        default:
            (void)r.skip_value();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned mode = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    parse_options o;
    o.max_depth = 32;
    if (mode & 1) {
        json_reader r(text, o);
        std::string_view raw;
        const bool ok = r.capture_value(raw) && r.finish();
        check_error(r, text.size());
        if (ok) {
            json_reader again(raw, o);
            if (!again.skip_value() || !again.finish()) std::abort();
        }
    } else {
        json_reader r(text, o);
        std::string scratch;
        walk(r, mode >> 1, scratch);
        (void)r.finish();
        check_error(r, text.size());
    }
    return 0;
}
