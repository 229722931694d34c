// The generated to_json / from_json (protoc-gen-h2pb; proto_codec/json.hpp)
// against libprotobuf 3.21's JSON (util::MessageToJsonString /
// JsonStringToMessage), the reference implementation of
// protobuf-docs/json.md:
//   - random messages printed by libprotobuf parse in h2pb to the same
//     message (h2pb's binary equals libprotobuf's deterministic binary);
//   - h2pb's JSON of the same messages parses in libprotobuf to the same
//     message;
// under every combination of the print options (emit defaults, proto names,
// enums as ints). The messages are protobuf's conformance message
// TestAllTypesProto3 (every field kind and every well-known type as a field)
// and all_types2.proto (proto2: closed enums, groups, defaults, required).
// Then malformed inputs from json.md give the right error and path.
#include <catch2/catch.hpp>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/wrappers.pb.h>

#include <string>

#include <h2pb/proto_codec/json.hpp>

#include "all_types2.h2pb.hpp"
#include "all_types2.pb.h"
#include "conformance_all.h2pb.hpp"
#include "crosscheck.hpp"
#include "test_messages_proto3.pb.h"

namespace {

using Ref3 = protobuf_test_messages::proto3::TestAllTypesProto3;
using h2pb_crosscheck::deterministic;
using h2pb_crosscheck::filler;
namespace hj = h2pb::proto::json;

using H3 = h2pbgen::protobuf_test_messages::proto3::TestAllTypesProto3;
using Ref2 = h2pb::test2::AllTypes2;
using H2 = h2pbgen::h2pb::test2::AllTypes2;

/// Makes a random message printable as JSON: the well-known types have
/// ranges (json.md: Timestamp 0001..9999, Duration +-10,000 years with the
/// nanos' sign matching, FieldMask paths that survive the camelCase round
/// trip, Value numbers finite, a Value with no kind is invalid); an Any
/// holds a registered type.
void fix_for_json(pb::Message* m, std::mt19937_64& rng) {
    const pb::Descriptor* d = m->GetDescriptor();
    const pb::Reflection* r = m->GetReflection();
    const std::string& name = d->full_name();
    if (name == "google.protobuf.Any") {
        // An Any holds one of the types the test registers with h2pb.
        auto* any = dynamic_cast<pb::Any*>(m);
        switch (rng() % 6) {
            case 0: {
                pb::Duration d;
                d.set_seconds(static_cast<std::int64_t>(rng() % 100000));
                d.set_nanos(static_cast<std::int32_t>(rng() % 1000) * 1000000);
                any->PackFrom(d);
                break;
            }
            case 1: {
                protobuf_test_messages::proto3::ForeignMessage f;
                f.set_c(static_cast<std::int32_t>(rng()));
                any->PackFrom(f);
                break;
            }
            case 2: {
                pb::Value v;
                v.set_string_value("s");
                any->PackFrom(v);
                break;
            }
            case 3: {
                pb::Any inner;
                pb::Int64Value i;
                i.set_value(static_cast<std::int64_t>(rng()));
                inner.PackFrom(i);
                any->PackFrom(inner);
                break;
            }
            case 4: {
                Ref3 t;
                t.set_optional_int32(7);
                t.add_repeated_string("x");
                t.mutable_optional_timestamp()->set_seconds(1);
                any->PackFrom(t);
                break;
            }
            default:
                m->Clear();
        }
        return;
    }
    if (name == "google.protobuf.Timestamp") {
        const std::int64_t lo = -62135596800;  // 0001-01-01T00:00:00Z
        const std::int64_t hi = 253402300799;  // 9999-12-31T23:59:59Z
        const std::int64_t span = hi - lo + 1;
        r->SetInt64(m, d->FindFieldByName("seconds"),
                    lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span)));
        const std::int32_t nanos[] = {0, 5000000, 123456000, 999999999, 1};
        r->SetInt32(m, d->FindFieldByName("nanos"), nanos[rng() % 5]);
        return;
    }
    if (name == "google.protobuf.Duration") {
        const std::int64_t s = static_cast<std::int64_t>(rng() % 315576000001ULL);
        const std::int32_t n = static_cast<std::int32_t>(rng() % 1000000000ULL);
        const bool neg = rng() % 2 == 0;
        r->SetInt64(m, d->FindFieldByName("seconds"), neg ? -s : s);
        r->SetInt32(m, d->FindFieldByName("nanos"), neg ? -n : n);
        return;
    }
    if (name == "google.protobuf.FieldMask") {
        const pb::FieldDescriptor* paths = d->FindFieldByName("paths");
        r->ClearField(m, paths);
        const char* choices[] = {"foo", "foo_bar", "a.b_c", "x1", "foo_bar.baz_qux"};
        const std::size_t n = rng() % 4;
        for (std::size_t i = 0; i < n; ++i) r->AddString(m, paths, choices[rng() % 5]);
        return;
    }
    if (name == "google.protobuf.Value") {
        const pb::FieldDescriptor* num = d->FindFieldByName("number_value");
        if (r->HasField(*m, num) && !std::isfinite(r->GetDouble(*m, num)))
            r->SetDouble(m, num, 2.5);
        const pb::OneofDescriptor* kind = d->FindOneofByName("kind");
        if (!r->HasOneof(*m, kind)) r->SetEnumValue(m, d->FindFieldByName("null_value"), 0);
    }
    for (int i = 0; i < d->field_count(); ++i) {
        const pb::FieldDescriptor* f = d->field(i);
        const bool repeated = f->is_repeated();
        const int n = repeated ? r->FieldSize(*m, f) : (r->HasField(*m, f) ? 1 : 0);
        for (int j = 0; j < n; ++j) {
            switch (f->cpp_type()) {
                case FieldDescriptor::CPPTYPE_MESSAGE:  // map entries too
                    fix_for_json(
                        repeated ? r->MutableRepeatedMessage(m, f, j) : r->MutableMessage(m, f),
                        rng);
                    break;
                case FieldDescriptor::CPPTYPE_DOUBLE: {
                    // libprotobuf 3.21 reads the "-0" it prints as +0.
                    const double v =
                        repeated ? r->GetRepeatedDouble(*m, f, j) : r->GetDouble(*m, f);
                    if (v == 0 && std::signbit(v)) {
                        if (repeated)
                            r->SetRepeatedDouble(m, f, j, 0.0);
                        else
                            r->SetDouble(m, f, 0.0);
                    }
                    break;
                }
                case FieldDescriptor::CPPTYPE_FLOAT: {
                    const float v = repeated ? r->GetRepeatedFloat(*m, f, j) : r->GetFloat(*m, f);
                    if (v == 0 && std::signbit(v)) {
                        if (repeated)
                            r->SetRepeatedFloat(m, f, j, 0.0f);
                        else
                            r->SetFloat(m, f, 0.0f);
                    }
                    break;
                }
                case FieldDescriptor::CPPTYPE_ENUM:
                    // NullValue's only JSON form is null: no other number survives.
                    if (f->enum_type()->full_name() == "google.protobuf.NullValue") {
                        if (repeated)
                            r->SetRepeatedEnumValue(m, f, j, 0);
                        else
                            r->SetEnumValue(m, f, 0);
                    }
                    break;
                default:
                    break;
            }
        }
    }
}

