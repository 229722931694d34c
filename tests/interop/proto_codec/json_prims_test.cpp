// The JSON primitives (proto_codec/json_*.hpp, wire/base64.hpp) against
// libprotobuf 3.21: Timestamp/Duration text (util/time_util.h), scalar values
// through the wrapper types (util/json_util.h), FieldMask path conversion
// (util/field_mask_util.h) and protoc's json_name (the descriptor pool).
// Random values, fixed seeds: a failure is reproducible.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/field_mask_util.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <google/protobuf/wrappers.pb.h>

#include <h2pb/proto_codec/json_reader.hpp>
#include <h2pb/proto_codec/json_wkt_format.hpp>
#include <h2pb/proto_codec/json_writer.hpp>

namespace pb = google::protobuf;
using pb::util::TimeUtil;
using namespace h2pb::proto::json;

namespace {
std::mt19937_64 rng(20240615);

std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

/// Nanos with a bias to the 0/3/6/9-digit cases.
std::int32_t random_nanos() {
    switch (uniform(0, 3)) {
        case 0:
            return 0;
        case 1:
            return static_cast<std::int32_t>(uniform(0, 999) * 1000000);
        case 2:
            return static_cast<std::int32_t>(uniform(0, 999999) * 1000);
        default:
            return static_cast<std::int32_t>(uniform(0, 999999999));
    }
}

std::string to_json(const pb::Message& m) {
    std::string out;
    const auto st = pb::util::MessageToJsonString(m, &out);
    REQUIRE(st.ok());
    return out;
}
bool from_json(const std::string& json, pb::Message& m) {
    return pb::util::JsonStringToMessage(json, &m).ok();
}

double random_double() {
    switch (uniform(0, 3)) {
        case 0: {  // any bit pattern
            std::uint64_t bits = rng();
            double d;
            std::memcpy(&d, &bits, 8);
            return d;
        }
        case 1:
            return static_cast<double>(uniform(-1000000, 1000000)) / 1000.0;
        case 2:
            return std::ldexp(static_cast<double>(uniform(1, 1 << 30)),
                              static_cast<int>(uniform(-1074, 990)));
        default:
            return static_cast<double>(uniform(INT64_MIN / 2, INT64_MAX / 2));
    }
}
}  // namespace

TEST_CASE("interop json: Timestamp text agrees with TimeUtil") {
    for (int i = 0; i < 20000; ++i) {
        pb::Timestamp t;
        t.set_seconds(i == 0   ? timestamp_min_seconds
                      : i == 1 ? timestamp_max_seconds
                               : uniform(timestamp_min_seconds, timestamp_max_seconds));
        t.set_nanos(i == 1 ? 999999999 : random_nanos());
        const std::string theirs = TimeUtil::ToString(t);
        std::string ours;
        REQUIRE(format_timestamp(t.seconds(), t.nanos(), ours));
        REQUIRE(ours == theirs);
        std::int64_t s = 0;
        std::int32_t n = 0;
        REQUIRE(parse_timestamp(theirs, s, n));
        CHECK((s == t.seconds() && n == t.nanos()));
    }
    // Offsets: libprotobuf and we agree on what "+hh:mm" means.
    for (const char* text : {"2017-01-15T01:30:15.01+05:45", "1972-01-01T10:00:20.021-08:00",
                             "0001-01-01T10:00:00+09:59", "9999-12-31T13:59:59.5-10:00"}) {
        pb::Timestamp t;
        REQUIRE(TimeUtil::FromString(text, &t));
        std::int64_t s = 0;
        std::int32_t n = 0;
        REQUIRE(parse_timestamp(text, s, n));
        CHECK((s == t.seconds() && n == t.nanos()));
    }
}

TEST_CASE("interop json: Duration text agrees with TimeUtil") {
    for (int i = 0; i < 20000; ++i) {
        pb::Duration d;
        std::int64_t s = i == 0   ? duration_max_seconds
                         : i == 1 ? -duration_max_seconds
                                  : uniform(-duration_max_seconds, duration_max_seconds);
        if (uniform(0, 3) == 0) s = uniform(-10, 10);
        std::int32_t n = random_nanos();
        if (s < 0 || (s == 0 && uniform(0, 1) == 0)) n = -n;
        d.set_seconds(s);
        d.set_nanos(n);
        const std::string theirs = TimeUtil::ToString(d);
        std::string ours;
        REQUIRE(format_duration(s, n, ours));
        REQUIRE(ours == theirs);
        std::int64_t ps = 0;
        std::int32_t pn = 0;
        REQUIRE(parse_duration(theirs, ps, pn));
        CHECK((ps == s && pn == n));
    }
}

TEST_CASE("interop json: doubles and floats read back equal both ways") {
    std::string ours, scratch;
    for (int i = 0; i < 20000; ++i) {
        double d = random_double();
        if (std::isnan(d)) continue;  // NaN payloads: only the quiet NaN is printed
        // Ours -> libprotobuf.
        ours.clear();
        json_writer(ours).float64(d);
        pb::DoubleValue dv;
        REQUIRE(from_json(ours, dv));
        CHECK((dv.value() == d || (d == 0 && dv.value() == 0)));
        // libprotobuf -> ours.
        pb::DoubleValue src;
        src.set_value(d);
        const std::string theirs = to_json(src);
        json_reader r(theirs);
        double back = 0;
        INFO(theirs);
        REQUIRE(r.read_double(back));
        REQUIRE(r.finish());
        CHECK(back == d);
        // Floats.
        const float f = static_cast<float>(d);
        if (std::isnan(f)) continue;
        ours.clear();
        json_writer(ours).float32(f);
        pb::FloatValue fv;
        REQUIRE(from_json(ours, fv));
        CHECK(fv.value() == f);
        pb::FloatValue fsrc;
        fsrc.set_value(f);
        const std::string ftheirs = to_json(fsrc);
        json_reader fr(ftheirs);
        float fback = 0;
        INFO(ftheirs);
        REQUIRE(fr.read_float(fback));
        CHECK(fback == f);
    }
}

