// h2pb::rpc — gRPC channel targets (naming.md), parsed without I/O.
//
//   auto t = rpc::parse_target("dns:///example.com:50051");
//   if (!t) ... rpc::describe(t.error())
//   t->kind        target_kind::dns
//   t->addresses   {{"example.com", 50051}}   (a name to resolve)
//   t->authority   "example.com:50051"        (the :authority to send)
//
// The forms (naming.md, "Name Syntax"); a target whose scheme is not one of
// these is taken whole as a dns name, as grpc does ("localhost:50051" has
// no scheme "localhost"):
//
//   host[:port]  [v6]:port                 dns, the default
//   dns:host[:port]  dns://auth/host[:port]  dns; `auth` (a DNS server to ask)
//                                          is ignored, as C-core's default
//                                          resolver does
//   unix:path  unix:///abs/path            a Unix domain socket (path
//                                          relative or absolute; with "//"
//                                          the authority must be empty)
//   ipv4:a.b.c.d[:port][,...]              literal addresses, no resolution
//   ipv6:[addr][:port][,...]               (IPv6 with a port needs [ ])
//
// A missing port is 443, the default naming.md gives for dns (grpc uses it
// for ipv4/ipv6 lists too). The :authority is what grpc C-core sends by
// default: the dns name as written (host[:port], port only if given),
// "localhost" for a Unix socket, and for an address list its first
// address as written.
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/wire/result.hpp>

namespace h2pb::rpc {

/// naming.md: "If not specified, 443 is used".
inline constexpr std::uint16_t default_target_port = 443;
/// The longest target accepted: far beyond any host name (253 octets, RFC
/// 1035 §2.3.4) or Unix socket path (108 octets on Linux); a bound so that
/// a hostile configuration string is refused rather than copied around.
inline constexpr std::size_t max_target_length = 4096;
/// Addresses in one ipv4:/ipv6: list: each becomes a subchannel with its own
/// connection, so the list is bounded.
inline constexpr std::size_t max_target_addresses = 64;

enum class target_errc : std::uint8_t {
    ok = 0,
    empty,               ///< "", "unix:", "ipv4:" (nothing after the scheme)
    too_long,            ///< longer than max_target_length
    missing_host,        ///< ":80", "dns:", "dns:///:80", "dns://auth" (no "/")
    bad_port,            ///< not 1..65535 in decimal, or "host:" with no digits
    bad_brackets,        ///< "[::1", "[::1]x", "[]:80", "[host]" with no ':' inside
    bad_ipv4,            ///< an ipv4: element that is not a dotted quad
    bad_ipv6,            ///< an ipv6: element that is not an IPv6 address
    too_many_addresses,  ///< more than max_target_addresses in a list
    unix_authority,      ///< "unix://host/path": only "unix:///path" (empty authority)
    unsupported_scheme,  ///< unix-abstract:, vsock: (known to grpc, not supported here)
};

constexpr std::string_view describe(target_errc e) noexcept {
    switch (e) {
        case target_errc::ok:
            return "ok";
        case target_errc::empty:
            return "empty target";
        case target_errc::too_long:
            return "target too long";
        case target_errc::missing_host:
            return "target has no host";
        case target_errc::bad_port:
            return "target port is not a number in 1..65535";
        case target_errc::bad_brackets:
            return "malformed [IPv6] address in target";
        case target_errc::bad_ipv4:
            return "malformed IPv4 address in ipv4: target";
        case target_errc::bad_ipv6:
            return "malformed IPv6 address in ipv6: target";
        case target_errc::too_many_addresses:
            return "too many addresses in target";
        case target_errc::unix_authority:
            return "unix:// target with a non-empty authority (use unix:///abs/path)";
        case target_errc::unsupported_scheme:
            return "target scheme not supported";
    }
    return "unknown target error";
}

enum class target_kind : std::uint8_t { dns, unix_socket, ipv4, ipv6 };

/// A host (a dns name, or an IPv4/IPv6 literal without brackets) and port.
struct target_address {
    std::string host;
    std::uint16_t port = default_target_port;
    friend bool operator==(const target_address&, const target_address&) = default;
};

struct parsed_target {
    target_kind kind = target_kind::dns;
    /// dns: the one name to resolve; ipv4/ipv6: the addresses in order.
    std::vector<target_address> addresses;
    /// unix: the socket's path.
    std::string path;
    /// The :authority a call sends (see the file comment).
    std::string authority;
};

namespace detail {

inline bool parse_port(std::string_view s, std::uint16_t& out) {
    if (s.empty() || s.size() > 5) return false;
    std::uint32_t v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (v == 0 || v > 65535) return false;
    out = static_cast<std::uint16_t>(v);
    return true;
}

/// A dotted quad, each part 0..255 in decimal with no leading zero (as
/// inet_pton requires).
inline bool is_ipv4(std::string_view s) {
    int parts = 0;
    std::size_t i = 0;
    while (parts < 4) {
        std::size_t j = i;
        unsigned v = 0;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 3)
            v = v * 10 + static_cast<unsigned>(s[j++] - '0');
        if (j == i || v > 255 || (j - i > 1 && s[i] == '0')) return false;
        ++parts;
        if (parts == 4) return j == s.size();
        if (j >= s.size() || s[j] != '.') return false;
        i = j + 1;
    }
    return false;
}

/// RFC 4291 §2.2 text forms: eight groups of 1-4 hex digits, one "::" for
/// a run of zero groups, optionally a dotted quad for the last 32 bits.
inline bool is_ipv6(std::string_view s) {
    if (s.size() < 2) return false;
    int groups = 0;
    bool gap = false;
    std::size_t i = 0;
    if (s.substr(0, 2) == "::") {
        gap = true;
        i = 2;
        if (i == s.size()) return true;
    } else if (s[0] == ':') {
        return false;
    }
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && j - i < 5 && std::isxdigit(static_cast<unsigned char>(s[j]))) ++j;
        if (j < s.size() && s[j] == '.') {  // the embedded IPv4 tail
            if (!is_ipv4(s.substr(i))) return false;
            groups += 2;
            break;
        }
        if (j == i || j - i > 4) return false;
        ++groups;
        if (j == s.size()) break;
        if (s[j] != ':') return false;
        if (j + 1 < s.size() && s[j + 1] == ':') {
            if (gap) return false;
            gap = true;
            i = j + 2;
            if (i == s.size()) break;
        } else {
            i = j + 1;
            if (i == s.size()) return false;  // a trailing single ':'
        }
    }
    return gap ? groups < 8 : groups == 8;
}