struct option_set {
    bool defaults;
    bool names;
    bool ints;
    bool pretty = false;
};
const option_set all_options[] = {
    {false, false, false}, {true, false, false}, {false, true, false},
    {false, false, true},  {true, true, true},   {false, false, false, true},
};

pb::util::JsonPrintOptions ref_print(option_set s) {
    pb::util::JsonPrintOptions p;
    p.always_print_primitive_fields = s.defaults;
    p.preserve_proto_field_names = s.names;
    p.always_print_enums_as_ints = s.ints;
    p.add_whitespace = s.pretty;
    return p;
}
hj::print_options h2_print(option_set s) {
    hj::print_options p;
    p.always_print_fields_with_no_presence = s.defaults;
    p.preserve_proto_field_names = s.names;
    p.enums_as_ints = s.ints;
    p.pretty = s.pretty;
    return p;
}

/// What differs between two encodings of Ref, "" when nothing does. The
/// bytes may differ where the messages do not: libprotobuf's JSON parser
/// encodes an Any's embedded message with the fields in the order the JSON
/// gives them, h2pb in field-number order; MessageDifferencer compares Anys
/// by their contents. (The messages hold no -0.0, which it would equate
/// with 0.0: fix_for_json removes them.)
template <class Ref>
std::string difference(const std::string& expected, const std::string& got) {
    if (expected == got) return "";
    Ref a;
    Ref b;
    if (!a.ParseFromString(expected) || !b.ParseFromString(got)) return "(unparsable)";
    std::string diff;
    pb::util::MessageDifferencer differ;
    differ.ReportDifferencesToString(&diff);
    return differ.Compare(a, b) ? "" : diff.empty() ? "(differs)" : diff;
}

