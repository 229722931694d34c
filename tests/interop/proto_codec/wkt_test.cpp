// The well-known types (google/protobuf/*.proto as Debian ships them) and
// gRPC's interop-test protos (/usr/share/grpc-proto/grpc/testing/*.proto)
// compile with protoc-gen-h2pb (that this file builds is the first check),
// and the WKTs agree with libprotobuf's own classes byte for byte.
#include <catch2/catch.hpp>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/wrappers.pb.h>

#include <h2pb/wire/hex.hpp>
#include "wkt_all.h2pb.hpp"

namespace pb = google::protobuf;
namespace h2 = h2pbgen::google::protobuf;

namespace {
std::string deterministic(const pb::Message& m) {
    std::string out;
    {
        pb::io::StringOutputStream s(&out);
        pb::io::CodedOutputStream c(&s);
        c.SetSerializationDeterministic(true);
        m.SerializeToCodedStream(&c);
    }
    return out;
}

template <class H2>
std::string h2pb_roundtrip(const std::string& bytes) {
    H2 m;
    const auto e = m.decode(h2pb::wire::as_bytes(bytes));
    INFO(e.message());
    REQUIRE_FALSE(e);
    h2pb::wire::buffer out;
    m.encode(out);
    return std::string(out.chars());
}
}  // namespace

TEST_CASE("Timestamp and Duration") {
    pb::Timestamp t;
    t.set_seconds(1710000000);
    t.set_nanos(123456789);
    CHECK(h2pb_roundtrip<h2::Timestamp>(deterministic(t)) == deterministic(t));
    h2::Timestamp ht;
    ht.seconds = 1710000000;
    ht.nanos = 123456789;
    h2pb::wire::buffer out;
    ht.encode(out);
    CHECK(std::string(out.chars()) == deterministic(t));
    pb::Duration d;
    d.set_seconds(-5);
    d.set_nanos(-500);
    CHECK(h2pb_roundtrip<h2::Duration>(deterministic(d)) == deterministic(d));
}

TEST_CASE("Struct, Value, ListValue (recursive, oneof, map of messages)") {
    pb::Struct s;
    auto& f = *s.mutable_fields();
    f["name"].set_string_value("Apple");
    f["weight"].set_number_value(150);
    f["ok"].set_bool_value(true);
    f["nothing"].set_null_value(pb::NULL_VALUE);
    auto* list = f["list"].mutable_list_value();
    list->add_values()->set_number_value(1);
    list->add_values()
        ->mutable_struct_value()
        ->mutable_fields()
        ->
        operator[]("deep")
        .set_string_value("x");
    const std::string bytes = deterministic(s);
    CHECK(h2pb_roundtrip<h2::Struct>(bytes) == bytes);
    h2::Struct hs;
    REQUIRE_FALSE(hs.decode(h2pb::wire::as_bytes(bytes)));
    REQUIRE(hs.fields.contains("weight"));
    const auto& w = hs.fields.find("weight")->second;
    REQUIRE(w.kind.index() == h2::Value::number_value_index);
    CHECK(std::get<h2::Value::number_value_index>(w.kind) == 150.0);
}

TEST_CASE("Any, wrappers, FieldMask, Empty") {
    pb::Any any;
    pb::Timestamp t;
    t.set_seconds(42);
    any.PackFrom(t);
    CHECK(h2pb_roundtrip<h2::Any>(deterministic(any)) == deterministic(any));
    pb::Int64Value i;
    i.set_value(-7);
    CHECK(h2pb_roundtrip<h2::Int64Value>(deterministic(i)) == deterministic(i));
    pb::StringValue sv;
    sv.set_value("hello");
    CHECK(h2pb_roundtrip<h2::StringValue>(deterministic(sv)) == deterministic(sv));
    pb::BytesValue bv;
    bv.set_value(std::string("\0\xff", 2));
    CHECK(h2pb_roundtrip<h2::BytesValue>(deterministic(bv)) == deterministic(bv));
    pb::FieldMask fm;
    fm.add_paths("a.b");
    fm.add_paths("c");
    CHECK(h2pb_roundtrip<h2::FieldMask>(deterministic(fm)) == deterministic(fm));
    h2::Empty empty;
    CHECK(empty.encoded_size() == 0);
}

TEST_CASE("grpc.testing messages compile and round-trip") {
    h2pbgen::grpc::testing::SimpleRequest r;
    r.response_size = 314159;
    r.payload.emplace().body = std::string(271828, 'z');
    r.response_compressed.emplace().value = true;
    h2pb::wire::buffer out;
    r.encode(out);
    h2pbgen::grpc::testing::SimpleRequest back;
    REQUIRE_FALSE(back.decode(out));
    CHECK(back == r);
    h2pbgen::grpc::testing::ClientConfig config;  // control.proto: nested, oneofs, imports
    config.client_channels = 4;
    out.clear();
    config.encode(out);
    h2pbgen::grpc::testing::ClientConfig config_back;
    REQUIRE_FALSE(config_back.decode(out));
    CHECK(config_back == config);
}
