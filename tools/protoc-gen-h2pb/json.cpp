// protoc-gen-h2pb: the protobuf JSON mapping (protobuf-docs/json.md; the shared code is
// proto_codec/json_codec.hpp).

#include "generator.hpp"

namespace h2pb_gen {

// ---- JSON (protobuf-docs/json.md; the shared code is proto_codec/json_codec.hpp)

/// `if (k == "NAME") RET` for each case, $ in `ret` replaced by its int.
void emit_compares(const std::vector<std::pair<std::string, int>>& cases, const std::string& ret,
                   out_text& o) {
    for (const auto& c : cases)
        o.line("if (k == " + string_literal(c.first) + ") " +
               replace_all(ret, "$", std::to_string(c.second)));
}

/// Emits the body of a function that maps the string_view `k` to the
/// int paired with it in `cases` (or falls through): a switch on the
/// length, then within a length a switch on the character position that
/// splits the candidates best, then whole-string compares (a memcmp of a
/// known length). No table, no hashing, nothing allocated.
void emit_string_switch(const std::vector<std::pair<std::string, int>>& cases,
                        const std::string& ret, out_text& o) {
    std::map<std::size_t, std::vector<std::pair<std::string, int>>> by_len;
    for (const auto& c : cases) by_len[c.first.size()].push_back(c);
    if (by_len.empty()) return;
    o.line("switch (k.size()) {");
    o.in();
    for (const auto& [len, group] : by_len) {
        o.line("case " + std::to_string(len) + ":");
        o.in();
        std::size_t best = 0;
        std::size_t best_distinct = 0;
        for (std::size_t i = 0; i < len && group.size() > 1; ++i) {
            std::set<char> chars;
            for (const auto& c : group) chars.insert(c.first[i]);
            if (chars.size() > best_distinct) {
                best_distinct = chars.size();
                best = i;
            }
        }
        if (group.size() <= 2 || best_distinct <= 1) {
            emit_compares(group, ret, o);
        } else {
            std::map<char, std::vector<std::pair<std::string, int>>> by_char;
            for (const auto& c : group) by_char[c.first[best]].push_back(c);
            o.line("switch (k[" + std::to_string(best) + "]) {");
            o.in();
            for (const auto& [ch, sub] : by_char) {
                const bool plain = ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\';
                // cat(), not a chain of +: g++ 12 at -O3 reports a false
                // -Wrestrict overlap in the latter (GCC bug 105329).
                const std::string label =
                    plain ? cat("'", std::string(1, ch), "'")
                          : std::to_string(static_cast<int>(static_cast<unsigned char>(ch)));
                o.line(cat("case ", label, ":"));
                o.in();
                emit_compares(sub, ret, o);
                o.line("break;");
                o.out();
            }
            end_switch(o);
        }
        o.line("break;");
        o.out();
    }
    end_switch(o);
}

/// `E_from_name`: the value of an enum named by a JSON string.
void emit_enum_from_name(gen_context& g, const EnumDescriptor* e) {
    out_text& o = g.o;
    const std::string name = local_name(g, e);
    o.line("/// The value of " + e->full_name() + " named `k` (the JSON mapping's enum names).");
    o.line("inline bool " + name + "_from_name(std::string_view k, " + name + "& out) noexcept {");
    o.in();
    std::vector<std::pair<std::string, int>> cases;
    cases.reserve(static_cast<std::size_t>(e->value_count()));
    for (int i = 0; i < e->value_count(); ++i)
        cases.emplace_back(e->value(i)->name(), e->value(i)->number());
    emit_string_switch(cases, "{ out = static_cast<" + name + ">($); return true; }", o);
    o.line("return false;");
    o.out();
    o.line("}");
}

bool is_wkt(const Descriptor* d, const char* name) {
    return d->full_name() == std::string("google.protobuf.") + name;
}
bool is_null_value_enum(const FieldDescriptor* f) {
    return f->type() == FieldDescriptor::TYPE_ENUM &&
           f->enum_type()->full_name() == "google.protobuf.NullValue";
}
/// A field whose JSON null is a value, not "unset" (json.md "Null values").
bool null_is_value(const FieldDescriptor* f) {
    return is_null_value_enum(f) ||
           (is_message(f) && f->message_type()->full_name() == "google.protobuf.Value");
}

/// The json_writer member that prints a value of a scalar, string or bytes
/// field (w.NAME(v)) and the json_reader member that reads one
/// (r.read_NAME(x)), by the field's type; null for enums, messages and
/// groups. One table, so that printing and parsing agree on the form of
/// each type (json.md: 64-bit integers as strings, bytes as base64, ...).
struct json_scalar_members {
    const char* write;
    const char* read;
};
json_scalar_members json_scalar(const FieldDescriptor* f) {
    switch (f->type()) {
        case FieldDescriptor::TYPE_INT32:
        case FieldDescriptor::TYPE_SINT32:
        case FieldDescriptor::TYPE_SFIXED32:
            return {"int32", "int32"};
        case FieldDescriptor::TYPE_INT64:
        case FieldDescriptor::TYPE_SINT64:
        case FieldDescriptor::TYPE_SFIXED64:
            return {"int64", "int64"};
        case FieldDescriptor::TYPE_UINT32:
        case FieldDescriptor::TYPE_FIXED32:
            return {"uint32", "uint32"};
        case FieldDescriptor::TYPE_UINT64:
        case FieldDescriptor::TYPE_FIXED64:
            return {"uint64", "uint64"};
        case FieldDescriptor::TYPE_BOOL:
            return {"boolean", "bool"};
        case FieldDescriptor::TYPE_FLOAT:
            return {"float32", "float"};
        case FieldDescriptor::TYPE_DOUBLE:
            return {"float64", "double"};
        case FieldDescriptor::TYPE_STRING:
            return {"string", "string"};
        case FieldDescriptor::TYPE_BYTES:
            return {"bytes", "bytes"};
        default:
            return {nullptr, nullptr};
    }
}

/// The statement that prints one value `v` of field f (element type).
std::string json_write_value(const gen_context& g, const FieldDescriptor* f, const std::string& v) {
    if (const char* m = json_scalar(f).write) return cat("w.", m, "(", v, ");");
    if (f->type() == FieldDescriptor::TYPE_ENUM) {
        if (is_null_value_enum(f)) return "w.null();";
        return cat("::h2pb::proto::json::write_enum(w, o, static_cast<std::int32_t>(", v, "), ",
                   qualified(g, f->enum_type()), "_name(", v, "));");
    }
    return "if (!" + v + ".to_json(w, o)) return false;";  // a message or group
}

/// The condition under which `r.read_X(target)` reads one value of f
/// into the lvalue `target` (scalars, strings, bytes, messages; "false"
/// for enums, which emit_json_read_one reads).
std::string json_read_call(const FieldDescriptor* f, const std::string& target) {
    if (const char* m = json_scalar(f).read) return cat("r.read_", m, "(", target, ")");
    if (is_message(f)) return target + ".from_json(r, o)";
    return "false";
}

/// Emits the statements that read one non-null value of f and store it
/// with `store` (a statement pattern where $ is an lvalue expression
/// that creates the slot: "this->x", "this->v.emplace_back()"). Enums
/// read into a temporary first: an unknown name ignored
/// (ignore_unknown_fields) stores nothing.
void emit_json_read_one(gen_context& g, const FieldDescriptor* f, const std::string& slot) {
    out_text& o = g.o;
    if (f->type() == FieldDescriptor::TYPE_ENUM) {
        const std::string e = qualified(g, f->enum_type());
        // NullValue: null is a value, its only one (json.md, "NullValue").
        const bool nv = is_null_value_enum(f);
        if (nv)
            o.line("if (::h2pb::proto::json::take_null(r)) { " + slot + " = " + e + "{}; } else {");
        o.line(e + " e{};");
        o.line(cat("const int s = ::h2pb::proto::json::read_enum<", e, ">(r, o, e, &", e,
                   "_from_name, ", closed_enum(f) ? "&" + e + "_is_known" : "nullptr", ");"));
        o.line("if (s < 0) return false;");
        o.line("if (s > 0) " + slot + " = e;");
        if (nv) o.line("}");
        return;
    }
    o.line("if (!" + json_read_call(f, slot) + ") return false;");
}

std::string json_key_stmt(const FieldDescriptor* f) {
    if (f->name() == f->json_name()) return "w.key(" + string_literal(f->name()) + ");";
    return "::h2pb::proto::json::write_key(w, o, " + string_literal(f->name()) + ", " +
           string_literal(f->json_name()) + ");";
}

/// Whether d's JSON form is not an object of its fields (json.md, the
/// well-known types table).
bool special_json(const Descriptor* d) {
    if (d->file()->package() != "google.protobuf") return false;
    static const std::set<std::string> names = {
        "Timestamp",   "Duration",    "FieldMask",  "Struct",      "Value",      "ListValue",
        "DoubleValue", "FloatValue",  "Int64Value", "UInt64Value", "Int32Value", "UInt32Value",
        "BoolValue",   "StringValue", "BytesValue", "Any"};
    return names.count(d->name()) != 0;
}

void emit_json_special(gen_context& g, const Descriptor* d) {
    out_text& o = g.o;
    const std::string name = local_name(g, d);
    const std::string head_w =
        g.fn_inline() + "bool " + name +
        "::to_json([[maybe_unused]] ::h2pb::proto::json::json_writer& w, "
        "[[maybe_unused]] const ::h2pb::proto::json::print_options& o) const {";
    const std::string head_r = g.fn_inline() + "bool " + name +
                               "::from_json(::h2pb::proto::json::json_reader& r, [[maybe_unused]] "
                               "const ::h2pb::proto::json::parse_options& o) {";
    const std::string J = "::h2pb::proto::json::";
    const std::string nv = J + "json_reader::token";
    o.line("// clang-format off");
    // Inside an Any, a well-known type with a special form is the member
    // "value" (json.md, "Any").
    o.line(g.fn_inline() + "bool " + name +
           "::_h2pb_json_members(::h2pb::proto::json::json_writer& w, const "
           "::h2pb::proto::json::print_options& o) const {");
    o.line("    w.key(\"value\");");
    o.line("    return to_json(w, o);");
    o.line("}");
    o.line(g.fn_inline() + "bool " + name +
           "::_h2pb_json_read_members(::h2pb::proto::json::json_reader& r, const "
           "::h2pb::proto::json::parse_options& o, bool in_any) {");
    o.line("    return " + J + "read_value_member(r, o, in_any, *this);");
    o.line("}");
    std::vector<std::string> wb;
    std::vector<std::string> rb;
    if (is_wkt(d, "Timestamp") || is_wkt(d, "Duration")) {
        const std::string fn = is_wkt(d, "Timestamp") ? "timestamp" : "duration";
        wb = {"    return " + J + "write_" + fn + "(w, this->seconds, this->nanos);"};
        rb = {"    return " + J + "read_" + fn + "(r, this->seconds, this->nanos);"};
    } else if (is_wkt(d, "FieldMask")) {
        wb = {"    return " + J + "write_field_mask(w, this->paths);"};
        rb = {"    return " + J + "read_field_mask(r, this->paths);"};
    } else if (is_wkt(d, "Any")) {
        wb = {"    return " + J + "write_any(w, o, this->type_url, this->value);"};
        rb = {"    return " + J + "read_any(r, o, this->type_url, this->value);"};
    } else if (is_wkt(d, "Struct")) {
        wb = {"    w.begin_object();",
              "    for (const auto& [key, value] : this->fields) {",
              "        w.key(key);",
              "        if (!value.to_json(w, o)) return false;",
              "    }",
              "    w.end_object();",
              "    return true;"};
        rb = {"    if (!r.begin_object()) return false;",
              "    std::string scratch;",
              "    std::string_view k;",
              "    while (r.next_key(scratch, k)) {",
              "        if (!this->fields[std::string(k)].from_json(r, o)) return false;",
              "    }",
              "    return " + J + "ok(r);"};
    } else if (is_wkt(d, "ListValue")) {
        wb = {"    w.begin_array();",
              "    for (const auto& v : this->values) {",
              "        if (!v.to_json(w, o)) return false;",
              "    }",
              "    w.end_array();",
              "    return true;"};
        rb = {"    if (!r.begin_array()) return false;", "    while (r.next_element()) {",
              "        if (!this->values.emplace_back().from_json(r, o)) return false;", "    }",
              "    return " + J + "ok(r);"};
    } else if (is_wkt(d, "Value")) {
        const std::string c = "        case ";  // one generated line per case
        wb = {"    switch (this->kind.index()) {",
              c + "number_value_index: w.float64(std::get<number_value_index>(this->kind)); "
                  "return true;",
              c + "string_value_index: w.string(std::get<string_value_index>(this->kind)); "
                  "return true;",
              c + "bool_value_index: w.boolean(std::get<bool_value_index>(this->kind)); "
                  "return true;",
              c + "struct_value_index: return "
                  "std::get<struct_value_index>(this->kind)->to_json(w, o);",
              c + "list_value_index: return std::get<list_value_index>(this->kind)->to_json(w, o);",
              "        default: w.null(); return true;  // null_value, or no kind set",
              "    }"};
        rb = {"    switch (r.peek()) {",
              "        case " + nv +
                  "::null: this->kind.emplace<null_value_index>(); return r.read_null();",
              "        case " + nv +
                  "::number: return r.read_double(this->kind.emplace<number_value_index>());",
              "        case " + nv +
                  "::string: return r.read_string(this->kind.emplace<string_value_index>());",
              "        case " + nv +
                  "::boolean: return r.read_bool(this->kind.emplace<bool_value_index>());",
              "        case " + nv +
                  "::object: return (*this->kind.emplace<struct_value_index>()).from_json(r, o);",
              "        case " + nv +
                  "::array: return (*this->kind.emplace<list_value_index>()).from_json(r, o);",
              "        default: return r.fail(" + J + "json_errc::syntax);",
              "    }"};
    } else {
        // The wrappers: the wrapped value itself (json.md, "Wrapper types").
        const FieldDescriptor* f = d->FindFieldByName("value");
        wb = {"    " + json_write_value(g, f, "this->value"), "    return true;"};
        rb = {"    return " + json_read_call(f, "this->value") + ";"};
    }
    // The bodies of to_json (wb) and from_json (rb), each line indented.
    o.line(head_w);
    for (const std::string& l : wb) o.line(l);
    o.line("}");
    o.line(head_r);
    for (const std::string& l : rb) o.line(l);
    o.line("}");
    o.line("// clang-format on");
    o.line();
}

void emit_json(gen_context& g, const Descriptor* d) {
    out_text& o = g.o;
    if (special_json(d)) {
        emit_json_special(g, d);
        return;
    }
    const std::string name = local_name(g, d);
    const std::vector<const FieldDescriptor*> fields = fields_by_number(d);
    // ---- to_json: the fields in field-number order, as libprotobuf prints them.
    o.line(g.fn_inline() + "bool " + name +
           "::to_json(::h2pb::proto::json::json_writer& w, const "
           "::h2pb::proto::json::print_options& o) const {");
    o.line("    w.begin_object();");
    o.line("    if (!_h2pb_json_members(w, o)) return false;");
    o.line("    w.end_object();");
    o.line("    return true;");
    o.line("}");
    o.line(g.fn_inline() + "bool " + name +
           "::_h2pb_json_members([[maybe_unused]] ::h2pb::proto::json::json_writer& w, "
           "[[maybe_unused]] const ::h2pb::proto::json::print_options& o) const {");
    o.in();
    for (const FieldDescriptor* f : fields) {
        const std::string n = "this->" + safe_name(f->name());
        if (f->is_map()) {
            const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
            o.line("if (!" + n + ".empty() || o.always_print_fields_with_no_presence) {");
            o.in();
            o.line(json_key_stmt(f));
            o.line("w.begin_object();");
            o.line("for (const auto& [key, value] : " + n + ") {");
            o.line("    ::h2pb::proto::json::write_map_key(w, key);");
            o.line("    " + json_write_value(g, v, "value"));
            o.line("}");
            o.line("w.end_object();");
            o.out();
            o.line("}");
        } else if (f->is_repeated()) {
            o.line("if (!" + n + ".empty() || o.always_print_fields_with_no_presence) {");
            o.in();
            o.line(json_key_stmt(f));
            o.line("w.begin_array();");
            // std::vector<bool> hands out proxies: copy the element.
            o.line(std::string("for (") +
                   (f->type() == FieldDescriptor::TYPE_BOOL ? "bool" : "const auto&") +
                   " v : " + n + ") " + json_write_value(g, f, "v"));
            o.line("w.end_array();");
            o.out();
            o.line("}");
        } else if (in_oneof(f)) {
            const std::string idx = std::to_string(f->index_in_oneof() + 1);
            const std::string on = "this->" + safe_name(f->real_containing_oneof()->name());
            if (is_null_value_enum(f))
                o.line(cat("if (", on, ".index() == ", idx, ") {"));
            else
                o.line(cat("if (const auto* v = std::get_if<", idx, ">(&", on, ")) {"));
            o.in();
            o.line(json_key_stmt(f));
            o.line(json_write_value(g, f, is_message(f) ? "(**v)" : "(*v)"));
            o.out();
            o.line("}");
        } else if (is_message(f) || optional_value(f)) {
            o.line("if (" + n + ".has_value()) {");
            o.in();
            o.line(json_key_stmt(f));
            o.line(json_write_value(g, f, "(*" + n + ")"));
            o.out();
            o.line("}");
        } else {
            o.line("if (" + is_nonzero(f, n) + " || o.always_print_fields_with_no_presence) {");
            o.in();
            o.line(json_key_stmt(f));
            o.line(json_write_value(g, f, n));
            o.out();
            o.line("}");
        }
    }
    o.line("return true;");
    o.out();
    o.line("}");
    o.line();

    // ---- from_json: keys looked up by a generated switch (both spellings).
    o.line(g.fn_inline() + "bool " + name +
           "::from_json(::h2pb::proto::json::json_reader& r, const "
           "::h2pb::proto::json::parse_options& o) {");
    o.line("    return r.begin_object() && _h2pb_json_read_members(r, o, false);");
    o.line("}");
    o.line(g.fn_inline() + "bool " + name +
           "::_h2pb_json_read_members(::h2pb::proto::json::json_reader& r, "
           "[[maybe_unused]] const ::h2pb::proto::json::parse_options& o, bool in_any) {");
    o.in();
    if (fields.empty()) {
        o.line("std::string scratch;");
        o.line("std::string_view k;");
        o.line("while (r.next_key(scratch, k)) {");
        o.line("    if (!::h2pb::proto::json::unknown_key(r, o, in_any, k)) return false;");
        o.line("}");
        o.line("return ::h2pb::proto::json::ok(r);");
        o.out();
        o.line("}");
        o.line();
        return;
    }
    // Which fields were met (duplicates are rejected), and per oneof
    // whether a member was (a second one is a conflict).
    o.line("std::uint64_t seen[" + std::to_string((fields.size() + 63) / 64) + "] = {};");
    if (d->real_oneof_decl_count() > 0)
        o.line("bool oneof_set[" + std::to_string(d->real_oneof_decl_count()) + "] = {};");
    o.line("std::string scratch;");
    o.line("std::string_view k;");
    o.line("while (r.next_key(scratch, k)) {");
    o.in();
    o.line("int i = -1;");
    {
        std::vector<std::pair<std::string, int>> cases;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            cases.emplace_back(fields[i]->json_name(), static_cast<int>(i));
            if (fields[i]->name() != fields[i]->json_name())
                cases.emplace_back(fields[i]->name(), static_cast<int>(i));
        }
        o.line("[&] {");
        o.in();
        emit_string_switch(cases, "{ i = $; return; }", o);
        o.out();
        o.line("}();");
    }
    o.line("if (i < 0) {");
    o.line("    if (!::h2pb::proto::json::unknown_key(r, o, in_any, k)) return false;");
    o.line("    continue;");
    o.line("}");
    o.line("if (!::h2pb::proto::json::mark_seen(r, seen, i)) return false;");
    o.line("switch (i) {");
    o.in();
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const FieldDescriptor* f = fields[i];
        const std::string n = "this->" + safe_name(f->name());
        o.line("case " + std::to_string(i) + ": {  // " + f->name());
        o.in();
        if (!null_is_value(f) || f->is_repeated())
            o.line("if (::h2pb::proto::json::take_null(r)) break;");
        if (f->is_map()) {
            const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
            const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
            o.line("if (!r.begin_object()) return false;");
            o.line("std::string kscratch;");
            o.line("std::string_view mk;");
            o.line("while (r.next_key(kscratch, mk)) {");
            o.in();
            o.line(element_type(g, k) + " key{};");
            o.line("if (!::h2pb::proto::json::parse_map_key(r, mk, key)) return false;");
            if (!null_is_value(v)) o.line("if (!::h2pb::proto::json::no_null(r)) return false;");
            emit_json_read_one(g, v, n + "[key]");
            o.out();
            o.line("}");
            o.line("if (!::h2pb::proto::json::ok(r)) return false;");
        } else if (f->is_repeated()) {
            o.line("if (!r.begin_array()) return false;");
            o.line("while (r.next_element()) {");
            o.in();
            if (!null_is_value(f)) o.line("if (!::h2pb::proto::json::no_null(r)) return false;");
            if (f->type() == FieldDescriptor::TYPE_BOOL) {
                // std::vector<bool> hands out proxies: read into a bool.
                o.line("bool b = false;");
                o.line("if (!r.read_bool(b)) return false;");
                o.line(n + ".push_back(b);");
            } else {
                emit_json_read_one(g, f, n + ".emplace_back()");
            }
            o.out();
            o.line("}");
            o.line("if (!::h2pb::proto::json::ok(r)) return false;");
        } else if (in_oneof(f)) {
            const OneofDescriptor* od = f->real_containing_oneof();
            const std::string oi = std::to_string(od->index());
            const std::string idx = std::to_string(f->index_in_oneof() + 1);
            o.line("if (oneof_set[" + oi +
                   "]) return r.fail(::h2pb::proto::json::json_errc::oneof_conflict);");
            o.line("oneof_set[" + oi + "] = true;");
            const std::string slot = "this->" + safe_name(od->name()) + ".emplace<" + idx + ">()";
            emit_json_read_one(g, f, is_message(f) ? "(*" + slot + ")" : slot);
        } else if (is_message(f)) {
            emit_json_read_one(g, f, n + ".ensure()");
        } else if (optional_value(f)) {
            emit_json_read_one(g, f,
                               f->type() == FieldDescriptor::TYPE_ENUM ? n : n + ".emplace()");
        } else {
            emit_json_read_one(g, f, n);
        }
        o.line("break;");
        o.out();
        o.line("}");
    }
    end_switch(o);
    o.out();
    o.line("}");
    o.line("return ::h2pb::proto::json::ok(r);");
    o.out();
    o.line("}");
    o.line();
}

}  // namespace h2pb_gen