/// The types the random Anys hold, registered with h2pb (libprotobuf finds
/// them in its generated pool).
void register_types() {
    namespace g = h2pbgen::google::protobuf;
    hj::register_json_type<g::Duration>();
    hj::register_json_type<g::Value>();
    hj::register_json_type<g::Any>();
    hj::register_json_type<g::Int64Value>();
    hj::register_json_type<H3>();
    hj::register_json_type<h2pbgen::protobuf_test_messages::proto3::ForeignMessage>();
}

/// One message both ways under every option set.
template <class Ref, class H>
void json_both_ways(const Ref& ref) {
    register_types();
    const std::string det = deterministic(ref);
    for (const option_set s : all_options) {
        INFO("options: defaults " << s.defaults << " names " << s.names << " ints " << s.ints
                                  << " pretty " << s.pretty);
        // libprotobuf prints, h2pb parses: same binary.
        std::string json;
        REQUIRE(pb::util::MessageToJsonString(ref, &json, ref_print(s)).ok());
        INFO("libprotobuf JSON: " << json);
        // What libprotobuf reads from its own text is the expected message
        // (with always_print_primitive_fields, 3.21 also prints unset proto2
        // fields with their defaults, which then read back as present).
        Ref reread;
        REQUIRE(pb::util::JsonStringToMessage(json, &reread).ok());
        const std::string expected = deterministic(reread);
        H h;
        const hj::json_error e = hj::from_json(h, json);
        INFO(e.message());
        REQUIRE_FALSE(e);
        h2pb::wire::buffer out;
        h.encode(out);
        const std::string got(reinterpret_cast<const char*>(out.data()), out.size());
        const std::string diff1 = difference<Ref>(expected, got);
        INFO("difference: " << diff1);
        CHECK(diff1.empty());
        // h2pb prints (from the binary), libprotobuf parses: same message.
        H from_bin;
        REQUIRE_FALSE(from_bin.decode(h2pb::wire::as_bytes(det)));
        const std::string mine = hj::to_json(from_bin, h2_print(s));
        INFO("h2pb JSON: " << mine);
        Ref back;
        const auto st = pb::util::JsonStringToMessage(mine, &back);
        INFO(st.ToString());
        REQUIRE(st.ok());
        const std::string back_det = deterministic(back);
        const std::string diff2 = difference<Ref>(det, back_det);
        INFO("difference: " << diff2);
        CHECK(diff2.empty());
    }
}

}  // namespace

