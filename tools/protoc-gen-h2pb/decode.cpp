// protoc-gen-h2pb: _h2pb_parse, one switch-on-tag loop per message (protobuf-docs/encoding.md).
#include <cstdio>

#include "generator.hpp"

namespace h2pb_gen {

void emit_map_entry_parse(gen_context& g, const FieldDescriptor* f);

/// Reads one value of field f into `target` (an lvalue of element type);
/// for closed enums an unknown value is appended to `unknown` (an
/// expression of type unknown_fields*) instead, as the bytes tag_at..p.
void emit_read_value(
    gen_context& g, const FieldDescriptor* f, const std::string& target,
    const std::string& on_unknown_enum =
        "unknown_fields_.append(tag_at, static_cast<std::size_t>(p - tag_at));\ncontinue;") {
    out_text& o = g.o;
    if (is_group(f)) {
        o.line("p = ::h2pb::proto::read_group(p, end, " + target + ", " +
               std::to_string(f->number()) + ", ctx);");
    } else if (is_message(f)) {
        // The target is created only once the length prefix has been checked.
        o.line("p = ::h2pb::proto::read_message(p, end, ctx, [&]() -> auto& { return " + target +
               "; });");
    } else if (is_stringish(f)) {
        o.line("p = ::h2pb::proto::read_string(p, end, " + target + ", " +
               (utf8_checked(f) ? "true" : "false") + ", ctx);");
    } else if (closed_enum(f)) {
        o.line("{");
        o.in();
        o.line("std::int32_t raw = 0;");
        o.line("p = ::h2pb::proto::read_scalar<::h2pb::proto::kind::enum_>(p, end, &raw, ctx);");
        o.line("if (p == nullptr) return nullptr;");
        o.line("if (" + qualified(g, f->enum_type()) + "_is_known(raw)) {");
        o.line("    " + target + " = static_cast<" + element_type(g, f) + ">(raw);");
        o.line("} else {");
        for (const std::string& l : split_lines(on_unknown_enum)) o.line("    " + l);
        o.line("}");
        o.out();
        o.line("}");
    } else {
        o.line("p = ::h2pb::proto::read_scalar<" + K(f) + ">(p, end, &" + target + ", ctx);");
    }
}

std::string hex_tag(std::uint32_t t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%x", t);
    return buf;
}

void emit_parse(gen_context& g, const Descriptor* d) {
    out_text& o = g.o;
    const std::string name = local_name(g, d);
    std::vector<const FieldDescriptor*> maps;
    o.line(g.fn_inline() + "const ::h2pb::wire::byte* " + name +
           "::_h2pb_parse(const ::h2pb::wire::byte* p,");
    o.line(
        "        const ::h2pb::wire::byte* end, ::h2pb::proto::decode_context& ctx, "
        "std::uint32_t end_group) {");
    o.in();
    o.line("const std::uint32_t end_group_tag = (end_group << 3) | 4;");
    o.line("while (p < end) {");
    o.in();
    o.line("const ::h2pb::wire::byte* const tag_at = p;");
    o.line("std::uint32_t tag = 0;");
    o.line("p = ::h2pb::proto::read_tag(p, end, &tag, ctx);");
    o.line("if (p == nullptr) return nullptr;");
    o.line("switch (tag) {");
    o.in();
    for (const FieldDescriptor* f : fields_by_number(d)) {
        const std::string n = "this->" + safe_name(f->name());
        const int num = f->number();
        const std::uint32_t tag = tag_of(num, wire_type_of(f));
        o.line("case " + hex_tag(tag) + ": {  // " + f->name());
        o.in();
        if (f->is_map()) {
            maps.push_back(f);
            emit_map_entry_parse(g, f);
        } else if (f->is_repeated()) {
            if (is_message(f) || is_stringish(f)) {
                emit_read_value(g, f, n + ".emplace_back()");
            } else {
                o.line(element_type(g, f) + " v{};");
                emit_read_value(g, f, "v");
                o.line("if (p == nullptr) return nullptr;");
                o.line(n + ".push_back(v);");
            }
        } else if (in_oneof(f)) {
            const OneofDescriptor* od = f->real_containing_oneof();
            const std::string on = "this->" + safe_name(od->name());
            const std::string idx = std::to_string(f->index_in_oneof() + 1);
            if (is_message(f)) {
                emit_read_value(g, f,
                                cat("(", on, ".index() != ", idx, " ? *", on, ".emplace<", idx,
                                    ">() : *std::get<", idx, ">(", on, "))"));
            } else if (is_stringish(f)) {
                o.line(cat("if (", on, ".index() != ", idx, ") ", on, ".emplace<", idx, ">();"));
                emit_read_value(g, f, cat("std::get<", idx, ">(", on, ")"));
            } else {
                o.line(element_type(g, f) + " v{};");
                emit_read_value(g, f, "v");
                o.line("if (p == nullptr) return nullptr;");
                o.line(cat(on, ".emplace<", idx, ">(v);"));
            }
        } else if (is_message(f)) {
            emit_read_value(g, f, n + ".ensure()");
        } else if (optional_value(f)) {
            if (is_stringish(f)) {
                o.line(cat("if (!", n, ") ", n, ".emplace();"));
                emit_read_value(g, f, "*" + n);
            } else {
                o.line(element_type(g, f) + " v{};");
                emit_read_value(g, f, "v");
                o.line("if (p == nullptr) return nullptr;");
                o.line(n + " = v;");
            }
        } else {
            emit_read_value(g, f, n);
        }
        o.line("if (p == nullptr) return nullptr;");
        o.line("continue;");
        o.out();
        o.line("}");
        // the other encoding of a packable repeated field
        if (f->is_repeated() && f->is_packable()) {
            o.line("case " + hex_tag(tag_of(num, 2)) + ": {  // " + f->name() + ", packed");
            o.in();
            if (closed_enum(f)) {
                o.line("p = ::h2pb::proto::read_packed_closed_enum<" + element_type(g, f) +
                       ">(p, end, " + n + ", " + std::to_string(num) + ", " +
                       qualified(g, f->enum_type()) + "_is_known, &unknown_fields_, ctx);");
            } else {
                o.line("p = ::h2pb::proto::read_packed<" + K(f) + ", " + element_type(g, f) +
                       ">(p, end, " + n + ", ctx);");
            }
            o.line("if (p == nullptr) return nullptr;");
            o.line("continue;");
            o.out();
            o.line("}");
        }
    }
    end_switch(o);
    o.line("if (tag == end_group_tag && end_group != 0) {");
    for (const FieldDescriptor* f : maps) o.line("    " + safe_name(f->name()) + ".normalize();");
    o.line("    return p;");
    o.line("}");
    o.line(
        "p = ::h2pb::proto::parse_unknown(tag_at, p, end, tag, end_group, ctx, "
        "&unknown_fields_);");
    o.line("if (p == nullptr) return nullptr;");
    o.out();
    o.line("}");
    for (const FieldDescriptor* f : maps) o.line(safe_name(f->name()) + ".normalize();");
    o.line("return ::h2pb::proto::end_of_input(p, end_group, ctx);");
    o.out();
    o.line("}");
    o.line();
}

void emit_map_entry_parse(gen_context& g, const FieldDescriptor* f) {
    out_text& o = g.o;
    const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
    const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
    const std::string n = "this->" + safe_name(f->name());
    o.line("std::size_t len = 0;");
    o.line("const ::h2pb::wire::byte* const len_at = p;");
    o.line("p = ::h2pb::proto::read_length(p, end, &len, ctx);");
    o.line("if (p == nullptr || !ctx.enter(len_at)) return nullptr;");
    o.line("const ::h2pb::wire::byte* const entry_end = p + len;");
    o.line("auto& entry = " + n + ".append_for_decode();");
    if (closed_enum(v)) o.line("bool unknown_value = false;");
    o.line("while (p < entry_end) {");
    o.in();
    o.line("const ::h2pb::wire::byte* const entry_tag_at = p;");
    o.line("std::uint32_t entry_tag = 0;");
    o.line("p = ::h2pb::proto::read_tag(p, entry_end, &entry_tag, ctx);");
    o.line("if (p == nullptr) return nullptr;");
    o.line("{");
    o.in();
    o.line(
        "const ::h2pb::wire::byte* const end = entry_end;  // the entry's fields end with the "
        "entry");
    o.line("if (entry_tag == " + hex_tag(tag_of(1, wire_type_of(k))) + ") {");
    o.in();
    emit_read_value(g, k, "entry.first");
    o.line("if (p == nullptr) return nullptr;");
    o.line("continue;");
    o.out();
    o.line("}");
    o.line("if (entry_tag == " + hex_tag(tag_of(2, wire_type_of(v))) + ") {");
    o.in();
    emit_read_value(g, v, "entry.second", "unknown_value = true;");
    o.line("if (p == nullptr) return nullptr;");
    o.line("continue;");
    o.out();
    o.line("}");
    o.line("p = ::h2pb::proto::parse_unknown(entry_tag_at, p, end, entry_tag, 0, ctx, nullptr);");
    o.line("if (p == nullptr) return nullptr;");
    o.out();
    o.line("}");
    o.out();
    o.line("}");
    o.line("ctx.leave();");
    if (closed_enum(v)) {
        o.line("if (unknown_value) {  // libprotobuf keeps the whole entry as an unknown field");
        o.line("    " + n + ".drop_last();");
        o.line("    unknown_fields_.append(tag_at, static_cast<std::size_t>(p - tag_at));");
        o.line("}");
    }
}

}  // namespace h2pb_gen
