// protoc-gen-h2pb: _h2pb_size and _h2pb_write (protobuf-docs/encoding.md).
//
// The two are written in one walk of the fields: for each field, the part of
// _h2pb_size and the part of _h2pb_write that handle it, side by side, into
// two texts appended one after the other. What decides whether a field is
// written (presence, emptiness, the oneof case) is therefore the same code
// for both, and the size_cache slots that _h2pb_size pushes (one per nested
// message, in field order) are the ones _h2pb_write takes back with
// cache.next() in the same order.

#include "generator.hpp"

namespace h2pb_gen {

namespace {

/// The functions being written: _h2pb_size into `size` (which sums into
/// `n`), _h2pb_write into `write` (which advances `p`).
struct size_and_write {
    out_text size;
    out_text write;

    /// A line both functions have.
    void both(const std::string& l) {
        size.line(l);
        write.line(l);
    }
    /// Opens a block in both (`head` ends with "{").
    void open(const std::string& head) {
        both(head);
        size.in();
        write.in();
    }
    void close() {
        size.out();
        write.out();
        both("}");
    }
};

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

/// One present singular value of f in `v` (an expression of element type;
/// messages: the struct), tag included: a group between its START_GROUP and
/// END_GROUP tags, a message behind the length _h2pb_size cached for it.
void one_value(const FieldDescriptor* f, const std::string& v, size_and_write& sw) {
    const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
    const std::string ts = std::to_string(varint_len(tag));
    out_text& s = sw.size;
    out_text& w = sw.write;
    w.line(write_tag(tag));
    if (is_group(f)) {
        s.line("n += " + std::to_string(2 * varint_len(tag)) + " + " + v + "._h2pb_size(cache);");
        w.line("p = " + v + "._h2pb_write(p, cache);");
        w.line(write_tag(tag_of(f->number(), 4)));
    } else if (is_message(f)) {
        s.line("{");
        s.line("    const std::size_t slot = cache.push();");
        s.line("    const std::size_t s = " + v + "._h2pb_size(cache);");
        s.line("    cache.set(slot, s);");
        s.line("    n += " + ts + " + ::h2pb::proto::len_size(s);");
        s.line("}");
        w.line("p = ::h2pb::proto::write_varint(p, cache.next());");
        w.line("p = " + v + "._h2pb_write(p, cache);");
    } else {
        s.line("n += " + ts + " + " + value_size_expr(f, v) + ";");
        w.line(write_value(f, v));
    }
}

/// A map field: each entry a message of key (field 1) and value (field 2).
void map_field(const FieldDescriptor* f, const std::string& n, size_and_write& sw) {
    const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
    const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
    const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
    out_text& s = sw.size;
    out_text& w = sw.write;
    sw.open("for (const auto& [key, value] : " + n + ") {");
    if (is_message(v)) {
        s.line("const std::size_t slot = cache.push();");
        s.line("const std::size_t s = value._h2pb_size(cache);");
        s.line("cache.set(slot, s);");
        w.line("const std::size_t s = cache.next();");
        sw.both("const std::size_t e = 2 + " + value_size_expr(k, "key") +
                " + ::h2pb::proto::len_size(s);");
    } else {
        sw.both("const std::size_t e = 2 + " + value_size_expr(k, "key") + " + " +
                value_size_expr(v, "value") + ";");
    }
    s.line("n += " + std::to_string(varint_len(tag)) + " + ::h2pb::proto::len_size(e);");
    w.line(write_tag(tag));
    w.line("p = ::h2pb::proto::write_varint(p, e);");
    w.line(write_tag(tag_of(1, wire_type_of(k))));
    w.line(write_value(k, "key"));
    w.line(write_tag(tag_of(2, wire_type_of(v))));
    if (is_message(v)) {
        w.line("p = ::h2pb::proto::write_varint(p, s);");
        w.line("p = value._h2pb_write(p, cache);");
    } else {
        w.line(write_value(v, "value"));
    }
    sw.close();
}

/// A packed repeated field: one LEN record of the values, none when empty.
void packed_field(const FieldDescriptor* f, const std::string& n, size_and_write& sw) {
    const std::string ts = std::to_string(varint_len(tag_of(f->number(), 2)));
    out_text& s = sw.size;
    out_text& w = sw.write;
    sw.open("if (!" + n + ".empty()) {");
    w.line(write_tag(tag_of(f->number(), 2)));
    if (fixed_width(f) != 0) {
        const std::string bytes = n + ".size() * " + std::to_string(fixed_width(f));
        s.line("n += " + ts + " + ::h2pb::proto::len_size(" + bytes + ");");
        w.line("p = ::h2pb::proto::write_varint(p, " + bytes + ");");
        w.line("p = ::h2pb::proto::write_packed_payload<" + K(f) + ">(p, " + n + ");");
    } else {
        s.line("const std::size_t s = ::h2pb::proto::measure_packed<" + K(f) + ">(" + n +
               ", cache);");
        s.line("n += " + ts + " + ::h2pb::proto::len_size(s);");
        w.line("p = ::h2pb::proto::write_packed<" + K(f) + ">(p, " + n + ", cache);");
    }
    sw.close();
}

/// Field f's part of both functions.
void field(const FieldDescriptor* f, size_and_write& sw) {
    const std::string n = "this->" + safe_name(f->name());
    if (f->is_map()) {
        map_field(f, n, sw);
    } else if (f->is_repeated() && f->is_packed()) {
        packed_field(f, n, sw);
    } else if (f->is_repeated()) {
        if (is_scalar(f)) {
            // Every element has the same tag: the size is one expression.
            const std::string ts = std::to_string(varint_len(tag_of(f->number(), wire_type_of(f))));
            sw.size.line(cat("n += ", n, ".size() * ", ts, " + ::h2pb::proto::packed_payload_size<",
                             K(f), ">(", n, ");"));
            sw.write.line("for (const auto& v : " + n + ") {");
            sw.write.in();
            sw.write.line(write_tag(tag_of(f->number(), wire_type_of(f))));
            sw.write.line(write_value(f, "v"));
            sw.write.out();
            sw.write.line("}");
        } else {
            sw.open("for (const auto& v : " + n + ") {");
            one_value(f, "v", sw);
            sw.close();
        }
    } else if (in_oneof(f)) {
        const std::string idx = std::to_string(f->index_in_oneof() + 1);
        sw.open("if (const auto* v = std::get_if<" + idx + ">(&this->" +
                safe_name(f->real_containing_oneof()->name()) + ")) {");
        one_value(f, is_message(f) ? "(**v)" : "(*v)", sw);
        sw.close();
    } else if (is_message(f) || optional_value(f)) {
        sw.open("if (" + n + ".has_value()) {");
        one_value(f, "(*" + n + ")", sw);
        sw.close();
    } else {
        // Implicit presence: a zero value is not written (encoding.md).
        sw.open("if (" + is_nonzero(f, n) + ") {");
        one_value(f, n, sw);
        sw.close();
    }
}

}  // namespace

std::string is_nonzero(const FieldDescriptor* f, const std::string& v) {
    if (is_stringish(f)) return "!" + v + ".empty()";
    if (f->type() == FieldDescriptor::TYPE_ENUM) return "static_cast<std::int32_t>(" + v + ") != 0";
    return "!::h2pb::proto::is_zero(" + v + ")";
}

void emit_size_and_write(gen_context& g, const Descriptor* d) {
    size_and_write sw;
    sw.size.line(g.fn_inline() + "std::size_t " + local_name(g, d) +
                 "::_h2pb_size([[maybe_unused]] ::h2pb::proto::size_cache& cache) const {");
    sw.size.in();
    sw.size.line("std::size_t n = unknown_fields_.size();");
    sw.write.line(g.fn_inline() + "::h2pb::wire::byte* " + local_name(g, d) +
                  "::_h2pb_write(::h2pb::wire::byte* p, [[maybe_unused]] "
                  "::h2pb::proto::size_cache& cache) const {");
    sw.write.in();
    for (const FieldDescriptor* f : fields_by_number(d)) field(f, sw);
    sw.size.line("return n;");
    sw.write.line("return ::h2pb::proto::write_unknown(p, unknown_fields_);");
    sw.close();
    sw.both("");
    g.o.append(sw.size);
    g.o.append(sw.write);
}

}  // namespace h2pb_gen
