// libFuzzer target: decode random bytes into the every-field-kind messages
// (tests/proto_codec/protos/all_types3.proto and all_types2.proto) and walk
// them with the schema-free field_reader. Whatever decodes must re-encode to
// bytes that decode again to a message that encodes to the same bytes
// (round-trip stability), and encoded_size() must match what encode() wrote.
// Sanitizers (ASan/UBSan) catch out-of-bounds reads and undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <h2pb/proto_codec/field_reader.hpp>
#include "all_types2.h2pb.hpp"
#include "all_types3.h2pb.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

template <class M>
void round_trip(h2pb::wire::bytes_view in) {
    h2pb::proto::decode_limits limits;
    limits.max_depth = 64;  // keeps the stack of a sanitized build small
    M m;
    if (m.decode(in, limits)) return;  // bad input: an error value, nothing else
    h2pb::wire::buffer first;
    m.encode(first);
    check(first.size() == m.encoded_size());
    M again;
    check(!again.decode(first, limits));
    h2pb::wire::buffer second;
    again.encode(second);
    check(h2pb::wire::equal(first, second));
    // merge(bytes) twice equals decoding the bytes concatenated
    M merged;
    check(!merged.merge(first, limits));
    check(!merged.merge(first, limits));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const h2pb::wire::bytes_view in{data, size};
    round_trip<h2pb::test3::AllTypes>(in);
    round_trip<h2pb::test2::AllTypes2>(in);
    round_trip<h2pb::test3::Recursive>(in);
    h2pb::proto::field_reader r(in);
    h2pb::proto::field f;
    std::size_t fields = 0;
    while (r.next(f)) ++fields;
    check(fields <= size);
    return 0;
}
