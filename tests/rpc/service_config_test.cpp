// rpc/service_config.hpp and rpc/detail/json.hpp: the example of
// service_config.md, the retry policy of gRFC A6 (and its example in grpc's
// examples/cpp/retry), the lookup precedence of MethodConfig.name, and the
// validation errors.
#include <chrono>
#include <string>

#include <h2pb/rpc/detail/json.hpp>
#include <h2pb/rpc/service_config.hpp>

#include <catch2/catch.hpp>

namespace rpc = h2pb::rpc;
namespace json = h2pb::rpc::detail::json;
using namespace std::chrono_literals;
using rpc::status_code;

namespace {

std::string error_of(std::string_view text) {
    auto r = rpc::parse_service_config(text);
    REQUIRE(!r.ok());
    CHECK(r.status().code == status_code::invalid_argument);
    return r.status().message;
}

}  // namespace

TEST_CASE("json: values, escapes, limits") {
    json::value v;
    json::error e;
    REQUIRE(json::parse(
        R"( {"a": [1, -2.5e1, true, false, null], "s": "x\"\\\/\n\u00e9\ud83d\ude00"} )", v, e));
    REQUIRE(v.kind == json::kind::object);
    const json::value* a = v.get("a");
    REQUIRE(a != nullptr);
    REQUIRE(a->items.size() == 5);
    CHECK(a->items[0].number == 1);
    CHECK(a->items[1].number == -25);
    CHECK(a->items[1].text == "-2.5e1");
    CHECK(a->items[2].boolean);
    CHECK(a->items[4].kind == json::kind::null);
    // U+00E9 is C3 A9 in UTF-8, U+1F600 (the pair D83D DE00) F0 9F 98 80.
    CHECK(v.get("s")->text == "x\"\\/\n\xC3\xA9\xF0\x9F\x98\x80");

    CHECK(!json::parse("{\"a\":1,\"a\":2}", v, e));
    CHECK(e.what == "duplicate key \"a\"");
    CHECK(e.offset == 7);
    CHECK(!json::parse("[1,]", v, e));
    CHECK(!json::parse("01", v, e));
    CHECK(!json::parse("1.", v, e));
    CHECK(!json::parse("\"\x01\"", v, e));
    CHECK(!json::parse("\"\\ud800\"", v, e));
    CHECK(!json::parse("[] []", v, e));
    CHECK(e.what == "trailing characters after the JSON value");
    CHECK(!json::parse("", v, e));
    // Depth: 32 nested arrays pass, 33 do not.
    CHECK(json::parse(std::string(32, '[') + std::string(32, ']'), v, e));
    CHECK(!json::parse(std::string(33, '[') + std::string(33, ']'), v, e));
    CHECK(e.what == "JSON nested deeper than 32");
    // Deep input far beyond the limit fails without deep recursion.
    CHECK(!json::parse(std::string(20000, '['), v, e));
    // Size limit.
    CHECK(!json::parse(std::string(json::default_max_bytes + 1, ' '), v, e));
    json::limits small;
    small.max_bytes = 4;
    CHECK(!json::parse("[1,2]", v, e, small));
}

TEST_CASE("service config: the example of service_config.md") {
    // The JSON form, as service_config.md gives it.
    auto r = rpc::parse_service_config(R"({
  "loadBalancingConfig": [ { "round_robin": {} } ],
  "methodConfig": [
    {
      "name": [
        { "service": "foo", "method": "bar" },
        { "service": "baz" }
      ],
      "timeout": "1.000000001s"
    }
  ]
})");
    REQUIRE(r.ok());
    const rpc::service_config& c = *r;
    CHECK(c.load_balancing_config == std::vector<std::string>{"round_robin"});
    REQUIRE(c.method_configs.size() == 1);
    CHECK(c.method_configs[0].timeout == 1s + 1ns);  // seconds: 1, nanos: 1
    // "applies to method foo/bar and to all methods of service baz"
    CHECK(c.find("foo", "bar") == &c.method_configs[0]);
    CHECK(c.find("baz", "anything") == &c.method_configs[0]);
    CHECK(c.find("foo", "other") == nullptr);
    CHECK(c.find("qux", "bar") == nullptr);
}

