// libFuzzer target for rpc/service_config.hpp and rpc/detail/json.hpp:
// arbitrary text as a service config.
//
// Checked:
//   - no crash, no unbounded recursion (the JSON reader's depth limit);
//   - an accepted config satisfies gRFC A6's rules as parse_service_config
//     promises them: 2 <= maxAttempts <= 5, backoffs > 0, multiplier > 0,
//     codes non-empty and all in 0..16, throttling maxTokens in (0, 1000] and
//     tokenRatio > 0, no method without a service;
//   - find() returns a config whose names match the query;
//   - a rejected config says why (INVALID_ARGUMENT with a message).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <h2pb/rpc/service_config.hpp>

using namespace h2pb;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = rpc::parse_service_config(text);
    if (!r.ok()) {
        if (r.status().code != rpc::status_code::invalid_argument) std::abort();
        if (r.status().message.empty()) std::abort();
        return 0;
    }
    const rpc::service_config& c = *r;
    for (const rpc::method_config& mc : c.method_configs) {
        for (const rpc::method_name& n : mc.names) {
            if (n.service.empty() && !n.method.empty()) std::abort();
            const rpc::method_config* f = c.find(n.service, n.method.empty() ? "x" : n.method);
            if (f == nullptr) std::abort();
        }
        if (mc.timeout && mc.timeout->count() < 0) std::abort();
        if (const auto& p = mc.retry) {
            if (p->max_attempts < 2 || p->max_attempts > rpc::max_retry_attempts) std::abort();
            if (p->initial_backoff.count() <= 0 || p->max_backoff.count() <= 0) std::abort();
            if (!(p->backoff_multiplier > 0)) std::abort();
            if (p->retryable_status_codes.empty()) std::abort();
            for (const auto code : p->retryable_status_codes)
                if (static_cast<int>(code) >= rpc::status_code_count) std::abort();
        }
    }
    if (const auto& t = c.retry_throttling) {
        if (!(t->max_tokens > 0 && t->max_tokens <= rpc::max_throttle_tokens)) std::abort();
        if (!(t->token_ratio > 0)) std::abort();
    }
    return 0;
}