TEST_CASE("interop json: 64-bit integers, strings and bytes both ways") {
    for (int i = 0; i < 5000; ++i) {
        const auto v = static_cast<std::int64_t>(rng());
        pb::Int64Value src;
        src.set_value(v);
        const std::string theirs = to_json(src);
        std::string ours;
        json_writer(ours).int64(v);
        CHECK(ours == theirs);
        json_reader r(theirs);
        std::int64_t back = 0;
        REQUIRE(r.read_int64(back));
        CHECK(back == v);

        const std::uint64_t u = rng();
        pb::UInt64Value usrc;
        usrc.set_value(u);
        ours.clear();
        json_writer(ours).uint64(u);
        CHECK(ours == to_json(usrc));

        // A random valid UTF-8 string: code points from every length class.
        std::string s;
        for (int k = static_cast<int>(uniform(0, 12)); k > 0; --k) {
            std::uint32_t cp = 0;
            switch (uniform(0, 3)) {
                case 0:
                    cp = static_cast<std::uint32_t>(uniform(0, 0x7F));
                    break;
                case 1:
                    cp = static_cast<std::uint32_t>(uniform(0x80, 0x7FF));
                    break;
                case 2:
                    cp = static_cast<std::uint32_t>(uniform(0x800, 0xFFFF));
                    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xE000;
                    break;
                default:
                    cp = static_cast<std::uint32_t>(uniform(0x10000, 0x10FFFF));
            }
            h2pb::proto::json::detail::append_utf8(s, cp);
        }
        pb::StringValue ssrc;
        ssrc.set_value(s);
        const std::string stheirs = to_json(ssrc);
        json_reader sr(stheirs);
        std::string sback;
        REQUIRE(sr.read_string(sback));
        CHECK(sback == s);
        ours.clear();
        json_writer(ours).string(s);
        pb::StringValue sv;
        REQUIRE(from_json(ours, sv));
        CHECK(sv.value() == s);

        std::string raw;
        for (int k = static_cast<int>(uniform(0, 40)); k > 0; --k)
            raw.push_back(static_cast<char>(rng()));
        pb::BytesValue bsrc;
        bsrc.set_value(raw);
        ours.clear();
        json_writer(ours).bytes(raw);
        CHECK(ours == to_json(bsrc));  // standard base64 with padding, both
        pb::BytesValue bv;
        REQUIRE(from_json(ours, bv));
        CHECK(bv.value() == raw);
    }
}

TEST_CASE("interop json: FieldMask paths agree with FieldMaskUtil") {
    const char alphabet[] = "ab_Z0.";
    for (int i = 0; i < 20000; ++i) {
        std::string path;
        for (int k = static_cast<int>(uniform(0, 8)); k > 0; --k)
            path.push_back(alphabet[uniform(0, sizeof alphabet - 2)]);
        if (path.empty()) continue;
        // SnakeCaseToCamelCase is private in 3.21: go through a one-path mask.
        pb::FieldMask mask;
        mask.add_paths(path);
        std::string theirs, ours;
        const bool their_ok = pb::util::FieldMaskUtil::ToJsonString(mask, &theirs);
        const bool our_ok = field_mask_path_to_json(path, ours);
        INFO(path);
        REQUIRE(our_ok == their_ok);
        if (our_ok) CHECK(ours == theirs);
        ours.clear();
        pb::FieldMask back;
        const bool their_ok2 = pb::util::FieldMaskUtil::FromJsonString(path, &back);
        const bool our_ok2 = field_mask_path_from_json(path, ours);
        REQUIRE(our_ok2 == their_ok2);
        if (our_ok2) {
            REQUIRE(back.paths_size() == 1);
            CHECK(ours == back.paths(0));
        }
    }
}

TEST_CASE("interop json: json_name agrees with the descriptor pool (protoc's ToJsonName)") {
    pb::FileDescriptorProto file;
    file.set_name("json_name_check.proto");
    file.set_syntax("proto2");  // proto3 rejects json_name clashes ("a_b", "aB")
    auto* msg = file.add_message_type();
    msg->set_name("M");
    const char alphabet[] = "ab_XY1";
    std::vector<std::string> names = {"foo_bar",       "_foo",  "foo__bar_", "FIELD_NAME11",
                                      "field__Name4_", "a_1_b", "x_y_z"};
    while (names.size() < 400) {
        std::string n(1, 'a' + static_cast<char>(uniform(0, 25)));
        for (int k = static_cast<int>(uniform(0, 8)); k > 0; --k)
            n.push_back(alphabet[uniform(0, sizeof alphabet - 2)]);
        bool dup = false;
        for (const auto& o : names) dup = dup || o == n;
        if (!dup) names.push_back(n);
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto* f = msg->add_field();
        f->set_name(names[i]);
        f->set_number(static_cast<int>(i + 1));
        f->set_type(pb::FieldDescriptorProto::TYPE_INT32);
        f->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
    }
    pb::DescriptorPool pool;
    const pb::FileDescriptor* fd = pool.BuildFile(file);
    REQUIRE(fd != nullptr);
    const pb::Descriptor* d = fd->message_type(0);
    for (int i = 0; i < d->field_count(); ++i) {
        INFO(d->field(i)->name());
        CHECK(json_name(d->field(i)->name()) == d->field(i)->json_name());
    }
}