TEST_CASE("service config: gRFC A6 retry policy and throttling") {
    // grpc's examples/cpp/retry config, plus throttling.
    auto r = rpc::parse_service_config(R"({
      "methodConfig": [{
        "name": [{"service": "helloworld.Greeter"}],
        "waitForReady": true,
        "maxRequestMessageBytes": 1024,
        "maxResponseMessageBytes": "2048",
        "retryPolicy": {
          "maxAttempts": 4, "initialBackoff": "1s", "maxBackoff": "120s",
          "backoffMultiplier": 1.0, "retryableStatusCodes": ["UNAVAILABLE", 10]
        }
      }],
      "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1},
      "someFutureField": {"ignored": [1, 2]}
    })");
    REQUIRE(r.ok());
    const rpc::method_config* m = r->find("helloworld.Greeter", "SayHello");
    REQUIRE(m != nullptr);
    CHECK(m->wait_for_ready == true);
    CHECK(m->max_request_message_bytes == 1024u);
    CHECK(m->max_response_message_bytes == 2048u);
    REQUIRE(m->retry);
    CHECK(m->retry->max_attempts == 4);
    CHECK(m->retry->initial_backoff == 1s);
    CHECK(m->retry->max_backoff == 120s);
    CHECK(m->retry->backoff_multiplier == 1.0);
    CHECK(m->retry->retryable(status_code::unavailable));
    CHECK(m->retry->retryable(status_code::aborted));  // 10
    CHECK(!m->retry->retryable(status_code::internal));
    REQUIRE(r->retry_throttling);
    CHECK(r->retry_throttling->max_tokens == 10);
    CHECK(r->retry_throttling->token_ratio == 0.1);

    // maxAttempts above 5 is 5 (gRFC A6).
    auto capped = rpc::parse_service_config(
        R"({"methodConfig":[{"name":[{}],"retryPolicy":{"maxAttempts":9,"initialBackoff":"0.1s",)"
        R"("maxBackoff":"1s","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]}}]})");
    REQUIRE(capped.ok());
    CHECK(capped->method_configs[0].retry->max_attempts == 5);
    CHECK(capped->method_configs[0].retry->initial_backoff == 100ms);
}

TEST_CASE("service config: find() precedence: method, then service, then default") {
    auto r = rpc::parse_service_config(R"({"methodConfig": [
        {"name": [{}], "timeout": "1s"},
        {"name": [{"service": "s"}], "timeout": "2s"},
        {"name": [{"service": "s", "method": "m"}], "timeout": "3s"},
        {"name": [{"service": "t", "method": ""}], "timeout": "4s"}
    ]})");
    REQUIRE(r.ok());
    CHECK(r->find("s", "m")->timeout == 3s);
    CHECK(r->find("s", "other")->timeout == 2s);
    CHECK(r->find("t", "x")->timeout == 4s);  // empty method = the whole service
    CHECK(r->find("u", "x")->timeout == 1s);  // the default
    rpc::service_config empty;
    CHECK(empty.find("s", "m") == nullptr);
}

