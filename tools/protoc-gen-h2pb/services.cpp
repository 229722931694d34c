// protoc-gen-h2pb: NAME.h2pb.grpc.hpp (parameter `services`).
#include <algorithm>

#include "generator.hpp"

namespace h2pb_gen {

// ---------------------------------------------------------------- services
//
// With the parameter `services`, NAME.h2pb.grpc.hpp holds, per `service S`,
// a class S deriving from h2pb::rpc::asio::service (rpc/asio/service.hpp):
// a method_descriptor per method, a virtual coroutine per method answering
// UNIMPLEMENTED until overridden, register_methods(), and a client stub
// template S::stub<Channel> that forwards each method to the channel.
//
// The header is laid out as clang-format (the repository's .clang-format:
// Google style, 100 columns) would lay it out, so that formatting a tree
// leaves it alone; tests/rpc checks it with clang-format. The few layouts
// emulated below cover ordinary names; a construct that fits none of them
// (a name of 60 characters, say) is written between `// clang-format off`
// and `// clang-format on` instead.

/// .clang-format's ColumnLimit.
constexpr std::size_t column_limit = 100;

/// Greedily packs `items` (joined by ", ", the last followed by `tail`) after
/// `first` (text starting at column `first_col`), continuing on lines that
/// start at `base_col` with the spaces that bring them to `cont_col`.
/// Empty if a line overflows.
std::vector<std::string> pack(std::size_t base_col, std::size_t first_col, const std::string& first,
                              std::size_t cont_col, const std::vector<std::string>& items,
                              const std::string& tail) {
    std::vector<std::string> lines;
    std::string cur = first;
    std::size_t cur_col = first_col;  // where `cur` starts
    bool cur_has_item = false;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string piece = items[i] + (i + 1 == items.size() ? tail : ",");
        if (cur_has_item && cur_col + cur.size() + 1 + piece.size() > column_limit) {
            lines.push_back(cur);
            cur = std::string(cont_col - base_col, ' ');
            cur_col = base_col;
            cur_has_item = false;
        }
        if (cur_has_item) cur += ' ';
        cur += piece;
        cur_has_item = true;
    }
    if (items.empty()) cur += tail;
    lines.push_back(cur);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t col = i == 0 ? first_col : base_col;
        if (col + lines[i].size() > column_limit) return {};
    }
    return lines;
}

/// `head` items `tail` (head ends with the opening bracket, tail starts with
/// the closing one) as clang-format lays out a call, a declaration or a
/// braced initializer at column `col`: on one line if it fits; else packed
/// aligned after the bracket or packed on the next lines indented 4 more
/// (ContinuationIndentWidth), whichever takes fewer lines, aligned on a tie
/// (each line break costs the same penalty; breaking right after the bracket
/// costs one more). Empty when neither fits.
std::vector<std::string> layout(std::size_t col, const std::string& head,
                                const std::vector<std::string>& items, const std::string& tail) {
    std::string one = head;
    for (std::size_t i = 0; i < items.size(); ++i) one += (i == 0 ? "" : ", ") + items[i];
    one += tail;
    if (col + one.size() <= column_limit) return {one};
    if (items.empty()) return {};
    std::vector<std::string> aligned = pack(col, col, head, col + head.size(), items, tail);
    std::vector<std::string> broken;
    if (col + head.size() <= column_limit) {
        broken = pack(col, col, std::string(4, ' '), col + 4, items, tail);
        if (!broken.empty()) broken.insert(broken.begin(), head);
    }
    if (aligned.empty()) return broken;
    if (broken.empty() || aligned.size() <= broken.size()) return aligned;
    return broken;
}

/// Emits `lines`; when empty (no emulated layout fits), `fallback` between
/// clang-format off/on.
void emit_layout(out_text& o, const std::vector<std::string>& lines,
                 const std::vector<std::string>& fallback) {
    if (!lines.empty()) {
        for (const std::string& l : lines) o.line(l);
        return;
    }
    o.line("// clang-format off");
    for (const std::string& l : fallback) o.line(l);
    o.line("// clang-format on");
}

/// `head items tail` with one item per line: the fallback layout.
std::vector<std::string> one_per_line(const std::string& head,
                                      const std::vector<std::string>& items,
                                      const std::string& tail) {
    std::vector<std::string> v{head};
    for (std::size_t i = 0; i < items.size(); ++i)
        v.push_back("    " + items[i] + (i + 1 == items.size() ? tail : ","));
    if (items.empty()) v.front() += tail;
    return v;
}

