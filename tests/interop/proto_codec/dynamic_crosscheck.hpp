// Shared by the dynamic_message cross-checks (dynamic_crosscheck_test.cpp,
// text_format_crosscheck_test.cpp): one descriptor set loaded by both
// libprotobuf and h2pb, unknown fields added at random, maps made canonical,
// and a readable first difference of two byte strings.
#pragma once

#include <catch2/catch.hpp>

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <h2pb/proto_codec/descriptor.hpp>
#include <h2pb/wire/hex.hpp>

#include "crosscheck.hpp"

namespace h2pb_dyncheck {

namespace proto = h2pb::proto;
namespace wire = h2pb::wire;

inline std::string read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct both {
    std::string bytes;
    pb::DescriptorPool ref;
    proto::descriptor_pool h2;

    explicit both(const char* path) : bytes(read_file(path)) {
        pb::FileDescriptorSet set;
        REQUIRE(set.ParseFromString(bytes));
        for (const auto& f : set.file()) REQUIRE(ref.BuildFile(f) != nullptr);
        const auto e = h2.add_file_descriptor_set(wire::as_bytes(bytes));
        INFO(e.message());
        REQUIRE_FALSE(e);
    }
};
// Unknown fields of every wire type, numbers above every field of the
// conformance messages (and outside their extension ranges).
inline void add_unknown(pb::Message* m, std::mt19937_64& rng) {
    pb::UnknownFieldSet* u = m->GetReflection()->MutableUnknownFields(m);
    const int n = static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
        const int number = 10000 + static_cast<int>(rng() % 50);
        switch (rng() % 5) {
            case 0:
                u->AddVarint(number, rng());
                break;
            case 1:
                u->AddFixed32(number, static_cast<std::uint32_t>(rng()));
                break;
            case 2:
                u->AddFixed64(number, rng());
                break;
            case 3:
                u->AddLengthDelimited(number, std::string(rng() % 5, 'u'));
                break;
            default: {
                pb::UnknownFieldSet* g = u->AddGroup(number);
                g->AddVarint(1, rng() % 1000);
                g->AddLengthDelimited(2, "g");
                break;
            }
        }
    }
}

// Drops all but the last entry of each key from every map, recursively. The
// filler may add a key twice, and libprotobuf's DynamicMessage keeps such
// duplicates (in its repeated-field view) through parsing and deterministic
// serialization ("map keys are not unique"), where the encoding guide says
// the last entry of a key wins, as dynamic_message and generated code do.
inline void canonicalize_maps(pb::Message* m) {
    const pb::Reflection* r = m->GetReflection();
    std::vector<const FieldDescriptor*> set;
    r->ListFields(*m, &set);
    for (const FieldDescriptor* f : set) {
        if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
        if (f->is_map()) {
            const int n = r->FieldSize(*m, f);
            std::vector<std::string> keys;
            for (int i = 0; i < n; ++i) {
                std::unique_ptr<pb::Message> key(r->GetRepeatedMessage(*m, f, i).New());
                key->CopyFrom(r->GetRepeatedMessage(*m, f, i));
                key->GetReflection()->ClearField(key.get(),
                                                 key->GetDescriptor()->FindFieldByNumber(2));
                keys.push_back(key->SerializeAsString());
            }
            int out = 0;
            for (int i = 0; i < n; ++i) {
                bool later = false;
                for (int j = i + 1; j < n; ++j)
                    later = later ||
                            keys[static_cast<std::size_t>(j)] == keys[static_cast<std::size_t>(i)];
                if (later) continue;
                if (out != i) r->SwapElements(m, f, out, i);
                std::swap(keys[static_cast<std::size_t>(out)], keys[static_cast<std::size_t>(i)]);
                ++out;
            }
            for (int i = out; i < n; ++i) r->RemoveLast(m, f);
            for (int i = 0; i < out; ++i) canonicalize_maps(r->MutableRepeatedMessage(m, f, i));
        } else if (f->is_repeated()) {
            for (int i = 0; i < r->FieldSize(*m, f); ++i)
                canonicalize_maps(r->MutableRepeatedMessage(m, f, i));
        } else {
            canonicalize_maps(r->MutableMessage(m, f));
        }
    }
}

// "" when equal, else where the bytes first differ and what follows there.
inline std::string first_difference(const std::string& a, const std::string& b) {
    if (a == b) return "";
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    const std::size_t from = i < 8 ? 0 : i - 8;
    auto piece = [&](const std::string& s) {
        return h2pb::wire::to_hex(
            h2pb::wire::as_bytes(std::string_view(s).substr(std::min(from, s.size()), 24)));
    };
    return "sizes " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) +
           ", first difference at " + std::to_string(i) + " (context from " + std::to_string(from) +
           "): ours " + piece(a) + " / expected " + piece(b);
}

}  // namespace h2pb_dyncheck