/// host[:port], [v6][:port], or a bare IPv6 literal (two or more ':'
/// without brackets: no port, as grpc's SplitHostPort reads it).
inline wire::result<target_address, target_errc> split_host_port(std::string_view s) {
    target_address a;
    std::string_view host, port;
    if (s.empty()) return wire::failure{target_errc::empty};
    if (s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos || close == 1)
            return wire::failure{target_errc::bad_brackets};
        host = s.substr(1, close - 1);
        if (host.find(':') == std::string_view::npos)
            return wire::failure{target_errc::bad_brackets};
        const std::string_view rest = s.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return wire::failure{target_errc::bad_brackets};
            port = rest.substr(1);
            if (port.empty()) return wire::failure{target_errc::bad_port};
        }
    } else {
        const auto first = s.find(':');
        if (first == std::string_view::npos || s.find(':', first + 1) != std::string_view::npos) {
            host = s;  // no port, or a bare IPv6 literal
        } else {
            host = s.substr(0, first);
            port = s.substr(first + 1);
            if (port.empty()) return wire::failure{target_errc::bad_port};
        }
    }
    if (host.empty()) return wire::failure{target_errc::missing_host};
    if (!port.empty() && !parse_port(port, a.port)) return wire::failure{target_errc::bad_port};
    a.host = std::string(host);
    return a;
}

}  // namespace detail

/// Parses a channel target (see the file comment).
inline wire::result<parsed_target, target_errc> parse_target(std::string_view t) {
    using F = wire::failure<target_errc>;
    if (t.empty()) return F{target_errc::empty};
    if (t.size() > max_target_length) return F{target_errc::too_long};
    parsed_target out;
    const auto colon = t.find(':');
    const std::string_view scheme = colon == std::string_view::npos ? "" : t.substr(0, colon);
    const std::string_view rest = colon == std::string_view::npos ? "" : t.substr(colon + 1);

    if (scheme == "unix") {
        out.kind = target_kind::unix_socket;
        std::string_view path = rest;
        if (path.substr(0, 2) == "//") {  // unix://authority/path: the authority must be empty
            path.remove_prefix(2);
            if (path.empty()) return F{target_errc::empty};
            if (path.front() != '/') return F{target_errc::unix_authority};
        }
        if (path.empty()) return F{target_errc::empty};
        out.path = std::string(path);
        out.authority = "localhost";
        return out;
    }
    if (scheme == "ipv4" || scheme == "ipv6") {
        out.kind = scheme == "ipv4" ? target_kind::ipv4 : target_kind::ipv6;
        if (rest.empty()) return F{target_errc::empty};
        std::string_view list = rest;
        for (;;) {
            const auto comma = list.find(',');
            const std::string_view item = list.substr(0, comma);
            if (out.addresses.size() == max_target_addresses)
                return F{target_errc::too_many_addresses};
            auto a = detail::split_host_port(item);
            if (!a) {
                if (a.error() == target_errc::empty || a.error() == target_errc::missing_host)
                    return F{out.kind == target_kind::ipv4 ? target_errc::bad_ipv4
                                                           : target_errc::bad_ipv6};
                return F{a.error()};
            }
            if (out.kind == target_kind::ipv4 ? !detail::is_ipv4(a->host)
                                              : !detail::is_ipv6(a->host))
                return F{out.kind == target_kind::ipv4 ? target_errc::bad_ipv4
                                                       : target_errc::bad_ipv6};
            if (out.addresses.empty()) out.authority = std::string(item);
            out.addresses.push_back(std::move(*a));
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
        return out;
    }
    if (scheme == "unix-abstract" || scheme == "vsock") return F{target_errc::unsupported_scheme};

    // dns: explicit, or the default for anything else.
    std::string_view name = t;
    if (scheme == "dns") {
        name = rest;
        if (name.substr(0, 2) == "//") {  // dns://[authority]/host[:port]
            name.remove_prefix(2);
            const auto slash = name.find('/');
            if (slash == std::string_view::npos) return F{target_errc::missing_host};
            name.remove_prefix(slash + 1);
        }
    }
    out.kind = target_kind::dns;
    auto a = detail::split_host_port(name);
    if (!a)
        return F{a.error() == target_errc::empty && scheme == "dns" ? target_errc::missing_host
                                                                    : a.error()};
    out.authority = std::string(name);
    out.addresses.push_back(std::move(*a));
    return out;
}

}  // namespace h2pb::rpc
