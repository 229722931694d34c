// Test helper: records what a call state machine reports, as short strings.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include <h2pb/rpc/call_events.hpp>

namespace call_test {

using namespace h2pb;

inline std::string hex(wire::bytes_view b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (const auto x : b) {
        s += d[x >> 4];
        s += d[x & 15];
    }
    return s;
}

struct recorder {
    std::vector<std::string> log;
    std::vector<std::vector<std::pair<std::string, std::string>>> sections;  // sent header sections
    std::vector<std::string> messages;
    std::vector<bool> compressed;  ///< each message's Compressed-Flag
    rpc::status ended;
    bool retryable = false;

    auto handler() {
        return [this](const auto& e) { on(e); };
    }
    void on(const rpc::send_headers& e) {
        std::vector<std::pair<std::string, std::string>> s;
        for (const auto& f : e.fields) s.emplace_back(f.name, f.value);
        sections.push_back(std::move(s));
        log.push_back(std::string("send_headers") + (e.end_stream ? "+END" : ""));
    }
    void on(const rpc::send_data& e) {
        log.push_back("send_data(" + hex(e.bytes) + ")" + (e.end_stream ? "+END" : ""));
    }
    void on(const rpc::send_reset& e) {
        log.push_back("send_reset(" + std::string(h2::name(e.code)) + ")");
    }
    void on(const rpc::request_accepted&) { log.push_back("accepted"); }
    void on(const rpc::request_rejected& e) {
        log.push_back("rejected(" + std::to_string(e.why.http_status) + " " +
                      std::string(rpc::name(e.why.st.code)) + ")");
    }
    void on(const rpc::headers_received&) { log.push_back("headers"); }
    void on(const rpc::message_received& e) {
        messages.push_back(wire::to_string(e.bytes));
        compressed.push_back(e.compressed);
        log.push_back("message(" + wire::to_string(e.bytes) + ")");
    }
    void on(const rpc::half_closed&) { log.push_back("half_closed"); }
    void on(const rpc::call_ended& e) {
        ended = e.st;
        retryable = e.retryable;
        log.push_back("ended(" + std::string(rpc::name(e.st.code)) + ")" +
                      (e.retryable ? "+retryable" : ""));
    }
    std::string value(std::size_t section, std::string_view name) const {
        for (const auto& [n, v] : sections.at(section))
            if (n == name) return v;
        return "<absent>";
    }
    void clear() {
        log.clear();
        sections.clear();
        messages.clear();
    }
};

using log_t = std::vector<std::string>;

/// "Compresses" by reversing the bytes (a fake codec for tests).
struct rev_codec final : rpc::codec {
    std::string_view name() const noexcept override { return "rev"; }
    rpc::compress_errc compress(wire::bytes_view in, wire::buffer& out) override {
        for (std::size_t i = in.size(); i > 0; --i) out.push_back(in[i - 1]);
        return rpc::compress_errc::ok;
    }
    rpc::compress_errc decompress(wire::bytes_view in, std::size_t max,
                                  wire::buffer& out) override {
        if (in.size() > max) return rpc::compress_errc::too_large;
        return compress(in, out);
    }
};
struct rev_registry final : rpc::codec_registry {
    std::unique_ptr<rpc::codec> make(std::string_view n) const override {
        return n == "rev" ? std::make_unique<rev_codec>() : nullptr;
    }
    std::string_view accept_encoding() const noexcept override { return "identity,rev"; }
};

}  // namespace call_test
