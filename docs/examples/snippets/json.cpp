// The JSON blocks of docs/proto_codec.md ("JSON"), compiled and run
// (tests/docs/meson.build, test docs/json-example). Each block between
// `clang-format off` and `on` is shown on the page after
// `<!-- file: docs/examples/snippets/json.cpp -->` (test docs/blocks checks
// that the page shows exactly these lines). main() prints what the blocks
// produce, each output under a line "== NAME ==", and json_example_test.py
// checks the page's output blocks (`<!-- json-output: NAME -->`) against
// that output and the outputs against libprotobuf's python json_format.
#include <cstdio>
#include <string>

#include <h2pb/proto_codec/json.hpp>
#include "analytics_service.h2pb.hpp"
#include "json_example_wkt.h2pb.hpp"  // google/protobuf/any.h2pb.hpp

namespace {

void section(const char* name, const std::string& text) {
    std::printf("== %s ==\n%s\n", name, text.c_str());
}

analytics::v1::Event make_event() {
    // clang-format off
analytics::v1::Event e;
e.event_id = std::string("abc123");
e.event_type = std::string("click");
e.timestamp = 1710000000;
e.properties["page"] = std::string("/checkout");
    // clang-format on
    return e;
}

int basic() {
    const analytics::v1::Event e = make_event();
    // clang-format off
std::string text = h2pb::proto::json::to_json(e);     // compact, field-number order

analytics::v1::Event back;
h2pb::proto::json::json_error err = h2pb::proto::json::from_json(back, text);
if (err) std::puts(err.message().c_str());             // never here: text is valid
    // clang-format on
    section("compact", text);
    return !err && back == e ? 0 : 1;
}

int options() {
    analytics::v1::Event e;  // only the id set: the other fields hold their defaults
    e.event_id = std::string("abc123");
    // clang-format off
h2pb::proto::json::print_options po;
po.preserve_proto_field_names = true;              // "event_id", not "eventId"
po.always_print_fields_with_no_presence = true;    // 0, "" and {} printed too
po.pretty = true;                                  // line breaks, 2-space indent
std::string out;
h2pb::proto::json::json_error err = h2pb::proto::json::to_json(e, out, po);  // appends
    // clang-format on
    section("options", out);
    return err ? 1 : 0;
}

int errors() {
    // clang-format off
analytics::v1::Event e;
h2pb::proto::json::parse_options pa;
pa.ignore_unknown_fields = false;                  // the default: unknown keys fail
h2pb::proto::json::json_error err = h2pb::proto::json::from_json(
    e, R"({"eventId": "a", "properties": {"page": 7}})", pa);
std::fprintf(stderr, "%s\n", err.message().c_str());
    // clang-format on
    section("error", err.message());
    return err ? 0 : 1;
}

int any() {
    const analytics::v1::Event e = make_event();
    // clang-format off
h2pb::proto::json::register_json_type<analytics::v1::Event>();   // once, at start-up

google::protobuf::Any any;
any.type_url = std::string("type.googleapis.com/analytics.v1.Event");
any.value = h2pb::proto::encode_to_string(e);
std::string text = h2pb::proto::json::to_json(any);  // "" if the type is not registered
    // clang-format on
    section("any", text);
    google::protobuf::Any back;
    const h2pb::proto::json::json_error err = h2pb::proto::json::from_json(back, text);
    return !text.empty() && !err && back == any ? 0 : 1;
}

}  // namespace

int main() {
    return basic() | options() | errors() | any();
}
