// Helpers of the gRPC-Web tests (tests/rpc/grpc_web_test.cpp,
// tests/rpc/asio/grpc_web_test.cpp): frames written from the spec text, and
// a whole response body run through rpc::web::response_parser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/rpc/grpc_web.hpp>

namespace grpc_web_test {

/// A length-prefixed frame as PROTOCOL-HTTP2.md spells it: flag, 4-byte
/// big-endian length, payload (PROTOCOL-WEB.md: flag 0x80 for trailers).
inline std::string frame(std::string_view payload, unsigned char flag = 0) {
    std::string s(1, static_cast<char>(flag));
    const auto n = static_cast<std::uint32_t>(payload.size());
    s.push_back(static_cast<char>(n >> 24));
    s.push_back(static_cast<char>(n >> 16));
    s.push_back(static_cast<char>(n >> 8));
    s.push_back(static_cast<char>(n));
    s.append(payload);
    return s;
}

struct parsed {
    std::vector<std::string> messages;
    std::vector<std::pair<std::string, std::string>> trailers;
    h2pb::rpc::web::parse_errc error = h2pb::rpc::web::parse_errc::ok;
};

/// Runs a response_parser over `pieces` (fed one by one) to the end.
inline parsed parse(h2pb::rpc::web::content_kind kind, const std::vector<std::string_view>& pieces,
                    h2pb::rpc::web::response_limits limits = {}) {
    namespace web = h2pb::rpc::web;
    parsed out;
    web::response_parser p(kind, limits);
    auto drain = [&]() {
        web::response_parser::event ev;
        for (;;) {
            const auto r = p.next(ev);
            if (r == web::response_parser::result::message)
                out.messages.emplace_back(h2pb::wire::as_chars(ev.message));
            else if (r == web::response_parser::result::trailers)
                for (const auto& f : p.trailers()) out.trailers.emplace_back(f.name, f.value);
            else
                return r != web::response_parser::result::failed;
        }
    };
    for (auto piece : pieces) {
        if (p.feed(h2pb::wire::as_bytes(piece)) != web::parse_errc::ok || !drain()) {
            out.error = p.error();
            return out;
        }
    }
    if (p.finish() != web::parse_errc::ok || !drain()) out.error = p.error();
    return out;
}

}  // namespace grpc_web_test
