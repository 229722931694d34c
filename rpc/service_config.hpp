// h2pb::rpc — the gRPC service config (service_config.md), sans-IO: the
// parsed struct, its validation, and the per-method lookup.
//
// The config arrives as JSON (the protobuf grpc.service_config.ServiceConfig
// in its JSON form: camelCase names, durations as "1.5s" strings, 64-bit
// integers as strings). What is read here:
//
//   {
//     "loadBalancingConfig": [ { "round_robin": {} } ],   // or the older
//     "loadBalancingPolicy": "round_robin",
//     "methodConfig": [ {
//       "name": [ { "service": "foo", "method": "bar" }, { "service": "baz" } ],
//       "timeout": "1.000000001s",
//       "waitForReady": true,
//       "maxRequestMessageBytes": 1024, "maxResponseMessageBytes": "4096",
//       "retryPolicy": {                                   // gRFC A6
//         "maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
//         "backoffMultiplier": 2, "retryableStatusCodes": [ "UNAVAILABLE", 10 ] } } ],
//     "retryThrottling": { "maxTokens": 10, "tokenRatio": 0.1 }   // gRFC A6
//   }
//
// Names (service_config.proto, MethodConfig.Name): {service, method} is one
// method; {service} (method empty or absent) every method of the service;
// {} (service empty) every method of every service, the default config. A
// name with a method but no service is an error, and so is the same name in
// two method configs. find() takes the most specific: the method's own
// config, else its service's, else the default.
//
// Validation follows gRFC A6 as grpc C++ (retry_service_config.cc) and
// grpc-go (service_config.go) apply it: maxAttempts >= 2 (values above 5 are
// capped to 5, grpc's limit), initialBackoff and maxBackoff > 0,
// backoffMultiplier > 0, retryableStatusCodes non-empty (names as
// statuscodes.md spells them, or numbers 0..16); retryThrottling maxTokens in
// (0, 1000], tokenRatio > 0; retryPolicy and hedgingPolicy not both. Fields
// we do not know are ignored (new ones may be added, service_config.md).
// Every error says where: "methodConfig[0].retryPolicy.maxAttempts: ...".
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/rpc/detail/json.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc {

/// gRFC A6: "maxAttempts ... values greater than 5 are treated as 5" (grpc
/// C++ and grpc-go cap there, silently), so a config cannot make one call
/// cost more than 5 attempts.
inline constexpr int max_retry_attempts = 5;
/// gRFC A6: retryThrottling.maxTokens is at most 1000.
inline constexpr double max_throttle_tokens = 1000;
/// The longest duration read (in seconds): what std::chrono::nanoseconds
/// holds (about 292 years) rounded down; protobuf's Duration allows more, but
/// no timeout or backoff needs it.
inline constexpr std::int64_t max_config_duration_seconds = 9'000'000'000;

/// One entry of MethodConfig.name.
struct method_name {
    std::string service;  ///< "" = every service (then method is "" too)
    std::string method;   ///< "" = every method of `service`
    friend bool operator==(const method_name&, const method_name&) = default;
};

/// gRFC A6 retryPolicy.
struct retry_policy {
    int max_attempts = 2;  ///< the first attempt included; 2..max_retry_attempts
    std::chrono::nanoseconds initial_backoff{0};
    std::chrono::nanoseconds max_backoff{0};
    double backoff_multiplier = 1;
    std::vector<status_code> retryable_status_codes;

    bool retryable(status_code c) const noexcept {
        return std::find(retryable_status_codes.begin(), retryable_status_codes.end(), c) !=
               retryable_status_codes.end();
    }
};

/// gRFC A6 retryThrottling: a token bucket shared by a channel's calls.
struct retry_throttling_policy {
    double max_tokens = 0;
    double token_ratio = 0;
};

/// One MethodConfig: the settings of the methods its names match. An unset
/// field leaves the channel's or the call's setting alone.
struct method_config {
    std::vector<method_name> names;
    std::optional<std::chrono::nanoseconds> timeout;
    std::optional<bool> wait_for_ready;
    std::optional<std::uint32_t> max_request_message_bytes;
    std::optional<std::uint32_t> max_response_message_bytes;
    std::optional<retry_policy> retry;
};

struct service_config {
    /// loadBalancingConfig: the policy names in the order given (the first
    /// one the channel supports is used, load-balancing.md).
    std::vector<std::string> load_balancing_config;
    /// loadBalancingPolicy (the older field): "round_robin", "pick_first".
    std::string load_balancing_policy;
    std::vector<method_config> method_configs;
    std::optional<retry_throttling_policy> retry_throttling;

    /// The config of /service/method: its own, else its service's, else the
    /// default (an empty name); nullptr when none matches.
    const method_config* find(std::string_view service, std::string_view method) const noexcept {
        const method_config* by_service = nullptr;
        const method_config* by_default = nullptr;
        for (const method_config& mc : method_configs) {
            for (const method_name& n : mc.names) {
                if (n.service.empty()) {
                    by_default = &mc;
                } else if (n.service == service) {
                    if (n.method.empty())
                        by_service = &mc;
                    else if (n.method == method)
                        return &mc;
                }
            }
        }
        return by_service != nullptr ? by_service : by_default;
    }
};

namespace detail {

/// Reads the config's JSON tree; the first error ends it.
class service_config_reader {
  public:
    using value = json::value;

    bool read(const value& root, service_config& out) {
        if (root.kind != json::kind::object) return fail("", "the service config is not an object");
        if (const value* v = root.get("loadBalancingPolicy")) {
            if (!string_of(*v, "loadBalancingPolicy", out.load_balancing_policy)) return false;
        }
        if (const value* v = root.get("loadBalancingConfig")) {
            if (v->kind != json::kind::array) return fail("loadBalancingConfig", "not an array");
            for (std::size_t i = 0; i < v->items.size(); ++i) {
                const value& e = v->items[i];
                const std::string at = "loadBalancingConfig[" + std::to_string(i) + "]";
                if (e.kind != json::kind::object || e.members.size() != 1)
                    return fail(at, "not an object with exactly one policy name");
                if (e.members[0].second.kind != json::kind::object)
                    return fail(at + "." + e.members[0].first, "not an object");
                out.load_balancing_config.push_back(e.members[0].first);
            }
        }
        if (const value* v = root.get("methodConfig")) {
            if (v->kind != json::kind::array) return fail("methodConfig", "not an array");
            for (std::size_t i = 0; i < v->items.size(); ++i) {
                method_config mc;
                if (!read_method(v->items[i], "methodConfig[" + std::to_string(i) + "]", mc, out))
                    return false;
                out.method_configs.push_back(std::move(mc));
            }
        }
        if (const value* v = root.get("retryThrottling")) {
            if (v->kind != json::kind::object) return fail("retryThrottling", "not an object");
            retry_throttling_policy t;
            const value* mt = v->get("maxTokens");
            if (mt == nullptr) return fail("retryThrottling.maxTokens", "missing");
            if (!number_of(*mt, "retryThrottling.maxTokens", t.max_tokens)) return false;
            if (!(t.max_tokens > 0 && t.max_tokens <= max_throttle_tokens))
                return fail("retryThrottling.maxTokens", "must be in (0, 1000]");
            const value* tr = v->get("tokenRatio");
            if (tr == nullptr) return fail("retryThrottling.tokenRatio", "missing");
            if (!number_of(*tr, "retryThrottling.tokenRatio", t.token_ratio)) return false;
            if (!(t.token_ratio > 0)) return fail("retryThrottling.tokenRatio", "must be > 0");
            out.retry_throttling = t;
        }
        return true;
    }

    std::string error;

  private:
    bool fail(const std::string& at, std::string_view what) {
        error = at.empty() ? std::string(what) : at + ": " + std::string(what);
        return false;
    }

    bool string_of(const value& v, const std::string& at, std::string& out) {
        if (v.kind != json::kind::string) return fail(at, "not a string");
        out = v.text;
        return true;
    }

    bool number_of(const value& v, const std::string& at, double& out) {
        if (v.kind == json::kind::number) {
            out = v.number;
            return true;
        }
        // Protobuf's JSON mapping accepts numbers as strings too.
        if (v.kind == json::kind::string) {
            const auto r = std::from_chars(v.text.data(), v.text.data() + v.text.size(), out);
            if (r.ec == std::errc{} && r.ptr == v.text.data() + v.text.size() && !v.text.empty())
                return true;
        }
        return fail(at, "not a number");
    }

    /// An integer in [lo, hi]: a JSON number without fraction or exponent,
    /// or (protobuf JSON, 64-bit style) the same digits as a string.
    bool integer_of(const value& v, const std::string& at, std::int64_t lo, std::int64_t hi,
                    std::int64_t& out) {
        if (v.kind != json::kind::number && v.kind != json::kind::string)
            return fail(at, "not an integer");
        const std::string& s = v.text;
        std::int64_t n = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
        if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size())
            return fail(at, "not an integer");
        if (n < lo || n > hi)
            return fail(at,
                        "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        out = n;
        return true;
    }

    /// google.protobuf.Duration in JSON: decimal seconds with up to 9
    /// fraction digits and an "s": "1s", "0.5s", "1.000000001s". Negative
    /// durations are refused (no field here may be negative).
    bool duration_of(const value& v, const std::string& at, std::chrono::nanoseconds& out) {
        if (v.kind != json::kind::string) return fail(at, "not a duration string like \"1.5s\"");
        std::string_view s = v.text;
        if (s.size() < 2 || s.back() != 's') return fail(at, "not a duration string like \"1.5s\"");
        s.remove_suffix(1);
        if (s.front() == '-') return fail(at, "negative duration");
        const auto dot = s.find('.');
        const std::string_view whole = s.substr(0, dot);
        const std::string_view frac =
            dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
        auto all_digits = [](std::string_view d) {
            return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
        };
        if (whole.empty() || !all_digits(whole) || !all_digits(frac) ||
            (dot != std::string_view::npos && frac.empty()) || frac.size() > 9)
            return fail(at, "not a duration string like \"1.5s\"");
        std::int64_t secs = 0;
        const auto r = std::from_chars(whole.data(), whole.data() + whole.size(), secs);
        if (r.ec != std::errc{} || secs > max_config_duration_seconds)
            return fail(at, "duration too long");
        std::int64_t nanos = 0;
        for (std::size_t i = 0; i < 9; ++i)
            nanos = nanos * 10 + (i < frac.size() ? frac[i] - '0' : 0);
        out = std::chrono::seconds(secs) + std::chrono::nanoseconds(nanos);
        return true;
    }

    bool read_method(const value& v, const std::string& at, method_config& mc,
                     const service_config& so_far) {
        if (v.kind != json::kind::object) return fail(at, "not an object");
        if (const value* names = v.get("name")) {
            if (names->kind != json::kind::array) return fail(at + ".name", "not an array");
            for (std::size_t i = 0; i < names->items.size(); ++i) {
                const value& n = names->items[i];
                const std::string nat = at + ".name[" + std::to_string(i) + "]";
                if (n.kind != json::kind::object) return fail(nat, "not an object");
                method_name mn;
                if (const value* s = n.get("service")) {
                    if (!string_of(*s, nat + ".service", mn.service)) return false;
                }
                if (const value* m = n.get("method")) {
                    if (!string_of(*m, nat + ".method", mn.method)) return false;
                }
                if (mn.service.empty() && !mn.method.empty())
                    return fail(nat, "a method without a service");
                auto same = [&](const method_config& o) {
                    return std::find(o.names.begin(), o.names.end(), mn) != o.names.end();
                };
                if (same(mc) ||
                    std::any_of(so_far.method_configs.begin(), so_far.method_configs.end(), same))
                    return fail(nat, "the same name is in more than one method config");
                mc.names.push_back(std::move(mn));
            }
        }
        if (const value* t = v.get("timeout")) {
            std::chrono::nanoseconds d{};
            if (!duration_of(*t, at + ".timeout", d)) return false;
            mc.timeout = d;
        }
        if (const value* w = v.get("waitForReady")) {
            if (w->kind != json::kind::boolean) return fail(at + ".waitForReady", "not a boolean");
            mc.wait_for_ready = w->boolean;
        }
        for (const auto& [field, slot] :
             {std::pair{"maxRequestMessageBytes", &mc.max_request_message_bytes},
              std::pair{"maxResponseMessageBytes", &mc.max_response_message_bytes}}) {
            if (const value* m = v.get(field)) {
                std::int64_t n = 0;
                if (!integer_of(*m, at + "." + field, 0, UINT32_MAX, n)) return false;
                *slot = static_cast<std::uint32_t>(n);
            }
        }
        if (const value* r = v.get("retryPolicy")) {
            if (v.get("hedgingPolicy") != nullptr)
                return fail(at, "both retryPolicy and hedgingPolicy (gRFC A6: only one)");
            retry_policy rp;
            if (!read_retry(*r, at + ".retryPolicy", rp)) return false;
            mc.retry = std::move(rp);
        }
        return true;
    }

    bool read_retry(const value& v, const std::string& at, retry_policy& rp) {
        if (v.kind != json::kind::object) return fail(at, "not an object");
        const value* ma = v.get("maxAttempts");
        if (ma == nullptr) return fail(at + ".maxAttempts", "missing");
        std::int64_t n = 0;
        if (!integer_of(*ma, at + ".maxAttempts", INT32_MIN, INT32_MAX, n)) return false;
        if (n < 2) return fail(at + ".maxAttempts", "must be at least 2");
        rp.max_attempts = static_cast<int>(std::min<std::int64_t>(n, max_retry_attempts));
        for (const auto& [field, slot] : {std::pair{"initialBackoff", &rp.initial_backoff},
                                          std::pair{"maxBackoff", &rp.max_backoff}}) {
            const value* b = v.get(field);
            const std::string bat = at + "." + field;
            if (b == nullptr) return fail(bat, "missing");
            if (!duration_of(*b, bat, *slot)) return false;
            if (slot->count() <= 0) return fail(bat, "must be > 0");
        }
        const value* m = v.get("backoffMultiplier");
        if (m == nullptr) return fail(at + ".backoffMultiplier", "missing");
        if (!number_of(*m, at + ".backoffMultiplier", rp.backoff_multiplier)) return false;
        if (!(rp.backoff_multiplier > 0)) return fail(at + ".backoffMultiplier", "must be > 0");
        const value* codes = v.get("retryableStatusCodes");
        const std::string cat = at + ".retryableStatusCodes";
        if (codes == nullptr) return fail(cat, "missing");
        if (codes->kind != json::kind::array) return fail(cat, "not an array");
        if (codes->items.empty()) return fail(cat, "empty");
        for (std::size_t i = 0; i < codes->items.size(); ++i) {
            const value& c = codes->items[i];
            const std::string eat = cat + "[" + std::to_string(i) + "]";
            status_code code = status_code::unknown;
            if (c.kind == json::kind::string) {
                code = code_from_name(c.text);
                if (code == status_code::unknown && c.text != "UNKNOWN")
                    return fail(eat, "unknown status code name \"" + c.text + "\"");
            } else {
                std::int64_t k = 0;
                if (!integer_of(c, eat, 0, status_code_count - 1, k)) return false;
                code = static_cast<status_code>(k);
            }
            if (!rp.retryable(code)) rp.retryable_status_codes.push_back(code);
        }
        return true;
    }
};

}  // namespace detail

/// Parses and validates a service config (JSON text, at most
/// json::default_max_bytes). An error is INVALID_ARGUMENT with a message that
/// says where and what ("methodConfig[0].retryPolicy.maxAttempts: must be at
/// least 2"; "JSON: expected ',' or '}' at offset 17").
inline result<service_config> parse_service_config(std::string_view text) {
    detail::json::value root;
    detail::json::error jerr;
    if (!detail::json::parse(text, root, jerr))
        return status{status_code::invalid_argument, "service config: JSON: " + jerr.to_string()};
    service_config out;
    detail::service_config_reader r;
    if (!r.read(root, out))
        return status{status_code::invalid_argument, "service config: " + r.error};
    return out;
}

}  // namespace h2pb::rpc