TEST_CASE("JSON: TestAllTypesProto3, 200 random messages, both ways, every option set") {
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        INFO("seed " << seed);
        Ref3 ref;
        filler(seed * 131).fill(&ref, 0);
        std::mt19937_64 rng(seed);
        fix_for_json(&ref, rng);
        json_both_ways<Ref3, H3>(ref);
    }
}

TEST_CASE("JSON: AllTypes2 (proto2: closed enums, groups, defaults), random, both ways") {
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        INFO("seed " << seed);
        Ref2 ref;
        filler(seed * 7919).fill(&ref, 0);
        // libprotobuf 3.21 prints a repeated group as one empty "repeatedgroup"
        // key per element (its JSON printer mishandles groups): groups are
        // checked on their own below.
        ref.clear_optionalgroup();
        ref.clear_repeatedgroup();
        std::mt19937_64 rng(seed);
        fix_for_json(&ref, rng);
        json_both_ways<Ref2, H2>(ref);
    }
}

TEST_CASE("JSON: the well-known types in their json.md forms, as libprotobuf prints them") {
    // Each message printed by libprotobuf is printed identically by h2pb
    // (no float fields here: libprotobuf 3.21 prints doubles with %.17g
    // where h2pb prints the shortest form).
    const char* inputs[] = {
        R"({"optionalTimestamp":"1972-01-01T10:00:20.021Z"})",
        R"({"optionalTimestamp":"1970-01-01T00:00:00Z"})",
        R"({"optionalTimestamp":"0001-01-01T00:00:00.000000001Z"})",
        R"({"optionalDuration":"1.000340012s"})",
        R"({"optionalDuration":"-0.500s"})",
        R"({"optionalDuration":"0s"})",
        R"({"optionalFieldMask":"f.fooBar,h"})",
        R"({"optionalStruct":{"a":[1,"x",true,null,{"b":{}}]}})",
        R"({"optionalValue":null})",
        R"({"optionalValue":"s"})",
        R"({"optionalBoolWrapper":false,"optionalInt64Wrapper":"-5","optionalBytesWrapper":"AAE="})",
        R"({"optionalInt32Wrapper":0,"optionalUint64Wrapper":"18446744073709551615"})",
        R"({"repeatedValue":[null,[],{}],"repeatedListValue":[[1,[2]]]})",
        R"({"optionalEmpty":{}})",
        R"({"oneofNullValue":null})",
        R"({"optionalNestedEnum":"NEG","repeatedNestedEnum":["FOO",7]})",
        R"({"mapBoolBool":{"false":true},"mapInt64Int64":{"-1":"2"}})",
        R"({"optionalBytes":"/+8=","optionalString":"\u0001\"\\\u00e9"})",
    };
    for (const char* in : inputs) {
        INFO(in);
        Ref3 ref;
        REQUIRE(pb::util::JsonStringToMessage(in, &ref).ok());
        std::string expected;
        REQUIRE(pb::util::MessageToJsonString(ref, &expected).ok());
        H3 h;
        const hj::json_error e = hj::from_json(h, in);
        INFO(e.message());
        REQUIRE_FALSE(e);
        CHECK(hj::to_json(h) == expected);
    }
}

