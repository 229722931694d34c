// proto_codec benchmark: parse and serialize with h2pb's generated structs and
// with libprotobuf 3.21's generated classes, side by side in one binary.
//
// Pairs are named CASE/h2pb and CASE/libprotobuf. Both sides parse the same
// bytes (libprotobuf's serialization) into a message object reused across
// iterations, and serialize the same message content into a reused output
// (wire::buffer for h2pb, std::string via SerializeToString for libprotobuf).
// Each benchmark reports allocs_per_op (global operator new is replaced in
// this binary to count) and bytes_per_second over the encoded size.
//
// JSON pairs (json_print_CASE, json_parse_CASE): the protobuf JSON mapping
// (protobuf-docs/json.md) by h2pb's generated to_json / from_json
// (proto_codec/json.hpp) and by libprotobuf's util::MessageToJsonString /
// JsonStringToMessage, default options (compact, lowerCamelCase keys, enum
// names). Both print the same message into a reused std::string (h2pb's text
// is checked to read back, by libprotobuf, as the same message; it equals
// libprotobuf's byte for byte except for the order of map entries); both
// parse the same text, libprotobuf's own print, into a reused message.
// bytes_per_second is over the JSON text (libprotobuf's).
#include <benchmark/benchmark.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <h2pb/proto_codec/json.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>

#include "all_types3.h2pb.hpp"
#include "all_types3.pb.h"
#include "analytics.h2pb.hpp"
#include "analytics.pb.h"
#include "messages.h2pb.hpp"
#include "messages.pb.h"

