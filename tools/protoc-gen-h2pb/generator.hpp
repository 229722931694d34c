// protoc-gen-h2pb: what the plugin's source files share (main.cpp says what
// the plugin emits). One file a purpose:
//
//   options.cpp      the plugin parameters (--h2pb_out=PARAMS:DIR)
//   names.cpp        C++ names, field kinds and types, literals
//   messages.cpp     the file's layout, enums, structs, clear/merge/is_initialized
//   decode.cpp       _h2pb_parse, the switch-on-tag parse loop
//   encode.cpp       _h2pb_size and _h2pb_write, from one walk of the fields
//   json.cpp         to_json / from_json (protobuf-docs/json.md)
//   descriptors.cpp  the embedded FileDescriptorProto (parameter `descriptors`)
//   services.cpp     NAME.h2pb.grpc.hpp (parameter `services`)
//   main.cpp         the CodeGenerator and main()
//
// Every emitter takes a gen_context: the options, the file, the text being
// written and the tables the names are computed from. Nothing is global, so
// one run can generate several files with different options.
#pragma once

#include <google/protobuf/descriptor.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace h2pb_gen {

namespace pb = google::protobuf;
using pb::Descriptor;
using pb::EnumDescriptor;
using pb::FieldDescriptor;
using pb::FileDescriptor;
using pb::OneofDescriptor;

// ---------------------------------------------------------------- options

/// The plugin parameters: comma-separated key[=value] before the output
/// folder (--h2pb_out=namespace=x,views,services:OUT_DIR).
struct options {
    /// Extra outer namespace for every generated type (`namespace=NAME`, "."
    /// written as "::"), so that h2pb's structs and libprotobuf's classes for
    /// the same .proto can live in one program (the benchmarks and interop
    /// tests).
    std::string namespace_prefix;
    /// Prepended to the path of every generated header that a generated
    /// header includes (`include_prefix=DIR`, no trailing "/"): the headers
    /// checked in under h2pb's rpc/generated/ include each other as
    /// "h2pb/rpc/generated/grpc/health/v1/health.h2pb.hpp", a path that works
    /// from the installed include tree, where the plain "grpc/health/v1/..."
    /// would need one more -I.
    std::string include_prefix;
    /// The single header that replaces the <h2pb/...> includes
    /// (`single_header=FILE`); empty: include the headers themselves.
    std::string single_header;
    /// `views`: also a zero-copy NAME_view struct per message.
    bool views = false;
    /// `services`: also NAME.h2pb.grpc.hpp.
    bool services = false;
    /// false with `services=only`: no NAME.h2pb.hpp.
    bool messages = true;
    /// `descriptors`: embed the file's descriptor; messages declare _h2pb_file().
    bool descriptors = false;
    /// `source`: also NAME.h2pb.cpp, like protoc's NAME.pb.cc. NAME.h2pb.hpp
    /// then declares the members that encode, decode, merge and print each
    /// message, and NAME.h2pb.cpp defines them (not inline), so that a unit
    /// including the header parses and optimises only the declarations; the
    /// JSON codec (proto_codec/json_codec.hpp) is included by the .cpp alone.
    bool source = false;
};

/// Parses the parameter string into `opt`; false (and *error set) on an
/// unknown key.
bool parse_options(const std::string& parameter, options& opt, std::string* error);

// ---------------------------------------------------------------- output

/// The parts joined into one string, allocated once: for generated lines
/// assembled from many small pieces inside loops.
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string s;
    s.reserve((std::string_view(parts).size() + ...));
    (s.append(std::string_view(parts)), ...);
    return s;
}

/// Generated text, a line at a time, indented by 4 columns a level.
class out_text {
  public:
    void line(const std::string& s = "") {
        if (!s.empty()) text_.append(static_cast<std::size_t>(indent_) * 4, ' ');
        text_ += s;
        text_ += '\n';
    }
    void in() { ++indent_; }
    void out() { --indent_; }
    /// The column where the next line starts.
    std::size_t column() const { return static_cast<std::size_t>(indent_) * 4; }
    const std::string& str() const { return text_; }
    /// Appends text written by another out_text (whose lines carry their
    /// own indentation).
    void append(const out_text& other) { text_ += other.text_; }

  private:
    std::string text_;
    int indent_ = 0;
};

/// Closes a switch opened with o.line("switch (...) {"); o.in(): a default
/// that does nothing, then the brace.
inline void end_switch(out_text& o) {
    o.line("default:");
    o.line("    break;");
    o.out();
    o.line("}");
}

// ---------------------------------------------------------------- context

/// What generating one output file needs: the options, the file, the text
/// written so far, whether the view variant is being written, and the table
/// of which messages need an is_initialized check.
struct gen_context {
    gen_context(const options& o, const FileDescriptor* f) : opt(o), file(f) {}
    const options& opt;
    const FileDescriptor* file;
    out_text o;
    /// While true, the generator emits the view variant of each message
    /// (parameter `views`): Outer_Inner_view, string/bytes as
    /// std::string_view into the decoded input, message fields as views.
    bool view_mode = false;
    /// Whether the member bodies being written go to NAME.h2pb.cpp (parameter
    /// `source`): there they are ordinary definitions, in a header `inline`.
    bool in_source = false;
    /// NAME.h2pb.cpp's text (parameter `source`): emit_file swaps it with `o`
    /// while it writes the member bodies.
    out_text source_text;
    /// The specifier a member body defined outside its class gets: `inline `
    /// in a header ([basic.def.odr]/13: one definition per unit that uses it),
    /// nothing in NAME.h2pb.cpp (the one definition of the program).
    std::string fn_inline() const { return in_source ? "" : "inline "; }
    /// needs_init_check's memo: 1 = d or a message it contains has required
    /// fields, 0 = not (or not yet known, while d is being visited).
    std::map<const Descriptor*, int> init_memo;
};

