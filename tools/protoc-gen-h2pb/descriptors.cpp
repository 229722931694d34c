// protoc-gen-h2pb: the embedded file descriptor (parameter `descriptors`).
#include <google/protobuf/descriptor.pb.h>
#include <cstdio>

#include "generator.hpp"

namespace h2pb_gen {

// ---------------------------------------------------------------- descriptors
//
// With the parameter `descriptors`, NAME.h2pb.hpp ends with the file's
// proto::embedded_file (proto_codec/embedded_file.hpp): the serialized
// FileDescriptorProto as a string literal, the names of the symbols it
// defines, its extensions, and pointers to its imports' embedded_files
// (which their headers, included above, define: generate every file of a
// program with `descriptors`, or none). Then the definitions of the
// messages' _h2pb_file(), which point at it.

/// The file's path as a C++ identifier, injective: "_" -> "_U", "/" -> "_S",
/// "." -> "_D", "-" -> "_M", another byte that is not [A-Za-z0-9] -> "_xHH".
/// Every "_" is followed by a code letter, so no name contains "__" (which
/// C++ reserves, [lex.name]/3).
std::string mangle_path(const std::string& path) {
    std::string out;
    for (unsigned char c : path) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            out += static_cast<char>(c);
        } else if (c == '_') {
            out += "_U";
        } else if (c == '/') {
            out += "_S";
        } else if (c == '.') {
            out += "_D";
        } else if (c == '-') {
            out += "_M";
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "_x%02X", c);
            out += buf;
        }
    }
    // A path starting with a digit: no identifier starts with one.
    if (!out.empty() && out[0] >= '0' && out[0] <= '9') out = "_" + out;
    return out;
}

std::string descriptor_namespace(const gen_context& g) {
    return g.opt.namespace_prefix.empty() ? "h2pb_files" : g.opt.namespace_prefix + "::h2pb_files";
}

/// "::h2pb_files::grpc_Shealth_Sv1_Shealth_Dproto"
std::string descriptor_variable(const gen_context& g, const FileDescriptor* f) {
    return "::" + descriptor_namespace(g) + "::" + mangle_path(f->name());
}

void collect_symbols(const Descriptor* d, std::vector<std::string>& out,
                     std::vector<const FieldDescriptor*>& extensions);

void collect_enum_symbols(const EnumDescriptor* e, std::vector<std::string>& out) {
    out.push_back(e->full_name());
    for (int i = 0; i < e->value_count(); ++i) out.push_back(e->value(i)->full_name());
}

void collect_symbols(const Descriptor* d, std::vector<std::string>& out,
                     std::vector<const FieldDescriptor*>& extensions) {
    out.push_back(d->full_name());
    for (int i = 0; i < d->field_count(); ++i) out.push_back(d->field(i)->full_name());
    for (int i = 0; i < d->oneof_decl_count(); ++i) out.push_back(d->oneof_decl(i)->full_name());
    for (int i = 0; i < d->enum_type_count(); ++i) collect_enum_symbols(d->enum_type(i), out);
    for (int i = 0; i < d->nested_type_count(); ++i)
        collect_symbols(d->nested_type(i), out, extensions);
    for (int i = 0; i < d->extension_count(); ++i) {
        out.push_back(d->extension(i)->full_name());
        extensions.push_back(d->extension(i));
    }
}

/// A string literal of any bytes, cut into pieces of about `width` columns
/// (adjacent literals concatenate), each on its own line.
std::vector<std::string> bytes_literal_lines(const std::string& bytes, std::size_t width) {
    std::vector<std::string> lines;
    std::string cur = "\"";
    for (unsigned char c : bytes) {
        std::string piece;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
            piece = std::string(1, static_cast<char>(c));
        } else {
            // Always three octal digits: an octal escape ends after three,
            // so a following digit cannot be read into it (a hex escape
            // would swallow it).
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03o", c);
            piece = buf;
        }
        if (cur.size() + piece.size() + 1 > width) {
            lines.push_back(cur + "\"");
            // assign(1, ...), not = "\"": g++ 12 at -O3 reports a false
            // -Wrestrict overlap in the latter (GCC bug 105329).
            cur.assign(1, '"');
        }
        cur += piece;
    }
    lines.push_back(cur + "\"");
    return lines;
}