// ---------------------------------------------------------------- allocation counting
static std::atomic<std::uint64_t> g_allocs{0};
[[gnu::noinline]] void* operator new(std::size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
// (g++ pairs the inlined replacement new/delete with malloc/free and warns;
// they do match: every replaced new is std::malloc.)
[[gnu::noinline]] void operator delete(void* p) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

namespace {

namespace ref_testing = ::grpc::testing;
namespace h2_testing = ::h2pbgen::grpc::testing;

class alloc_counter {
  public:
    explicit alloc_counter(benchmark::State& s) : state_(s), start_(g_allocs.load()) {}
    ~alloc_counter() {
        const double n = static_cast<double>(g_allocs.load() - start_);
        state_.counters["allocs_per_op"] =
            benchmark::Counter(n, benchmark::Counter::kAvgIterations);
    }

  private:
    benchmark::State& state_;
    std::uint64_t start_;
};

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

// ---------------------------------------------------------------- the messages

/// libprotobuf's JSON of `m` with default options: the text both JSON
/// parsers read, and the text h2pb's printer must reproduce.
std::string ref_json(const google::protobuf::Message& m) {
    std::string out;
    if (!google::protobuf::util::MessageToJsonString(m, &out).ok()) {
        std::fprintf(stderr, "MessageToJsonString failed\n");
        std::abort();
    }
    return out;
}

struct simple_request_case {
    ref_testing::SimpleRequest ref;
    h2_testing::SimpleRequest h2;
    std::string bytes;
    std::string json;  // libprotobuf's MessageToJsonString of ref

    explicit simple_request_case(std::size_t payload) {
        const std::string body = random_bytes(payload, 1);
        ref.set_response_type(ref_testing::COMPRESSABLE);
        ref.set_response_size(static_cast<int>(payload));
        ref.mutable_payload()->set_body(body);
        ref.set_fill_username(true);
        ref.set_fill_oauth_scope(true);
        ref.mutable_response_compressed()->set_value(true);
        ref.mutable_response_status()->set_code(2);
        ref.mutable_response_status()->set_message("status message");
        h2.response_type = h2_testing::PayloadType::COMPRESSABLE;
        h2.response_size = static_cast<int>(payload);
        h2.payload.emplace().body = body;
        h2.fill_username = true;
        h2.fill_oauth_scope = true;
        h2.response_compressed.emplace().value = true;
        h2.response_status.emplace().code = 2;
        h2.response_status->message = std::string("status message");
        bytes = ref.SerializeAsString();
        json = ref_json(ref);
    }
};

struct event_case {
    analytics::v1::Event ref;
    h2pbgen::analytics::v1::Event h2;
    std::string bytes;
    std::string json;  // libprotobuf's MessageToJsonString of ref

    event_case() {
        ref.set_event_id("evt-7f3a9c2e41");
        ref.set_event_type("click");
        ref.set_timestamp(1710000000);
        h2.event_id = ref.event_id();
        h2.event_type = ref.event_type();
        h2.timestamp = ref.timestamp();
        const char* keys[] = {"user_id", "session", "page",   "referrer",
                              "device",  "country", "button", "ab_bucket"};
        const char* values[] = {"12345",  "s-88c1d0", "/checkout", "https://example.com/",
                                "mobile", "DE",       "buy-now",   "B"};
        for (int i = 0; i < 8; ++i) {
            (*ref.mutable_properties())[keys[i]] = values[i];
            h2.properties[keys[i]] = std::string(values[i]);
        }
        bytes = ref.SerializeAsString();
        json = ref_json(ref);
    }
};

struct scalars_case {
    h2pb::test3::Scalars ref;
    h2pbgen::h2pb::test3::Scalars h2;
    std::string bytes;
    std::string json;  // libprotobuf's MessageToJsonString of ref

    scalars_case() {
        ref.set_f_int32(-123456);
        ref.set_f_int64(9876543210LL);
        ref.set_f_uint32(4000000000U);
        ref.set_f_uint64(1234567890123ULL);
        ref.set_f_sint32(-5000);
        ref.set_f_sint64(-70000000000LL);
        ref.set_f_fixed32(0xdeadbeef);
        ref.set_f_fixed64(0x0123456789abcdefULL);
        ref.set_f_sfixed32(-42);
        ref.set_f_sfixed64(-4242424242LL);
        ref.set_f_float(3.25F);
        ref.set_f_double(2.718281828);
        ref.set_f_bool(true);
        ref.set_f_string("scalar heavy");
        ref.set_f_bytes(std::string("\x00\x01\x02\x03\xff", 5));
        ref.set_f_enum(h2pb::test3::BLUE);
        std::mt19937 rng(7);
        for (int i = 0; i < 1000; ++i) {
            // a realistic mix: mostly small, some large, a few negative values
            const std::uint32_t r = rng();
            std::int32_t v = static_cast<std::int32_t>(r % 200);
            if (r % 7 == 0) v = static_cast<std::int32_t>(r % 100000);
            if (r % 31 == 0) v = -static_cast<std::int32_t>(r % 1000);
            ref.add_packed_int32(v);
            h2.packed_int32.push_back(v);
        }
        ref.mutable_nested()->set_a(17);
        ref.mutable_nested()->set_b("nested");
        h2.f_int32 = ref.f_int32();
        h2.f_int64 = ref.f_int64();
        h2.f_uint32 = ref.f_uint32();
        h2.f_uint64 = ref.f_uint64();
        h2.f_sint32 = ref.f_sint32();
        h2.f_sint64 = ref.f_sint64();
        h2.f_fixed32 = ref.f_fixed32();
        h2.f_fixed64 = ref.f_fixed64();
        h2.f_sfixed32 = ref.f_sfixed32();
        h2.f_sfixed64 = ref.f_sfixed64();
        h2.f_float = ref.f_float();
        h2.f_double = ref.f_double();
        h2.f_bool = ref.f_bool();
        h2.f_string = ref.f_string();
        h2.f_bytes = ref.f_bytes();
        h2.f_enum = h2pbgen::h2pb::test3::Color::BLUE;
        h2.nested.emplace().a = 17;
        h2.nested->b = ref.nested().b();
        bytes = ref.SerializeAsString();
        json = ref_json(ref);
    }
};

simple_request_case& simple_1k() {
    static simple_request_case c(1024);
    return c;
}
simple_request_case& simple_64k() {
    static simple_request_case c(std::size_t{64} * 1024);
    return c;
}
event_case& event() {
    static event_case c;
    return c;
}
scalars_case& scalars() {
    static scalars_case c;
    return c;
}

// ---------------------------------------------------------------- generic bodies

template <class Case>
void parse_h2pb(benchmark::State& state, Case& c) {
    decltype(c.h2) m;
    const h2pb::wire::bytes_view in = h2pb::wire::as_bytes(c.bytes);
    if (m.decode(in)) state.SkipWithError("h2pb decode failed");
    alloc_counter count(state);
    for (auto _ : state) {
        auto e = m.decode(in);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(m);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes.size()));
}

/// Zero-copy decode into the *_view struct (string/bytes as string_view into
/// the input). Compared with libprotobuf's ordinary owning parse: libprotobuf
/// 3.21 has no equivalent, so this pair shows what a handler that only reads
/// its request can save, not a like-for-like codec comparison.
template <class View, class Case>
void parse_view_h2pb(benchmark::State& state, Case& c) {
    View m;
    const h2pb::wire::bytes_view in = h2pb::wire::as_bytes(c.bytes);
    if (m.decode(in)) state.SkipWithError("h2pb view decode failed");
    alloc_counter count(state);
    for (auto _ : state) {
        auto e = m.decode(in);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(m);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes.size()));
}

