// Shared by the cross-check tests: random messages built through
// libprotobuf's reflection, and the three-way comparison with h2pb.
#pragma once

#include <catch2/catch.hpp>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/util/message_differencer.h>

#include <bit>
#include <cmath>
#include <random>
#include <string>

#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/hex.hpp>

namespace pb = google::protobuf;
using pb::FieldDescriptor;

namespace h2pb_crosscheck {

inline std::string deterministic(const pb::Message& m) {
    std::string out;
    {
        pb::io::StringOutputStream s(&out);
        pb::io::CodedOutputStream c(&s);
        c.SetSerializationDeterministic(true);
        m.SerializeToCodedStream(&c);
    }
    return out;
}

class filler {
  public:
    explicit filler(std::uint64_t seed) : rng_(seed) {}

    void fill(pb::Message* m, int depth) {
        const pb::Descriptor* d = m->GetDescriptor();
        const pb::Reflection* r = m->GetReflection();
        for (int i = 0; i < d->field_count(); ++i) {
            const FieldDescriptor* f = d->field(i);
            const bool is_msg = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
            if (!f->is_required() && pick(3) == 0) continue;          // leave unset
            if (is_msg && depth >= 3 && !f->is_required()) continue;  // bound recursion
            if (f->is_map()) {
                const int n = static_cast<int>(pick(5));
                for (int j = 0; j < n; ++j) {
                    pb::Message* e = r->AddMessage(m, f);
                    set_single(e, e->GetDescriptor()->FindFieldByNumber(1), depth + 1);
                    set_single(e, e->GetDescriptor()->FindFieldByNumber(2), depth + 1);
                }
            } else if (f->is_repeated()) {
                const int n = static_cast<int>(pick(6));
                for (int j = 0; j < n; ++j) add_one(m, f, depth + 1);
            } else {
                set_single(m, f, depth + 1);
            }
        }
    }

  private:
    std::uint64_t pick(std::uint64_t n) { return rng_() % n; }

    std::int64_t any_int64() {
        switch (pick(4)) {
            case 0:
                return static_cast<std::int64_t>(pick(128));
            case 1:
                return static_cast<std::int64_t>(pick(1 << 20));
            case 2:
                return -static_cast<std::int64_t>(pick(1000));
            default:
                return static_cast<std::int64_t>(rng_());
        }
    }
    double any_double() {
        switch (pick(5)) {
            case 0:
                return 0.0;
            case 1:
                return -0.0;
            case 2:
                return std::ldexp(static_cast<double>(pick(1000)) - 500.0,
                                  static_cast<int>(pick(40)) - 20);
            case 3:
                return HUGE_VAL;
            default:
                return static_cast<double>(any_int64()) / 7.0;
        }
    }
    std::string any_string(bool utf8) {
        static const char* pieces[] = {
            "a", "Z", "0", " ", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "k", "\x7F"};
        std::string s;
        const std::size_t n = pick(12);
        for (std::size_t i = 0; i < n; ++i) {
            if (utf8) {
                s += pieces[pick(sizeof(pieces) / sizeof(pieces[0]))];
            } else {
                s.push_back(static_cast<char>(rng_()));
            }
        }
        return s;
    }
    int any_enum(const FieldDescriptor* f) {
        const pb::EnumDescriptor* e = f->enum_type();
        const bool open = f->file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO3;
        if (open && pick(6) == 0)
            return static_cast<int>(pick(1000)) + 100;  // unknown value, kept by open enums
        return e->value(static_cast<int>(pick(static_cast<std::uint64_t>(e->value_count()))))
            ->number();
    }