/// `lhs = rhs;` (a using-declaration, a variable): on one line, or broken
/// after the `=` with the right side indented 4 more.
void emit_assignment(out_text& o, const std::string& lhs, const std::string& rhs) {
    const std::string one = lhs + " = " + rhs + ";";
    if (o.column() + one.size() <= column_limit) {
        o.line(one);
    } else if (o.column() + lhs.size() + 2 <= column_limit &&
               o.column() + 4 + rhs.size() + 1 <= column_limit) {
        o.line(lhs + " =");
        o.line("    " + rhs + ";");
    } else {
        emit_layout(o, {}, {lhs + " =", "    " + rhs + ";"});
    }
}

/// A member function `head params) {` whose body is the one statement
/// `body`: on one line when it all fits (AllowShortFunctionsOnASingleLine:
/// Inline), else the declaration laid out and the body below.
void emit_function(out_text& o, const std::string& head, const std::vector<std::string>& params,
                   const std::string& body) {
    std::string one = head;
    for (std::size_t i = 0; i < params.size(); ++i) one += (i == 0 ? "" : ", ") + params[i];
    one += ") { " + body + " }";
    if (o.column() + one.size() <= column_limit) {
        o.line(one);
        return;
    }
    emit_layout(o, layout(o.column(), head, params, ") {"), one_per_line(head, params, ") {"));
    o.line("    " + body);
    o.line("}");
}

std::string grpc_header_name(const std::string& proto) {
    std::string h = header_name(proto);  // NAME.h2pb.hpp
    return h.substr(0, h.size() - 4) + ".grpc.hpp";
}

/// The names the generated service class declares besides its methods'.
const std::set<std::string>& service_member_names() {
    static const std::set<std::string> k = {
        "awaitable",
        "result",
        "server_reader",
        "server_writer",
        "status",
        "status_code",
        "server_context",
        "method_table",
        "method_descriptor",
        "method_kind",
        "service_full_name",
        "method_descriptors",
        "service_name",
        "register_methods",
        "stub",
        "channel",
        "channel_",
        "service",
        "call_options",
        "proto_file",
    };
    return k;
}

struct method_names {
    const pb::MethodDescriptor* m;
    std::string fn;        ///< the member function (escaped)
    std::string request;   ///< M_request
    std::string response;  ///< M_response
    std::string method;    ///< M_method, the descriptor
    std::string kind;      ///< the method_kind enumerator
};

/// "server_streaming" -> "server streaming" (rpc::name(method_kind)).
std::string name_of_kind(const std::string& kind) {
    return replace_all(kind, "_", " ");
}

std::string method_kind_of(const pb::MethodDescriptor* m) {
    if (m->client_streaming()) return m->server_streaming() ? "bidi_streaming" : "client_streaming";
    return m->server_streaming() ? "server_streaming" : "unary";
}

/// The C++ names of a service's methods. A method's function is its name,
/// escaped like a field (C++ keywords and common macros get "_") and again
/// while it collides with a member of the class, the class itself, or
/// another method's function or M_request/M_response/M_method (which cannot
/// collide with each other: their suffixes differ).
std::vector<method_names> names_of(const pb::ServiceDescriptor* s, const std::string& class_name) {
    std::set<std::string> taken = service_member_names();
    taken.insert(class_name);
    std::vector<method_names> v;
    for (int i = 0; i < s->method_count(); ++i) {
        const pb::MethodDescriptor* m = s->method(i);
        v.push_back({m, "", m->name() + "_request", m->name() + "_response", m->name() + "_method",
                     method_kind_of(m)});
        taken.insert(v.back().request);
        taken.insert(v.back().response);
        taken.insert(v.back().method);
    }
    for (method_names& n : v) {
        const std::string first = safe_name(n.m->name());
        n.fn = first;
        // Escaped again: "_" once, then a counter (stub -> stub_ -> stub_3;
        // delete -> delete_ -> delete_2), never "__", which C++ reserves
        // ([lex.name]/3).
        for (int k = 2; taken.count(n.fn) != 0; ++k) {
            n.fn =
                (k == 2 && first.back() != '_') ? first + "_" : suffixed(first, std::to_string(k));
        }
        taken.insert(n.fn);
    }
    return v;
}