// ---------------------------------------------------------------- names (names.cpp)

const std::set<std::string>& cpp_keywords();
const std::set<std::string>& member_names();
std::vector<std::string> split_lines(const std::string& s);
std::string safe_name(const std::string& n);
/// `name` + "_" + `suffix` for a derived member name (x_or_default, x_index),
/// without doubling an underscore that `name` ends with (a field named
/// `default_`, or a keyword made safe as `default_`): C++ reserves every
/// identifier that contains "__" ([lex.name]/3).
std::string suffixed(const std::string& name, const std::string& suffix);
std::string replace_all(std::string s, const std::string& from, const std::string& to);
std::string namespace_of(const gen_context& g, const FileDescriptor* f);
std::string header_name(const std::string& proto);
std::string h2pb_include_line(const gen_context& g, const std::string& header);
std::string include_line(const gen_context& g, const std::string& header);

/// The flattened C++ name of a message or enum: Outer_Inner (as protoc's C++).
template <class D>
std::string local_name(const gen_context& g, const D* d) {
    const std::string& pkg = d->file()->package();
    std::string rel = pkg.empty() ? d->full_name() : d->full_name().substr(pkg.size() + 1);
    rel = replace_all(rel, ".", "_");
    if constexpr (std::is_same_v<D, Descriptor>) {
        if (g.view_mode) rel += "_view";
    }
    return rel;
}
template <class D>
std::string qualified(const gen_context& g, const D* d) {
    const std::string ns = namespace_of(g, d->file());
    return (ns.empty() ? "::" : "::" + ns + "::") + local_name(g, d);
}

bool is_proto3(const FileDescriptor* f);
bool closed_enum(const FieldDescriptor* f);
bool is_message(const FieldDescriptor* f);
bool is_group(const FieldDescriptor* f);
bool is_stringish(const FieldDescriptor* f);
bool is_scalar(const FieldDescriptor* f);
bool utf8_checked(const FieldDescriptor* f);
std::string kind_of(const FieldDescriptor* f);
std::string K(const FieldDescriptor* f);
int fixed_width(const FieldDescriptor* f);
int wire_type_of(const FieldDescriptor* f);
std::uint32_t tag_of(int number, int wire_type);
std::size_t varint_len(std::uint64_t v);
std::string element_type(const gen_context& g, const FieldDescriptor* f);
bool in_oneof(const FieldDescriptor* f);
bool optional_value(const FieldDescriptor* f);
std::string member_type(const gen_context& g, const FieldDescriptor* f);
std::string int_literal(std::int64_t v, bool is64);
std::string float_literal(double v, bool is_float);
std::string string_literal(const std::string& s);
std::string enum_value_name(const pb::EnumValueDescriptor* v);
std::string default_value(const gen_context& g, const FieldDescriptor* f);
std::string hex_tag(std::uint32_t t);
std::string is_nonzero(const FieldDescriptor* f, const std::string& v);

// ---------------------------------------------------------------- messages (messages.cpp)

void collect(const Descriptor* d, std::vector<const Descriptor*>& msgs,
             std::vector<const EnumDescriptor*>& enums);
std::vector<const FieldDescriptor*> fields_by_number(const Descriptor* d);
/// NAME.h2pb.hpp up to (not including) the embedded descriptor; with
/// `source`, the member bodies go to g.source_text (NAME.h2pb.cpp) instead.
void emit_file(gen_context& g, const FileDescriptor* file);
/// "NAME.h2pb.cpp" for "NAME.proto" (parameter `source`).
std::string source_name(const std::string& proto);

// ---------------------------------------------------------------- decode, encode, JSON

void emit_parse(gen_context& g, const Descriptor* d);
void emit_size_and_write(gen_context& g, const Descriptor* d);
void emit_json(gen_context& g, const Descriptor* d);
void emit_enum_from_name(gen_context& g, const EnumDescriptor* e);

// ---------------------------------------------------------------- descriptors, services

void emit_descriptor(gen_context& g, const FileDescriptor* file);
void emit_file_accessors(gen_context& g, const FileDescriptor* file);
/// "::h2pb_files::grpc_Shealth_Sv1_Shealth_Dproto": the embedded_file of f.
std::string descriptor_variable(const gen_context& g, const FileDescriptor* f);
std::string grpc_header_name(const std::string& proto);
void emit_services_file(gen_context& g, const FileDescriptor* file);
/// "NAME.h2pb.grpc.cpp" (parameters `services` and `source`): what
/// emit_services_file writes to g.source_text, after this head.
std::string grpc_source_name(const std::string& proto);
void emit_services_source_head(gen_context& g, const FileDescriptor* file);

}  // namespace h2pb_gen