TEST_CASE("JSON: inputs both parsers accept agree (alternate spellings json.md allows)") {
    const char* inputs[] = {
        R"({"optional_int32": 5, "optionalInt64": 7})",                // both names
        R"({"optionalInt32": "5", "optionalUint64": 18})",             // quoted / bare
        R"({"optionalInt32": 1e2, "optionalDouble": "Infinity"})",     // exponent, special
        R"({"optionalFloat": "-Infinity", "optionalDouble": "NaN"})",  //
        R"({"optionalBytes": "-_8", "repeatedBytes": ["YWJj", ""]})",  // url-safe, unpadded
        R"({"optionalNestedEnum": 2, "optionalForeignEnum": "FOREIGN_BAZ"})",
        R"({"optionalInt32": null, "repeatedInt32": null, "optionalNestedMessage": null})",
        R"({"oneofUint32": null, "oneofString": "x"})",  // null does not set a oneof
        R"({"optionalTimestamp": "1972-01-01T10:00:20.021+01:30"})",
        R"( { "mapStringString" : { "a" : "b" , "" : "" } } )",
        R"({"optionalValue": {"x": [1.5, 0, "NaN"]}, "optionalNullValue": null})",
        // Any: "@type" first or last, a special form under "value", nested
        R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s"}})",
        R"({"optionalAny": {"c": 5, "@type": "type.googleapis.com/protobuf_test_messages.proto3.ForeignMessage"}})",
        R"({"repeatedAny": [{}, {"@type": "type.googleapis.com/google.protobuf.Any",
            "value": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "-3"}}]})",
    };
    register_types();
    for (const char* in : inputs) {
        INFO(in);
        Ref3 ref;
        REQUIRE(pb::util::JsonStringToMessage(in, &ref).ok());
        H3 h;
        const hj::json_error e = hj::from_json(h, in);
        INFO(e.message());
        REQUIRE_FALSE(e);
        h2pb::wire::buffer out;
        h.encode(out);
        // Compared as messages: libprotobuf 3.21 encodes the Duration in an
        // Any with an explicit nanos = 0.
        const std::string diff = difference<Ref3>(
            deterministic(ref), std::string(reinterpret_cast<const char*>(out.data()), out.size()));
        INFO(diff);
        CHECK(diff.empty());
    }
}

TEST_CASE("JSON: malformed inputs from json.md give the right error and path") {
    struct bad {
        const char* json = nullptr;
        hj::json_errc code{};
        const char* path = nullptr;
        bool lax = false;  ///< libprotobuf 3.21 accepts it (json.md does not)
    };
    using E = hj::json_errc;
    const bad cases[] = {
        {R"({"optionalInt32": "x"})", E::expected_number, "$.optionalInt32"},
        {R"({"optionalInt32": 2147483648})", E::out_of_range, "$.optionalInt32"},
        {R"({"optionalUint32": -1})", E::out_of_range, "$.optionalUint32"},
        {R"({"optionalInt32": 1.5})", E::not_integer, "$.optionalInt32"},
        {R"({"optionalBool": "true"})", E::expected_bool, "$.optionalBool", true},
        {R"({"optionalString": 5})", E::expected_string, "$.optionalString"},
        {R"({"optionalFloat": 1e39})", E::out_of_range, "$.optionalFloat"},
        {R"({"optionalBytes": "a$=="})", E::bad_base64, "$.optionalBytes"},
        {R"({"optionalNestedMessage": 5})", E::expected_object, "$.optionalNestedMessage"},
        {R"({"repeatedInt32": 5})", E::expected_array, "$.repeatedInt32", true},
        {R"({"repeatedInt32": [1, null]})", E::null_not_allowed, "$.repeatedInt32[1]", true},
        {R"({"mapInt32Int32": {"x": 1}})", E::expected_number, "$.mapInt32Int32.x"},
        {R"({"mapBoolBool": {"1": true}})", E::expected_bool, "$.mapBoolBool.1", true},
        {R"({"oneofUint32": 1, "oneofString": "x"})", E::oneof_conflict, "$.oneofString"},
        {R"({"optionalInt32": 1, "optional_int32": 2})", E::duplicate_field, "$.optional_int32",
         true},
        {R"({"optionalInt32": 1, "optionalInt32": 2})", E::duplicate_field, "$.optionalInt32",
         true},
        {R"({"noSuchField": 1})", E::unknown_field, "$.noSuchField"},
        {R"({"optionalNestedEnum": "NOPE"})", E::unknown_enum_value, "$.optionalNestedEnum"},
        {R"({"optionalTimestamp": "1972-01-01T10:00:20"})", E::bad_timestamp,
         "$.optionalTimestamp"},
        {R"({"optionalTimestamp": "10000-01-01T00:00:00Z"})", E::bad_timestamp,
         "$.optionalTimestamp"},
        {R"({"optionalDuration": "1.5"})", E::bad_duration, "$.optionalDuration"},
        {R"({"optionalNestedMessage": {"a": "b"}})", E::expected_number,
         "$.optionalNestedMessage.a"},
        {R"({"repeatedNestedMessage": [{"a": 1}, {"z": 1}]})", E::unknown_field,
         "$.repeatedNestedMessage[1].z"},
        {R"({"optionalAny": {"c": 5}})", E::bad_any, "$.optionalAny"},
        {R"({"optionalAny": {"@type": "type.googleapis.com/protobuf_test_messages.proto3.ForeignMessage", "d": 1}})",
         E::unknown_field, "$.optionalAny.d"},
        {R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": 1}})",
         E::expected_string, "$.optionalAny.value"},
        {R"({"optionalValue": [1, {"a": [tru]}]})", E::expected_bool, "$.optionalValue[1].a[0]"},
    };
    register_types();
    for (const bad& c : cases) {
        INFO(c.json);
        // libprotobuf rejects each as well (the list is checked against
        // it), but for the few where 3.21 is laxer than json.md: a quoted
        // bool, a scalar for a repeated field, null in an array, "1" as a
        // bool key, a key given twice (json.md allows rejecting it).
        Ref3 ref;
        CHECK(pb::util::JsonStringToMessage(c.json, &ref).ok() == c.lax);
        H3 h;
        h.optional_int32 = 99;
        const hj::json_error e = hj::from_json(h, c.json);
        INFO(e.message());
        CHECK(e.code == c.code);
        CHECK(e.path == c.path);
        CHECK(h == H3{});  // cleared on error
    }
}