void emit_descriptor(gen_context& g, const FileDescriptor* file) {
    out_text& o = g.o;
    pb::FileDescriptorProto proto;
    file->CopyTo(&proto);  // no source_code_info: as grpc's reflection sends it
    std::string bytes;
    proto.SerializeToString(&bytes);

    std::vector<std::string> symbols;
    std::vector<const FieldDescriptor*> extensions;
    for (int i = 0; i < file->message_type_count(); ++i)
        collect_symbols(file->message_type(i), symbols, extensions);
    for (int i = 0; i < file->enum_type_count(); ++i)
        collect_enum_symbols(file->enum_type(i), symbols);
    for (int i = 0; i < file->extension_count(); ++i) {
        symbols.push_back(file->extension(i)->full_name());
        extensions.push_back(file->extension(i));
    }
    for (int i = 0; i < file->service_count(); ++i) {
        const pb::ServiceDescriptor* s = file->service(i);
        symbols.push_back(s->full_name());
        for (int j = 0; j < s->method_count(); ++j) symbols.push_back(s->method(j)->full_name());
    }

    const std::string var = mangle_path(file->name());
    o.line();
    o.line(
        "// ---- the file's descriptor, for reflection and text format "
        "(proto_codec/embedded_file.hpp) ----");
    o.line("// clang-format off");
    o.line("#include <array>");
    o.line("#include <string_view>");
    o.line();
    o.line("namespace " + descriptor_namespace(g) + " {");
    o.line("inline constexpr std::array<std::string_view, " + std::to_string(symbols.size()) +
           "> " + var + "_symbols = {");
    for (const std::string& sym : symbols) o.line("    " + string_literal(sym) + ",");
    o.line("};");
    o.line("inline constexpr std::array<::h2pb::proto::extension_number, " +
           std::to_string(extensions.size()) + "> " + var + "_extensions = {{");
    for (const FieldDescriptor* e : extensions)
        o.line("    {" + string_literal(e->containing_type()->full_name()) + ", " +
               std::to_string(e->number()) + "},");
    o.line("}};");
    o.line("inline constexpr std::array<const ::h2pb::proto::embedded_file*, " +
           std::to_string(file->dependency_count()) + "> " + var + "_dependencies = {");
    for (int i = 0; i < file->dependency_count(); ++i)
        o.line("    &" + descriptor_variable(g, file->dependency(i)) + ",");
    o.line("};");
    o.line("/// " + file->name() + ": its serialized google.protobuf.FileDescriptorProto (" +
           std::to_string(bytes.size()) + " bytes) and what it defines.");
    o.line("inline constexpr ::h2pb::proto::embedded_file " + var + "{");
    o.line("    " + string_literal(file->name()) + ",");
    o.line("    " + string_literal(file->package()) + ",");
    o.line("    std::string_view(");
    for (const std::string& l : bytes_literal_lines(bytes, 92)) o.line("        " + l);
    o.line("        , " + std::to_string(bytes.size()) + "),");
    o.line("    " + var + "_dependencies,");
    o.line("    " + var + "_symbols,");
    o.line("    " + var + "_extensions,");
    o.line("};");
    o.line("}  // namespace " + descriptor_namespace(g));
    o.line("// clang-format on");
}

/// After the embedded_file (emit_descriptor): each message's
/// _h2pb_file(), defined out of class because the variable it points at
/// comes after the structs.
void emit_file_accessors(gen_context& g, const FileDescriptor* file) {
    out_text& o = g.o;
    std::vector<const Descriptor*> msgs;
    std::vector<const EnumDescriptor*> enums;
    for (int i = 0; i < file->message_type_count(); ++i)
        collect(file->message_type(i), msgs, enums);
    if (msgs.empty()) return;
    o.line();
    o.line("// clang-format off");
    for (const Descriptor* d : msgs)
        o.line("constexpr const ::h2pb::proto::embedded_file* " + qualified(g, d) +
               "::_h2pb_file() noexcept { return &" + descriptor_variable(g, file) + "; }");
    o.line("// clang-format on");
}

}  // namespace h2pb_gen