    void set_single(pb::Message* m, const FieldDescriptor* f, int depth) {
        const pb::Reflection* r = m->GetReflection();
        switch (f->cpp_type()) {
            case FieldDescriptor::CPPTYPE_INT32:
                r->SetInt32(m, f, static_cast<std::int32_t>(any_int64()));
                break;
            case FieldDescriptor::CPPTYPE_INT64:
                r->SetInt64(m, f, any_int64());
                break;
            case FieldDescriptor::CPPTYPE_UINT32:
                r->SetUInt32(m, f, static_cast<std::uint32_t>(any_int64()));
                break;
            case FieldDescriptor::CPPTYPE_UINT64:
                r->SetUInt64(m, f, static_cast<std::uint64_t>(any_int64()));
                break;
            case FieldDescriptor::CPPTYPE_DOUBLE:
                r->SetDouble(m, f, any_double());
                break;
            case FieldDescriptor::CPPTYPE_FLOAT:
                r->SetFloat(m, f, static_cast<float>(any_double()));
                break;
            case FieldDescriptor::CPPTYPE_BOOL:
                r->SetBool(m, f, pick(2) == 1);
                break;
            case FieldDescriptor::CPPTYPE_ENUM:
                r->SetEnumValue(m, f, any_enum(f));
                break;
            case FieldDescriptor::CPPTYPE_STRING:
                r->SetString(m, f, any_string(f->type() == FieldDescriptor::TYPE_STRING));
                break;
            case FieldDescriptor::CPPTYPE_MESSAGE:
                fill(r->MutableMessage(m, f), depth);
                break;
        }
    }
    void add_one(pb::Message* m, const FieldDescriptor* f, int depth) {
        const pb::Reflection* r = m->GetReflection();
        switch (f->cpp_type()) {
            case FieldDescriptor::CPPTYPE_INT32:
                r->AddInt32(m, f, static_cast<std::int32_t>(any_int64()));
                break;
            case FieldDescriptor::CPPTYPE_INT64:
                r->AddInt64(m, f, any_int64());
                break;
            case FieldDescriptor::CPPTYPE_UINT32:
                r->AddUInt32(m, f, static_cast<std::uint32_t>(any_int64()));
                break;
            case FieldDescriptor::CPPTYPE_UINT64:
                r->AddUInt64(m, f, static_cast<std::uint64_t>(any_int64()));
                break;
            case FieldDescriptor::CPPTYPE_DOUBLE:
                r->AddDouble(m, f, any_double());
                break;
            case FieldDescriptor::CPPTYPE_FLOAT:
                r->AddFloat(m, f, static_cast<float>(any_double()));
                break;
            case FieldDescriptor::CPPTYPE_BOOL:
                r->AddBool(m, f, pick(2) == 1);
                break;
            case FieldDescriptor::CPPTYPE_ENUM:
                r->AddEnumValue(m, f, any_enum(f));
                break;
            case FieldDescriptor::CPPTYPE_STRING:
                r->AddString(m, f, any_string(f->type() == FieldDescriptor::TYPE_STRING));
                break;
            case FieldDescriptor::CPPTYPE_MESSAGE:
                fill(r->AddMessage(m, f), depth);
                break;
        }
    }

    std::mt19937_64 rng_;
};

template <class H2, class Ref>
void cross_check(const Ref& ref, H2& h2, const std::string& det) {
    // 1. libprotobuf's deterministic bytes decode in h2pb and re-encode byte for byte
    const auto e = h2.decode(h2pb::wire::as_bytes(det));
    INFO(e.message());
    REQUIRE_FALSE(e);
    h2pb::wire::buffer out;
    h2.encode(out);
    REQUIRE(out.size() == h2.encoded_size());
    CHECK(h2pb::wire::to_hex(out) == h2pb::wire::to_hex(h2pb::wire::as_bytes(det)));
    // 2. h2pb's bytes parse in libprotobuf to an equal message
    //    (compared with the reference parsed back from its own bytes: a map
    //    filled through reflection may hold a key twice until it is parsed)
    Ref back;
    REQUIRE(back.ParseFromArray(out.data(), static_cast<int>(out.size())));
    Ref canonical;
    REQUIRE(canonical.ParseFromString(det));
    std::string diff;
    pb::util::MessageDifferencer differ;
    differ.ReportDifferencesToString(&diff);
    const bool same = differ.Compare(canonical, back);
    INFO(diff);
    CHECK(same);
    // 3. libprotobuf's default serialization (maps in hash order) decodes to the same message
    H2 again;
    REQUIRE_FALSE(again.decode(h2pb::wire::as_bytes(ref.SerializeAsString())));
    CHECK(again == h2);
}

}  // namespace h2pb_crosscheck
