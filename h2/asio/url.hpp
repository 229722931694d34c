// h2pb::h2::asio — the parts of an http:// or https:// URL a client needs.
//
//   http://host:port/path?query   -> h2c with prior knowledge (RFC 9113 §3.3)
//   https://host:port/path?query  -> TLS with ALPN "h2" (§3.2)
//
// The host may be a name, an IPv4 address, or an IPv6 address in brackets.
// :authority is host[:port] as written (§8.3.1); :path is the path and query
// ("/" when empty, §8.3.1: "MUST NOT be empty" for http and https URIs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace h2pb::h2::asio {

struct url {
    url() {}  // NOLINT: not an aggregate, see client_options (g++ 12 coroutine temporaries)
    bool tls = false;
    std::string scheme;     ///< "http" or "https"
    std::string host;       ///< without brackets
    std::string port;       ///< "80"/"443" when not written
    std::string authority;  ///< as written: host[:port]
    std::string path;       ///< path and query, "/" at least
};

/// Parses an http:// or https:// URL; nothing if it is not one.
inline std::optional<url> parse_url(std::string_view s) {
    url u;
    if (s.substr(0, 7) == "http://") {
        u.scheme = "http";
        s.remove_prefix(7);
    } else if (s.substr(0, 8) == "https://") {
        u.scheme = "https";
        u.tls = true;
        s.remove_prefix(8);
    } else {
        return std::nullopt;
    }
    const auto slash = s.find_first_of("/?#");
    std::string_view authority = s.substr(0, slash);
    std::string_view rest = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos)
        rest = rest.substr(0, hash);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos)
        authority.remove_prefix(at + 1);
    if (authority.empty()) return std::nullopt;
    u.authority = std::string(authority);
    std::string_view host = authority;
    std::string_view port;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) return std::nullopt;
    for (char c : port)
        if (c < '0' || c > '9') return std::nullopt;
    u.host = std::string(host);
    u.port = port.empty() ? std::string(u.tls ? "443" : "80") : std::string(port);
    // (Built with push_back/append: g++ 12 -O3 reports a false -Wrestrict
    // on assigning a literal here, GCC PR 105329.)
    if (rest.empty() || rest.front() == '?') u.path.push_back('/');
    u.path.append(rest);
    return u;
}

}  // namespace h2pb::h2::asio
