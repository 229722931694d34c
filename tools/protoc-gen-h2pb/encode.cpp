// protoc-gen-h2pb: _h2pb_size and _h2pb_write (protobuf-docs/encoding.md).

#include "generator.hpp"

namespace h2pb_gen {

// ---- size and write

/// Size expression of one value (no tag) of field f held in `v`.
std::string value_size_expr(const FieldDescriptor* f, const std::string& v) {
    if (is_stringish(f)) return "::h2pb::proto::len_size(" + v + ".size())";
    return "::h2pb::proto::scalar_size<" + K(f) + ">(" + v + ")";
}
std::string write_value(const FieldDescriptor* f, const std::string& v) {
    if (is_stringish(f)) return "p = ::h2pb::proto::write_bytes(p, " + v + ");";
    return "p = ::h2pb::proto::write_scalar<" + K(f) + ">(p, " + v + ");";
}
std::string write_tag(std::uint32_t tag) {
    return "p = ::h2pb::proto::write_tag<" + hex_tag(tag) + ">(p);";
}
std::string is_nonzero(const FieldDescriptor* f, const std::string& v) {
    if (is_stringish(f)) return "!" + v + ".empty()";
    if (f->type() == FieldDescriptor::TYPE_ENUM) return "static_cast<std::int32_t>(" + v + ") != 0";
    return "!::h2pb::proto::is_zero(" + v + ")";
}

/// Emits the size computation of one present singular value of f in `v`
/// (an expression of element type; messages: the struct) into n.
void size_one(gen_context& g, const FieldDescriptor* f, const std::string& v) {
    out_text& o = g.o;
    const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
    const std::string ts = std::to_string(varint_len(tag));
    if (is_group(f)) {
        o.line("n += " + std::to_string(2 * varint_len(tag)) + " + " + v + "._h2pb_size(cache);");
    } else if (is_message(f)) {
        o.line("{");
        o.line("    const std::size_t slot = cache.push();");
        o.line("    const std::size_t s = " + v + "._h2pb_size(cache);");
        o.line("    cache.set(slot, s);");
        o.line("    n += " + ts + " + ::h2pb::proto::len_size(s);");
        o.line("}");
    } else {
        o.line("n += " + ts + " + " + value_size_expr(f, v) + ";");
    }
}
void write_one(gen_context& g, const FieldDescriptor* f, const std::string& v) {
    out_text& o = g.o;
    const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
    o.line(write_tag(tag));
    if (is_group(f)) {
        o.line("p = " + v + "._h2pb_write(p, cache);");
        o.line(write_tag(tag_of(f->number(), 4)));
    } else if (is_message(f)) {
        o.line("p = ::h2pb::proto::write_varint(p, cache.next());");
        o.line("p = " + v + "._h2pb_write(p, cache);");
    } else {
        o.line(write_value(f, v));
    }
}

void emit_size(gen_context& g, const Descriptor* d) {
    out_text& o = g.o;
    o.line("inline std::size_t " + local_name(g, d) +
           "::_h2pb_size([[maybe_unused]] ::h2pb::proto::size_cache& cache) const {");
    o.in();
    o.line("std::size_t n = unknown_fields_.size();");
    for (const FieldDescriptor* f : fields_by_number(d)) {
        const std::string n = "this->" + safe_name(f->name());
        const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
        const std::string ts = std::to_string(varint_len(tag));
        if (f->is_map()) {
            const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
            const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
            o.line("for (const auto& [key, value] : " + n + ") {");
            o.in();
            if (is_message(v)) {
                o.line("const std::size_t slot = cache.push();");
                o.line("const std::size_t s = value._h2pb_size(cache);");
                o.line("cache.set(slot, s);");
                o.line("const std::size_t e = 2 + " + value_size_expr(k, "key") +
                       " + ::h2pb::proto::len_size(s);");
            } else {
                o.line("const std::size_t e = 2 + " + value_size_expr(k, "key") + " + " +
                       value_size_expr(v, "value") + ";");
            }
            o.line("n += " + ts + " + ::h2pb::proto::len_size(e);");
            o.out();
            o.line("}");
        } else if (f->is_repeated()) {
            if (f->is_packed()) {
                o.line("if (!" + n + ".empty()) {");
                o.in();
                if (fixed_width(f) != 0) {
                    o.line("n += " + std::to_string(varint_len(tag_of(f->number(), 2))) +
                           " + ::h2pb::proto::len_size(" + n + ".size() * " +
                           std::to_string(fixed_width(f)) + ");");
                } else {
                    o.line("const std::size_t s = ::h2pb::proto::measure_packed<" + K(f) + ">(" +
                           n + ", cache);");
                    o.line("n += " + std::to_string(varint_len(tag_of(f->number(), 2))) +
                           " + ::h2pb::proto::len_size(s);");
                }
                o.out();
                o.line("}");
            } else if (is_scalar(f)) {
                o.line(cat("n += ", n, ".size() * ", ts, " + ::h2pb::proto::packed_payload_size<",
                           K(f), ">(", n, ");"));
            } else {
                o.line("for (const auto& v : " + n + ") {");
                o.in();
                size_one(g, f, "v");
                o.out();
                o.line("}");
            }
        } else if (in_oneof(f)) {
            const OneofDescriptor* od = f->real_containing_oneof();
            const std::string idx = std::to_string(f->index_in_oneof() + 1);
            o.line("if (const auto* v = std::get_if<" + idx + ">(&" + "this->" +
                   safe_name(od->name()) + ")) {");
            o.in();
            size_one(g, f, is_message(f) ? "(**v)" : "(*v)");
            o.out();
            o.line("}");
        } else if (is_message(f) || optional_value(f)) {
            o.line("if (" + n + ".has_value()) {");
            o.in();
            size_one(g, f, "(*" + n + ")");
            o.out();
            o.line("}");
        } else {
            o.line("if (" + is_nonzero(f, n) + ") {");
            o.in();
            size_one(g, f, n);
            o.out();
            o.line("}");
        }
    }
    o.line("return n;");
    o.out();
    o.line("}");
    o.line();
}

void emit_write(gen_context& g, const Descriptor* d) {
    out_text& o = g.o;
    o.line("inline ::h2pb::wire::byte* " + local_name(g, d) +
           "::_h2pb_write(::h2pb::wire::byte* p, [[maybe_unused]] ::h2pb::proto::size_cache& "
           "cache) const {");
    o.in();
    for (const FieldDescriptor* f : fields_by_number(d)) {
        const std::string n = "this->" + safe_name(f->name());
        const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
        if (f->is_map()) {
            const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
            const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
            o.line("for (const auto& [key, value] : " + n + ") {");
            o.in();
            if (is_message(v)) {
                o.line("const std::size_t s = cache.next();");
                o.line("const std::size_t e = 2 + " + value_size_expr(k, "key") +
                       " + ::h2pb::proto::len_size(s);");
            } else {
                o.line("const std::size_t e = 2 + " + value_size_expr(k, "key") + " + " +
                       value_size_expr(v, "value") + ";");
            }
            o.line(write_tag(tag));
            o.line("p = ::h2pb::proto::write_varint(p, e);");
            o.line(write_tag(tag_of(1, wire_type_of(k))));
            o.line(write_value(k, "key"));
            o.line(write_tag(tag_of(2, wire_type_of(v))));
            if (is_message(v)) {
                o.line("p = ::h2pb::proto::write_varint(p, s);");
                o.line("p = value._h2pb_write(p, cache);");
            } else {
                o.line(write_value(v, "value"));
            }
            o.out();
            o.line("}");
        } else if (f->is_repeated()) {
            if (f->is_packed()) {
                o.line("if (!" + n + ".empty()) {");
                o.in();
                o.line(write_tag(tag_of(f->number(), 2)));
                if (fixed_width(f) != 0) {
                    o.line("p = ::h2pb::proto::write_varint(p, " + n + ".size() * " +
                           std::to_string(fixed_width(f)) + ");");
                    o.line("p = ::h2pb::proto::write_packed_payload<" + K(f) + ">(p, " + n + ");");
                } else {
                    o.line("p = ::h2pb::proto::write_packed<" + K(f) + ">(p, " + n + ", cache);");
                }
                o.out();
                o.line("}");
            } else {
                o.line("for (const auto& v : " + n + ") {");
                o.in();
                write_one(g, f, "v");
                o.out();
                o.line("}");
            }
        } else if (in_oneof(f)) {
            const OneofDescriptor* od = f->real_containing_oneof();
            const std::string idx = std::to_string(f->index_in_oneof() + 1);
            o.line("if (const auto* v = std::get_if<" + idx + ">(&" + "this->" +
                   safe_name(od->name()) + ")) {");
            o.in();
            write_one(g, f, is_message(f) ? "(**v)" : "(*v)");
            o.out();
            o.line("}");
        } else if (is_message(f) || optional_value(f)) {
            o.line("if (" + n + ".has_value()) {");
            o.in();
            write_one(g, f, "(*" + n + ")");
            o.out();
            o.line("}");
        } else {
            o.line("if (" + is_nonzero(f, n) + ") {");
            o.in();
            write_one(g, f, n);
            o.out();
            o.line("}");
        }
    }
    o.line("return ::h2pb::proto::write_unknown(p, unknown_fields_);");
    o.out();
    o.line("}");
    o.line();
}

void emit_size_and_write(gen_context& g, const Descriptor* d) {
    emit_size(g, d);
    emit_write(g, d);
}

}  // namespace h2pb_gen