template <class Case>
void parse_ref(benchmark::State& state, Case& c) {
    decltype(c.ref) m;
    if (!m.ParseFromString(c.bytes)) state.SkipWithError("libprotobuf parse failed");
    alloc_counter count(state);
    for (auto _ : state) {
        bool ok = m.ParseFromArray(c.bytes.data(), static_cast<int>(c.bytes.size()));
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(m);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes.size()));
}

template <class Case>
void serialize_h2pb(benchmark::State& state, Case& c) {
    h2pb::wire::buffer out;
    c.h2.encode(out);
    if (out.size() != c.bytes.size()) state.SkipWithError("h2pb and libprotobuf sizes differ");
    alloc_counter count(state);
    for (auto _ : state) {
        out.clear();
        c.h2.encode(out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes.size()));
}

template <class Case>
void serialize_ref(benchmark::State& state, Case& c) {
    std::string out;
    c.ref.SerializeToString(&out);
    alloc_counter count(state);
    for (auto _ : state) {
        c.ref.SerializeToString(&out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes.size()));
}

// ---------------------------------------------------------------- JSON bodies

/// Whether `json` parses (by libprotobuf) to a message equal to `ref`. The
/// texts themselves may differ in one way only: h2pb prints map entries in
/// key order, libprotobuf 3.21 in its hash map's order (json.md leaves the
/// order of object members open).
template <class Ref>
bool same_json_message(const Ref& ref, const std::string& json) {
    Ref m;
    if (!google::protobuf::util::JsonStringToMessage(json, &m).ok()) return false;
    return google::protobuf::util::MessageDifferencer::Equals(m, ref);
}

template <class Case>
void json_print_h2pb(benchmark::State& state, Case& c) {
    std::string out;
    if (h2pb::proto::json::to_json(c.h2, out) || !same_json_message(c.ref, out))
        state.SkipWithError("h2pb to_json does not read back as the libprotobuf message");
    alloc_counter count(state);
    for (auto _ : state) {
        out.clear();
        auto e = h2pb::proto::json::to_json(c.h2, out);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.json.size()));
}

template <class Case>
void json_print_ref(benchmark::State& state, Case& c) {
    std::string out;
    alloc_counter count(state);
    for (auto _ : state) {
        out.clear();  // MessageToJsonString appends to its output
        auto st = google::protobuf::util::MessageToJsonString(c.ref, &out);
        benchmark::DoNotOptimize(st);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.json.size()));
}

template <class Case>
void json_parse_h2pb(benchmark::State& state, Case& c) {
    decltype(c.h2) m;
    if (h2pb::proto::json::from_json(m, c.json) || !(m == c.h2))
        state.SkipWithError("h2pb from_json failed or read a different message");
    alloc_counter count(state);
    for (auto _ : state) {
        auto e = h2pb::proto::json::from_json(m, c.json);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(m);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.json.size()));
}

template <class Case>
void json_parse_ref(benchmark::State& state, Case& c) {
    decltype(c.ref) m;
    if (!google::protobuf::util::JsonStringToMessage(c.json, &m).ok() ||
        !google::protobuf::util::MessageDifferencer::Equals(m, c.ref))
        state.SkipWithError("libprotobuf JsonStringToMessage failed or read a different message");
    alloc_counter count(state);
    for (auto _ : state) {
        auto st = google::protobuf::util::JsonStringToMessage(c.json, &m);
        benchmark::DoNotOptimize(st);
        benchmark::DoNotOptimize(m);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.json.size()));
}