TEST_CASE("JSON: ignore_unknown_fields skips unknown keys and unknown enum names") {
    const char* in = R"({"noSuchField": {"deep": [1, 2]}, "optionalNestedEnum": "NOPE",
                         "repeatedNestedEnum": ["FOO", "NOPE", "BAR"], "optionalInt32": 3})";
    pb::util::JsonParseOptions po;
    po.ignore_unknown_fields = true;
    Ref3 ref;
    REQUIRE(pb::util::JsonStringToMessage(in, &ref, po).ok());
    hj::parse_options ho;
    ho.ignore_unknown_fields = true;
    H3 h;
    const hj::json_error e = hj::from_json(h, in, ho);
    INFO(e.message());
    REQUIRE_FALSE(e);
    h2pb::wire::buffer out;
    h.encode(out);
    CHECK(h2pb::wire::to_hex(out) == h2pb::wire::to_hex(h2pb::wire::as_bytes(deterministic(ref))));
}

TEST_CASE("JSON: proto2 closed enum: an unknown number is an error unless ignored") {
    // libprotobuf 3.21 accepts {"fEnum": 9}; h2pb cannot hold 9 in a closed
    // enum field, so it rejects the value (or drops it with
    // ignore_unknown_fields), as it does an unknown name.
    H2 h;
    hj::json_error e = hj::from_json(h, R"({"fEnum": 9})");
    CHECK(e.code == hj::json_errc::unknown_enum_value);
    CHECK(e.path == "$.fEnum");
    hj::parse_options ignore;
    ignore.ignore_unknown_fields = true;
    e = hj::from_json(h, R"({"fEnum": 9, "rEnum": ["SMALL", 9, "HUGE", 3]})", ignore);
    REQUIRE_FALSE(e);
    CHECK_FALSE(h.f_enum.has_value());
    CHECK(h.r_enum == std::vector<h2pbgen::h2pb::test2::Size>{h2pbgen::h2pb::test2::Size::SMALL,
                                                              h2pbgen::h2pb::test2::Size::LARGE});
}