/// The names a file's messages and enums take in its namespace (with the
/// helpers generated beside them), which a service's class must not take.
void collect_type_names(const gen_context& g, const Descriptor* d, std::set<std::string>& out) {
    out.insert(local_name(g, d));
    out.insert(local_name(g, d) + "_view");
    for (int i = 0; i < d->enum_type_count(); ++i) {
        const std::string e = local_name(g, d->enum_type(i));
        out.insert({e, e + "_is_known", e + "_name", e + "_from_name"});
    }
    for (int i = 0; i < d->nested_type_count(); ++i) collect_type_names(g, d->nested_type(i), out);
}

void emit_service(gen_context& g, const pb::ServiceDescriptor* s, const std::string& class_name,
                  const std::string& descriptor_var) {
    out_text& o = g.o;
    const std::vector<method_names> methods = names_of(s, class_name);
    o.line("/// service " + s->full_name());
    o.line("///");
    o.line("/// Derive from it and override the methods served; the others answer UNIMPLEMENTED.");
    o.line("/// register_methods() binds the methods to this object, which must outlive the");
    o.line("/// method_table (and the server using it).");
    o.line("class " + class_name + " : public ::h2pb::rpc::asio::service {");
    o.line("  public:");
    o.in();
    o.line("// The names the methods' signatures use (see rpc/asio/service.hpp).");
    o.line("template <class T>");
    o.line("using awaitable = ::h2pb::rpc::asio::awaitable<T>;");
    o.line("template <class T>");
    o.line("using result = ::h2pb::rpc::result<T>;");
    o.line("template <class T>");
    o.line("using server_reader = ::h2pb::rpc::asio::server_reader<T>;");
    o.line("template <class T>");
    o.line("using server_writer = ::h2pb::rpc::asio::server_writer<T>;");
    o.line("using status = ::h2pb::rpc::status;");
    o.line("using status_code = ::h2pb::rpc::status_code;");
    o.line("using server_context = ::h2pb::rpc::asio::server_context;");
    o.line("using method_table = ::h2pb::rpc::asio::method_table;");
    o.line("using method_descriptor = ::h2pb::rpc::method_descriptor;");
    o.line("using method_kind = ::h2pb::rpc::method_kind;");
    o.line();
    emit_assignment(o, "static constexpr std::string_view service_full_name",
                    string_literal(s->full_name()));
    for (const method_names& n : methods) {
        const pb::MethodDescriptor* m = n.m;
        o.line();
        o.line(cat("/// rpc ", m->name(), "(", m->client_streaming() ? "stream " : "",
                   m->input_type()->full_name(), ")"));
        o.line(cat("///     returns (", m->server_streaming() ? "stream " : "",
                   m->output_type()->full_name(), ")"));
        emit_assignment(o, "using " + n.request, qualified(g, m->input_type()));
        emit_assignment(o, "using " + n.response, qualified(g, m->output_type()));
        const std::string head = "static constexpr method_descriptor " + n.method + "{";
        const std::vector<std::string> items = {
            string_literal("/" + s->full_name() + "/" + m->name()), "service_full_name",
            string_literal(m->name()), "method_kind::" + n.kind};
        emit_layout(o, layout(o.column(), head, items, "};"), one_per_line(head, items, "};"));
    }
    o.line();
    o.line("/// Every method, in .proto order.");
    const std::string arr = "static constexpr std::array<method_descriptor, " +
                            std::to_string(methods.size()) + "> method_descriptors = {";
    if (methods.empty()) {
        o.line(arr + "};");
    } else {
        // One per line: the comments keep clang-format from laying the list
        // out in columns; they line up as AlignTrailingComments wants.
        std::size_t width = 0;
        for (const method_names& n : methods) width = std::max(width, n.method.size() + 1);
        o.line(arr);
        for (const method_names& n : methods) {
            const std::string item = n.method + ",";
            o.line("    " + item + std::string(width - item.size() + 2, ' ') + "// " +
                   std::string(name_of_kind(n.kind)));
        }
        o.line("};");
    }
    o.line();
    o.line("std::string_view service_name() const noexcept override { return service_full_name; }");
    if (!descriptor_var.empty()) {
        // Server reflection finds the service's .proto file here (parameter
        // `descriptors`; proto_codec/embedded_file.hpp).
        const std::string head =
            "const ::h2pb::proto::embedded_file* proto_file() const noexcept override {";
        const std::string body = "return &" + descriptor_var + ";";
        if (o.column() + head.size() + 1 + body.size() + 2 <= column_limit) {
            o.line(head + " " + body + " }");
        } else {
            o.line(head);
            o.line("    " + body);
            o.line("}");
        }
    }
    for (const method_names& n : methods) {
        o.line();
        const std::string& req = n.request;
        const std::string& resp = n.response;
        std::vector<std::string> params;
        std::string ret;
        if (n.kind == "unary") {
            ret = "awaitable<result<" + resp + ">>";
            params = {"const " + req + "& /*request*/", "server_context& /*context*/"};
        } else if (n.kind == "server_streaming") {
            ret = "awaitable<status>";
            params = {"const " + req + "& /*request*/", "server_writer<" + resp + ">& /*writer*/",
                      "server_context& /*context*/"};
        } else if (n.kind == "client_streaming") {
            ret = "awaitable<result<" + resp + ">>";
            params = {"server_reader<" + req + ">& /*reader*/", "server_context& /*context*/"};
        } else {
            ret = "awaitable<status>";
            params = {"server_reader<" + req + ">& /*reader*/",
                      "server_writer<" + resp + ">& /*writer*/", "server_context& /*context*/"};
        }
        if (!g.opt.source) {
            emit_function(o, "virtual " + ret + " " + n.fn + "(", params,
                          "co_return status{status_code::unimplemented};");
            continue;
        }
        // `source`: declared here, defined in NAME.h2pb.grpc.cpp (with a
        // trailing return type, whose names are looked up in the class).
        const std::string head = "virtual " + ret + " " + n.fn + "(";
        emit_layout(o, layout(o.column(), head, params, ");"), one_per_line(head, params, ");"));
        out_text& c = g.source_text;
        c.line("auto " + class_name + "::" + n.fn + "(");
        for (std::size_t i = 0; i < params.size(); ++i)
            c.line("    " + params[i] + (i + 1 == params.size() ? ")" : ","));
        c.line("    -> " + ret + " {");
        c.line("    co_return status{status_code::unimplemented};");
        c.line("}");
        c.line();
    }
    o.line();
    if (g.opt.source && !methods.empty()) {
        // The method adapters (rpc/asio/service.hpp's method_table) are
        // instantiated in NAME.h2pb.grpc.cpp, not in every unit.
        o.line("void register_methods(method_table& t) override;");
        g.source_text.line("void " + class_name + "::register_methods(method_table& t) {");
        g.source_text.in();
    } else {
        o.line(methods.empty() ? "void register_methods(method_table& /*t*/) override {}"
                               : "void register_methods(method_table& t) override {");
        o.in();
    }
    if (!methods.empty()) {
        out_text& r = g.opt.source ? g.source_text : o;
        for (const method_names& n : methods) {
            const std::string head = "t.add_" + n.kind + "<" + n.request + ", " + n.response + ">(";
            const std::vector<std::string> items = {n.method, "this",
                                                    "&" + class_name + "::" + n.fn};
            emit_layout(r, layout(r.column(), head, items, ");"), one_per_line(head, items, ");"));
        }
        r.out();
        r.line("}");
        if (g.opt.source) r.line();
    } else {
        o.out();
    }
    o.line();
    o.line("/// The client side: each method forwards to `Channel`'s call template of its");
    o.line("/// kind (unary, server_streaming, client_streaming, bidi_streaming) with its");
    o.line("/// descriptor and a Channel::call_options. Instantiated only when used.");
    o.line("template <class Channel>");
    o.line("class stub {");
    o.line("  public:");
    o.in();
    o.line("using call_options = typename Channel::call_options;");
    o.line();
    o.line("explicit stub(Channel& channel) noexcept : channel_(&channel) {}");
    o.line("Channel& channel() const noexcept { return *channel_; }");
    for (const method_names& n : methods) {
        o.line();
        const bool one_request = n.kind == "unary" || n.kind == "server_streaming";
        std::vector<std::string> params;
        if (one_request) params.push_back("const " + n.request + "& request");
        params.push_back("call_options options = {}");
        const std::string head = "auto " + n.fn + "(";
        std::string one = head;
        for (std::size_t i = 0; i < params.size(); ++i) one += (i == 0 ? "" : ", ") + params[i];
        const std::string call_head =
            "return channel_->template " + n.kind + "<" + n.request + ", " + n.response + ">(";
        std::vector<std::string> args = {n.method};
        if (one_request) args.push_back("request");
        args.push_back("options");
        std::string call = call_head;
        for (std::size_t i = 0; i < args.size(); ++i) call += (i == 0 ? "" : ", ") + args[i];
        call += ");";
        if (o.column() + one.size() + 4 + call.size() + 2 <= column_limit) {
            o.line(cat(one, ") { ", call, " }"));
            continue;
        }
        emit_layout(o, layout(o.column(), head, params, ") {"), one_per_line(head, params, ") {"));
        o.in();
        std::vector<std::string> lines = layout(o.column(), call_head, args, ");");
        if (lines.empty()) {
            // clang-format's way with a long `a->template f<...>(`: break
            // before the `->`, the arguments another 4 further in.
            const std::string tail_head =
                "->template " + n.kind + "<" + n.request + ", " + n.response + ">(";
            const std::vector<std::string> rest = layout(o.column() + 4, tail_head, args, ");");
            if (!rest.empty()) {
                lines.push_back("return channel_");
                for (const std::string& l : rest) lines.push_back("    " + l);
            }
        }
        emit_layout(o, lines, one_per_line(call_head, args, ");"));
        o.out();
        o.line("}");
    }
    o.out();
    o.line();
    o.line("  private:");
    o.line("    Channel* channel_;");
    o.line("};");
    o.out();
    o.line("};");
    o.line();
}