#define H2PB_JSON_PAIRS(CASE, GETTER)                                             \
    void json_print_##CASE##_h2pb(benchmark::State& s) {                          \
        json_print_h2pb(s, GETTER());                                             \
    }                                                                             \
    void json_print_##CASE##_ref(benchmark::State& s) {                           \
        json_print_ref(s, GETTER());                                              \
    }                                                                             \
    void json_parse_##CASE##_h2pb(benchmark::State& s) {                          \
        json_parse_h2pb(s, GETTER());                                             \
    }                                                                             \
    void json_parse_##CASE##_ref(benchmark::State& s) {                           \
        json_parse_ref(s, GETTER());                                              \
    }                                                                             \
    BENCHMARK(json_print_##CASE##_h2pb)->Name("json_print_" #CASE "/h2pb");       \
    BENCHMARK(json_print_##CASE##_ref)->Name("json_print_" #CASE "/libprotobuf"); \
    BENCHMARK(json_parse_##CASE##_h2pb)->Name("json_parse_" #CASE "/h2pb");       \
    BENCHMARK(json_parse_##CASE##_ref)->Name("json_parse_" #CASE "/libprotobuf");

H2PB_JSON_PAIRS(simple_request_1k, simple_1k)
H2PB_JSON_PAIRS(simple_request_64k, simple_64k)
H2PB_JSON_PAIRS(event, event)
H2PB_JSON_PAIRS(scalars, scalars)
#undef H2PB_JSON_PAIRS

void parse_simple_request_1k_h2pb(benchmark::State& s) {
    parse_h2pb(s, simple_1k());
}
void parse_simple_request_1k_ref(benchmark::State& s) {
    parse_ref(s, simple_1k());
}
void serialize_simple_request_1k_h2pb(benchmark::State& s) {
    serialize_h2pb(s, simple_1k());
}
void serialize_simple_request_1k_ref(benchmark::State& s) {
    serialize_ref(s, simple_1k());
}
void parse_simple_request_64k_h2pb(benchmark::State& s) {
    parse_h2pb(s, simple_64k());
}
void parse_simple_request_64k_ref(benchmark::State& s) {
    parse_ref(s, simple_64k());
}
void serialize_simple_request_64k_h2pb(benchmark::State& s) {
    serialize_h2pb(s, simple_64k());
}
void serialize_simple_request_64k_ref(benchmark::State& s) {
    serialize_ref(s, simple_64k());
}
void parse_event_h2pb(benchmark::State& s) {
    parse_h2pb(s, event());
}
void parse_event_ref(benchmark::State& s) {
    parse_ref(s, event());
}
void serialize_event_h2pb(benchmark::State& s) {
    serialize_h2pb(s, event());
}
void serialize_event_ref(benchmark::State& s) {
    serialize_ref(s, event());
}
void parse_simple_request_1k_view_h2pb(benchmark::State& s) {
    parse_view_h2pb<h2_testing::SimpleRequest_view>(s, simple_1k());
}
void parse_simple_request_64k_view_h2pb(benchmark::State& s) {
    parse_view_h2pb<h2_testing::SimpleRequest_view>(s, simple_64k());
}
void parse_event_view_h2pb(benchmark::State& s) {
    parse_view_h2pb<h2pbgen::analytics::v1::Event_view>(s, event());
}
void parse_scalars_h2pb(benchmark::State& s) {
    parse_h2pb(s, scalars());
}
void parse_scalars_ref(benchmark::State& s) {
    parse_ref(s, scalars());
}
void serialize_scalars_h2pb(benchmark::State& s) {
    serialize_h2pb(s, scalars());
}
void serialize_scalars_ref(benchmark::State& s) {
    serialize_ref(s, scalars());
}

}  // namespace

BENCHMARK(parse_simple_request_1k_h2pb)->Name("parse_simple_request_1k/h2pb");
BENCHMARK(parse_simple_request_1k_ref)->Name("parse_simple_request_1k/libprotobuf");
BENCHMARK(serialize_simple_request_1k_h2pb)->Name("serialize_simple_request_1k/h2pb");
BENCHMARK(serialize_simple_request_1k_ref)->Name("serialize_simple_request_1k/libprotobuf");
BENCHMARK(parse_simple_request_64k_h2pb)->Name("parse_simple_request_64k/h2pb");
BENCHMARK(parse_simple_request_64k_ref)->Name("parse_simple_request_64k/libprotobuf");
BENCHMARK(serialize_simple_request_64k_h2pb)->Name("serialize_simple_request_64k/h2pb");
BENCHMARK(serialize_simple_request_64k_ref)->Name("serialize_simple_request_64k/libprotobuf");
BENCHMARK(parse_event_h2pb)->Name("parse_event/h2pb");
BENCHMARK(parse_event_ref)->Name("parse_event/libprotobuf");
BENCHMARK(serialize_event_h2pb)->Name("serialize_event/h2pb");
BENCHMARK(serialize_event_ref)->Name("serialize_event/libprotobuf");
BENCHMARK(parse_scalars_h2pb)->Name("parse_scalars/h2pb");
BENCHMARK(parse_scalars_ref)->Name("parse_scalars/libprotobuf");
BENCHMARK(serialize_scalars_h2pb)->Name("serialize_scalars/h2pb");
BENCHMARK(serialize_scalars_ref)->Name("serialize_scalars/libprotobuf");

// Zero-copy views (h2pb *_view structs) against libprotobuf's owning parse.
BENCHMARK(parse_simple_request_1k_view_h2pb)->Name("parse_simple_request_1k_view/h2pb");
BENCHMARK(parse_simple_request_1k_ref)->Name("parse_simple_request_1k_view/libprotobuf");
BENCHMARK(parse_simple_request_64k_view_h2pb)->Name("parse_simple_request_64k_view/h2pb");
BENCHMARK(parse_simple_request_64k_ref)->Name("parse_simple_request_64k_view/libprotobuf");
BENCHMARK(parse_event_view_h2pb)->Name("parse_event_view/h2pb");
BENCHMARK(parse_event_ref)->Name("parse_event_view/libprotobuf");

BENCHMARK_MAIN();