TEST_CASE("JSON: proto2 groups round trip (key: the field's json_name, lowercase)") {
    H2 h;
    h.optionalgroup.emplace().a = 5;
    h.optionalgroup->b = "x";
    h.repeatedgroup.emplace_back().c = 1;
    h.repeatedgroup.emplace_back().inner.emplace().c = 2;
    const std::string text = hj::to_json(h);
    CHECK(text ==
          R"({"optionalgroup":{"a":5,"b":"x"},"repeatedgroup":[{"c":1},{"inner":{"c":2}}]})");
    H2 back;
    REQUIRE_FALSE(hj::from_json(back, text));
    CHECK(back == h);
}

TEST_CASE("JSON: Any of a type not registered is an error both ways (unknown_type)") {
    register_types();
    const char* in = R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Timestamp",
                                         "value": "1970-01-01T00:00:00Z"}})";
    H3 h;
    const hj::json_error e = hj::from_json(h, in);
    CHECK(e.code == hj::json_errc::unknown_type);
    CHECK(e.path == "$.optionalAny");
    // Printing: an Any holding the bytes of an unregistered type.
    h.optional_any.emplace().type_url = "type.googleapis.com/google.protobuf.Timestamp";
    std::string out;
    CHECK(hj::to_json(h, out).code == hj::json_errc::unknown_type);
    CHECK(hj::to_json(h).empty());
}

TEST_CASE("JSON: Anys nested beyond max_any_print_depth fail to print, without overflowing") {
    register_types();
    namespace g = h2pbgen::google::protobuf;
    // 10,000 Anys inside each other, as bytes (decoding each level is lazy).
    g::Int64Value leaf;
    leaf.value = 1;
    h2pb::wire::buffer buf;
    leaf.encode(buf);
    std::string bytes(reinterpret_cast<const char*>(buf.data()), buf.size());
    std::string url = "type.googleapis.com/google.protobuf.Int64Value";
    for (int i = 0; i < 10000; ++i) {
        g::Any a;
        a.type_url = url;
        a.value = bytes;
        buf.clear();
        a.encode(buf);
        bytes.assign(reinterpret_cast<const char*>(buf.data()), buf.size());
        url = "type.googleapis.com/google.protobuf.Any";
    }
    g::Any top;
    REQUIRE_FALSE(top.decode(h2pb::wire::as_bytes(bytes)));
    std::string out;
    CHECK(hj::to_json(top, out).code == hj::json_errc::unknown_type);
    // 50 levels print, and libprotobuf reads them back.
    g::Any shallow;
    shallow.type_url = "type.googleapis.com/google.protobuf.Int64Value";
    buf.clear();
    leaf.encode(buf);
    shallow.value.assign(reinterpret_cast<const char*>(buf.data()), buf.size());
    for (int i = 0; i < 50; ++i) {
        g::Any outer;
        outer.type_url = "type.googleapis.com/google.protobuf.Any";
        buf.clear();
        shallow.encode(buf);
        outer.value.assign(reinterpret_cast<const char*>(buf.data()), buf.size());
        shallow = outer;
    }
    out.clear();
    REQUIRE_FALSE(hj::to_json(shallow, out));
    pb::Any back;
    CHECK(pb::util::JsonStringToMessage(out, &back).ok());
}

TEST_CASE("JSON: a missing proto2 required field is an error, as libprotobuf's") {
    const char* in = R"({"fRequired": {"note": "x"}})";
    Ref2 ref;
    CHECK_FALSE(pb::util::JsonStringToMessage(in, &ref).ok());
    H2 h;
    const hj::json_error e = hj::from_json(h, in);
    CHECK(e.code == hj::json_errc::missing_required_field);
    CHECK(h == H2{});
    REQUIRE_FALSE(hj::from_json(h, R"({"fRequired": {"id": 1}})"));
    CHECK(h.f_required->id == 1);
}