/// NAME.h2pb.grpc.hpp: every service of `file` (none: the includes only, so
/// that a build rule can always expect the file).
void emit_services_file(gen_context& g, const FileDescriptor* file) {
    out_text& o = g.o;
    o.line("// Generated by protoc-gen-h2pb (parameter services). Do not edit.");
    o.line("// From:     " + file->name());
    o.line("// Messages: " + header_name(file->name()) + " (generate both)");
    o.line("// How a service runs: h2pb/rpc/asio/service.hpp");
    o.line("#pragma once");
    o.line();
    o.line("#include <array>");
    o.line("#include <functional>");
    o.line("#include <string_view>");
    o.line();
    o.line(h2pb_include_line(g, "rpc/asio/service.hpp"));
    o.line();
    o.line(include_line(g, header_name(file->name())));
    if (file->service_count() == 0) return;
    std::set<std::string> taken;
    for (int i = 0; i < file->message_type_count(); ++i)
        collect_type_names(g, file->message_type(i), taken);
    for (int i = 0; i < file->enum_type_count(); ++i) {
        const std::string e = local_name(g, file->enum_type(i));
        taken.insert({e, e + "_is_known", e + "_name"});
    }
    std::vector<std::string> class_names;
    for (int i = 0; i < file->service_count(); ++i) {
        std::string n = safe_name(file->service(i)->name());
        while (taken.count(n) != 0) n += "_";
        taken.insert(n);
        class_names.push_back(n);
    }
    o.line();
    const std::string ns = namespace_of(g, file);
    if (!ns.empty()) {
        o.line("namespace " + ns + " {");
        o.line();
    }
    out_text& c = g.source_text;
    if (g.opt.source && !ns.empty()) {
        c.line("namespace " + ns + " {");
        c.line();
    }
    for (int i = 0; i < file->service_count(); ++i)
        emit_service(g, file->service(i), class_names[static_cast<std::size_t>(i)],
                     g.opt.descriptors ? descriptor_variable(g, file) : std::string());
    if (!ns.empty()) o.line("}  // namespace " + ns);
    if (g.opt.source && !ns.empty()) c.line("}  // namespace " + ns);
}

std::string grpc_source_name(const std::string& proto) {
    std::string h = grpc_header_name(proto);  // NAME.h2pb.grpc.hpp
    return h.substr(0, h.size() - 4) + ".cpp";
}

void emit_services_source_head(gen_context& g, const FileDescriptor* file) {
    out_text& c = g.source_text;
    const std::string h = grpc_header_name(file->name());
    c.line("// Generated by protoc-gen-h2pb (parameters services, source). Do not edit.");
    c.line("// From:     " + file->name());
    c.line("// What " + h.substr(h.rfind('/') + 1) + " declares: the methods' default");
    c.line("// bodies and register_methods(). Compile this file once and link it into");
    c.line("// the program, as grpc's NAME.grpc.pb.cc.");
    c.line("#include \"" + h.substr(h.rfind('/') + 1) + "\"");
    c.line();
}

}  // namespace h2pb_gen
