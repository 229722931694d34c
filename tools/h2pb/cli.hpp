// Shared plumbing of the h2pb subcommands: options, input bytes, JSON output.
#pragma once

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/hex.hpp>

namespace h2pb::cli {

/// A command-line mistake: "h2pb COMMAND: what" on standard error, then the
/// command's usage text when one is given, else where to find it; returns 2,
/// the exit status every h2pb command gives a usage error.
inline int report_usage_error(std::string_view command, std::string_view what,
                              std::string_view usage = {}) {
    std::cerr << "h2pb " << command << ": " << what;
    if (usage.empty()) {
        std::cerr << "\n(h2pb " << command << " --help for usage)\n";
    } else {
        std::cerr << "\n\n" << usage;
    }
    return 2;
}

/// Command-line words after the subcommand name. Options are taken out by
/// name; what is left is positional. Both "--name value" and "--name=value".
class args {
  public:
    args(int argc, char** argv, int first) {
        for (int i = first; i < argc; ++i) words_.emplace_back(argv[i]);
    }
    explicit args(std::vector<std::string> words) : words_(std::move(words)) {}

    bool take_flag(std::string_view name) {
        for (auto it = words_.begin(); it != words_.end(); ++it) {
            if (*it == "--") break;
            if (*it == name) {
                words_.erase(it);
                return true;
            }
        }
        return false;
    }

    std::optional<std::string> take_value(std::string_view name) {
        for (auto it = words_.begin(); it != words_.end(); ++it) {
            if (*it == "--") break;
            if (*it == name && it + 1 != words_.end()) {
                std::string v = *(it + 1);
                words_.erase(it, it + 2);
                return v;
            }
            if (it->size() > name.size() && it->compare(0, name.size(), name) == 0 &&
                (*it)[name.size()] == '=') {
                std::string v = it->substr(name.size() + 1);
                words_.erase(it);
                return v;
            }
        }
        return std::nullopt;
    }

    /// The first remaining word that looks like an option ("-x"/"--x", not "-").
    std::optional<std::string> unknown_option() const {
        for (const auto& w : words_) {
            if (w == "--") break;
            if (w.size() > 1 && w[0] == '-') return w;
        }
        return std::nullopt;
    }

    /// Remaining words, with a "--" separator dropped.
    std::vector<std::string> positionals() const {
        std::vector<std::string> out;
        for (const auto& w : words_)
            if (w != "--") out.push_back(w);
        return out;
    }

  private:
    std::vector<std::string> words_;
};

enum class input_format { automatic, hex, binary };

/// Reads a whole file ("-" is standard input) as bytes.
inline std::optional<std::string> read_file(const std::string& path) {
    if (path == "-") {
        std::ostringstream ss;
        ss << std::cin.rdbuf();
        return ss.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// True when text contains only what parse_hex accepts (digits, separators,
/// "0x", comments): then "automatic" input is read as hex.
inline bool looks_like_hex(std::string_view text) {
    wire::buffer scratch;
    return !text.empty() && !wire::parse_hex(text, scratch);
}

/// Where a subcommand's input bytes come from: hex words on the command line,
/// or a file / standard input (hex text or raw binary).
struct input_result {
    wire::buffer bytes;
    std::string error;  ///< empty on success
};

inline input_result read_input(const std::vector<std::string>& hex_words,
                               const std::optional<std::string>& file, input_format format) {
    input_result r;
    std::string text;
    bool from_words = false;
    if (!hex_words.empty()) {
        for (const auto& w : hex_words) {
            text += w;
            text += ' ';
        }
        from_words = true;
    } else {
        auto content = read_file(file.value_or("-"));
        if (!content) {
            r.error = "cannot read " + file.value_or("-");
            return r;
        }
        text = std::move(*content);
    }
    const bool as_hex = from_words || format == input_format::hex ||
                        (format == input_format::automatic && looks_like_hex(text));
    if (!as_hex) {
        r.bytes.append(text);
        return r;
    }
    if (auto e = wire::parse_hex(text, r.bytes)) {
        r.error = "hex input, character " + std::to_string(e.offset) + ": " +
                  std::string(wire::describe(e.code));
    }
    return r;
}

/// How quote() writes the other control characters.
enum class control_escape {
    json_unicode,  ///< \u001f, as JSON requires
    c_hex,         ///< \x1f, as C and protoc --decode_raw print them
};

/// s in double quotes, with quotes, backslashes and control characters
/// escaped (\n \r \t by name, the others as `style` says).
inline std::string quote(std::string_view s, control_escape style) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf,
                                  style == control_escape::json_unicode ? "\\u%04x" : "\\x%02x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
    return out;
}

/// Escapes s as a JSON string, quotes included.
inline std::string json_quote(std::string_view s) {
    return quote(s, control_escape::json_unicode);
}

/// A small streaming JSON writer with two-space indentation.
///   json j(std::cout); j.begin_object(); j.key("a"); j.value(1); j.end_object();
class json {
  public:
    explicit json(std::ostream& out) : out_(out) {}
    ~json() {
        if (depth_ == 0 && wrote_) out_ << '\n';
    }

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }
    void key(std::string_view k) {
        separate();
        out_ << json_quote(k) << ": ";
        after_key_ = true;
    }
    void value(std::string_view s) { scalar(json_quote(s)); }
    void value(const char* s) { value(std::string_view(s)); }
    void value(const std::string& s) { value(std::string_view(s)); }
    void value(bool b) { scalar(b ? "true" : "false"); }
    void value(std::nullptr_t) { scalar("null"); }
    template <class Int>
    requires std::is_integral_v<Int>
    void value(Int v) { scalar(std::to_string(v)); }
    void value(double d) {
        std::ostringstream ss;
        ss.precision(17);
        ss << d;
        scalar(ss.str());
    }
    /// A number already written as JSON text ("0.003412"): for values whose
    /// shortest decimal form matters more than a double's 17 digits.
    void number_text(const std::string& n) { scalar(n); }
    template <class V>
    void member(std::string_view k, const V& v) {
        key(k);
        value(v);
    }

  private:
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (depth_ > 0) {
            if (!first_.back()) out_ << ',';
            out_ << '\n' << std::string(indent_width * static_cast<std::size_t>(depth_), ' ');
            first_.back() = false;
        }
    }
    void scalar(const std::string& s) {
        separate();
        out_ << s;
        wrote_ = true;
    }
    void open(char c) {
        separate();
        out_ << c;
        ++depth_;
        first_.push_back(true);
        wrote_ = true;
    }
    void close(char c) {
        const bool empty = first_.back();
        first_.pop_back();
        --depth_;
        if (!empty)
            out_ << '\n' << std::string(indent_width * static_cast<std::size_t>(depth_), ' ');
        out_ << c;
    }

    std::ostream& out_;
    static constexpr std::size_t indent_width = 2;  ///< spaces per nesting level
    int depth_ = 0;
    std::vector<bool> first_;
    bool after_key_ = false;
    bool wrote_ = false;
};

}  // namespace h2pb::cli