TEST_CASE("service config: precise errors") {
    const std::string rp_head = R"({"methodConfig":[{"name":[{"service":"s"}],"retryPolicy":)";
    auto policy = [&](std::string_view body) { return rp_head + std::string(body) + "}]}"; };
    const std::string good_rest =
        R"("initialBackoff":"1s","maxBackoff":"2s","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"])";

    CHECK(error_of("[1]") == "service config: the service config is not an object");
    CHECK(error_of("{\"methodConfig\": [}") ==
          "service config: JSON: unexpected character '}' at offset 18");
    CHECK(error_of(policy("{\"maxAttempts\":1," + good_rest + "}")) ==
          "service config: methodConfig[0].retryPolicy.maxAttempts: must be at least 2");
    CHECK(error_of(policy("{" + good_rest + "}")) ==
          "service config: methodConfig[0].retryPolicy.maxAttempts: missing");
    CHECK(error_of(policy("{\"maxAttempts\":2.5," + good_rest + "}")) ==
          "service config: methodConfig[0].retryPolicy.maxAttempts: not an integer");
    CHECK(
        error_of(policy(
            R"({"maxAttempts":2,"initialBackoff":"0s","maxBackoff":"2s","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]})")) ==
        "service config: methodConfig[0].retryPolicy.initialBackoff: must be > 0");
    CHECK(
        error_of(policy(
            R"({"maxAttempts":2,"initialBackoff":"1","maxBackoff":"2s","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]})")) ==
        "service config: methodConfig[0].retryPolicy.initialBackoff: not a duration string "
        "like \"1.5s\"");
    CHECK(
        error_of(policy(
            R"({"maxAttempts":2,"initialBackoff":"1s","maxBackoff":"-2s","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]})")) ==
        "service config: methodConfig[0].retryPolicy.maxBackoff: negative duration");
    CHECK(
        error_of(policy(
            R"({"maxAttempts":2,"initialBackoff":"1s","maxBackoff":"2s","backoffMultiplier":0,"retryableStatusCodes":["UNAVAILABLE"]})")) ==
        "service config: methodConfig[0].retryPolicy.backoffMultiplier: must be > 0");
    CHECK(
        error_of(policy(
            R"({"maxAttempts":2,"initialBackoff":"1s","maxBackoff":"2s","backoffMultiplier":2,"retryableStatusCodes":[]})")) ==
        "service config: methodConfig[0].retryPolicy.retryableStatusCodes: empty");
    CHECK(
        error_of(policy(
            R"({"maxAttempts":2,"initialBackoff":"1s","maxBackoff":"2s","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE","NOPE"]})")) ==
        "service config: methodConfig[0].retryPolicy.retryableStatusCodes[1]: unknown status "
        "code name \"NOPE\"");
    CHECK(
        error_of(policy(
            R"({"maxAttempts":2,"initialBackoff":"1s","maxBackoff":"2s","backoffMultiplier":2,"retryableStatusCodes":[17]})")) ==
        "service config: methodConfig[0].retryPolicy.retryableStatusCodes[0]: out of range "
        "[0, 16]");
    CHECK(error_of(R"({"methodConfig":[{"name":[{"method":"m"}]}]})") ==
          "service config: methodConfig[0].name[0]: a method without a service");
    CHECK(error_of(R"({"methodConfig":[{"name":[{"service":"s"}]},{"name":[{"service":"s"}]}]})") ==
          "service config: methodConfig[1].name[0]: the same name is in more than one method "
          "config");
    CHECK(error_of(R"({"methodConfig":[{"name":[{}],"timeout":"1.0000000001s"}]})") ==
          "service config: methodConfig[0].timeout: not a duration string like \"1.5s\"");
    CHECK(error_of(R"({"methodConfig":[{"name":[{}],"waitForReady":"yes"}]})") ==
          "service config: methodConfig[0].waitForReady: not a boolean");
    CHECK(error_of(R"({"methodConfig":[{"maxRequestMessageBytes":-1}]})") ==
          "service config: methodConfig[0].maxRequestMessageBytes: out of range [0, 4294967295]");
    CHECK(error_of(R"({"retryThrottling":{"maxTokens":1001,"tokenRatio":1}})") ==
          "service config: retryThrottling.maxTokens: must be in (0, 1000]");
    CHECK(error_of(R"({"retryThrottling":{"maxTokens":10}})") ==
          "service config: retryThrottling.tokenRatio: missing");
    CHECK(error_of(R"({"loadBalancingConfig":[{"a":{},"b":{}}]})") ==
          "service config: loadBalancingConfig[0]: not an object with exactly one policy name");
    CHECK(error_of(policy("{\"maxAttempts\":2," + good_rest + "},\"hedgingPolicy\":{}")) ==
          "service config: methodConfig[0]: both retryPolicy and hedgingPolicy (gRFC A6: only "
          "one)");
}
