// Tests of rpc/call_head.hpp: Request-Headers, Response-Headers, Trailers and
// Trailers-Only as PROTOCOL-HTTP2.md writes them (its "Example" section:
// a unary call with grpc-timeout 1S, grpc-status 0, trailing metadata).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <h2pb/rpc/call_head.hpp>

using namespace h2pb;
using namespace std::chrono_literals;
using rpc::status_code;
using fields = std::vector<hpack::field>;

namespace {

/// A registry that knows one encoding, "rev" (a fake: nothing compresses here).
struct rev_codec final : rpc::codec {
    std::string_view name() const noexcept override { return "rev"; }
    rpc::compress_errc compress(wire::bytes_view in, wire::buffer& out) override {
        for (std::size_t i = in.size(); i > 0; --i) out.append(in.subspan(i - 1, 1));
        return rpc::compress_errc::ok;
    }
    rpc::compress_errc decompress(wire::bytes_view in, std::size_t, wire::buffer& out) override {
        return compress(in, out);
    }
};
struct rev_registry final : rpc::codec_registry {
    std::unique_ptr<rpc::codec> make(std::string_view n) const override {
        return n == "rev" ? std::make_unique<rev_codec>() : nullptr;
    }
    std::string_view accept_encoding() const noexcept override { return "identity,rev"; }
};

// The request of PROTOCOL-HTTP2.md's example (a unary call), with metadata.
fields spec_request() {
    return {
        {":method", "POST"},
        {":scheme", "http"},
        {":path", "/google.pubsub.v2.PublisherService/CreateTopic"},
        {":authority", "pubsub.googleapis.com"},
        {"grpc-timeout", "1S"},
        {"content-type", "application/grpc+proto"},
        {"grpc-encoding", "gzip"},
        {"authorization", "Bearer y235.wef315yfh138vh31hv93hv8h3v"},
        {"te", "trailers"},
    };
}

std::string_view value_of(const fields& fs, std::string_view name) {
    for (const auto& f : fs)
        if (f.name == name) return f.value;
    return "<absent>";
}

fields replaced(fields fs, std::string_view name, std::string_view value) {
    for (auto& f : fs)
        if (f.name == name) f.value = value;
    return fs;
}
fields without(fields fs, std::string_view name) {
    fs.erase(std::remove_if(fs.begin(), fs.end(), [&](const auto& f) { return f.name == name; }),
             fs.end());
    return fs;
}

}  // namespace

TEST_CASE("server: the spec's example request is accepted") {
    const rev_registry reg;
    const fields req = replaced(spec_request(), "grpc-encoding", "rev");
    rpc::request_head head;
    const auto rej = rpc::parse_request(req, head, reg);
    REQUIRE_FALSE(rej.has_value());
    CHECK(head.path == "/google.pubsub.v2.PublisherService/CreateTopic");
    CHECK(head.service() == "google.pubsub.v2.PublisherService");
    CHECK(head.method() == "CreateTopic");
    CHECK(head.authority == "pubsub.googleapis.com");
    CHECK(head.scheme == "http");
    CHECK(head.content_type == "application/grpc+proto");
    CHECK(head.timeout == std::chrono::nanoseconds(1s));
    CHECK(head.encoding == "rev");
    REQUIRE(head.decompressor != nullptr);
    CHECK(head.decompressor->name() == "rev");
    REQUIRE(head.md.size() == 1);
    CHECK(head.md.get("authorization") == "Bearer y235.wef315yfh138vh31hv93hv8h3v");
}

TEST_CASE("server: optional fields absent") {
    const rpc::identity_only reg;
    const fields req = {{":method", "POST"},
                        {":scheme", "https"},
                        {":path", "/a.B/C"},
                        {"content-type", "application/grpc"},
                        {"grpc-accept-encoding", "identity, gzip"},
                        {"user-agent", "grpc-go/1.60"},
                        {"x-bin", "AAE"}};  // te absent: accepted like grpc-go
    rpc::request_head head;
    REQUIRE_FALSE(rpc::parse_request(req, head, reg).has_value());
    CHECK_FALSE(head.timeout.has_value());
    CHECK(head.decompressor == nullptr);
    CHECK(head.accepts("gzip"));
    CHECK(head.accepts("identity"));
    CHECK_FALSE(head.accepts("deflate"));
    CHECK(head.user_agent == "grpc-go/1.60");
    CHECK(head.md.get("x-bin") == std::string_view("\0\x01", 2));
    CHECK_FALSE(head.md.get("user-agent").has_value());
}

TEST_CASE("server: :method other than POST is HTTP 405 with allow: POST") {
    const rpc::identity_only reg;
    rpc::request_head head;
    const auto rej = rpc::parse_request(replaced(spec_request(), ":method", "GET"), head, reg);
    REQUIRE(rej.has_value());
    CHECK(rej->http_status == 405);
    fields out;
    std::string storage;
    rpc::build_rejection(*rej, reg.accept_encoding(), out, storage);
    CHECK(out[0] == hpack::field{":status", "405"});
    CHECK(value_of(out, "allow") == "POST");
}

TEST_CASE("server: content-type not application/grpc is HTTP 415") {
    const rpc::identity_only reg;
    for (const char* ct : {"application/json", "application/grpcx", "text/plain", ""}) {
        INFO(ct);
        rpc::request_head head;
        const auto rej =
            rpc::parse_request(replaced(spec_request(), "content-type", ct), head, reg);
        REQUIRE(rej.has_value());
        CHECK(rej->http_status == 415);
        fields out;
        std::string storage;
        rpc::build_rejection(*rej, reg.accept_encoding(), out, storage);
        CHECK(out[0] == hpack::field{":status", "415"});
    }
    rpc::request_head head;
    CHECK(rpc::parse_request(without(spec_request(), "content-type"), head, reg)->http_status ==
          415);
    for (const char* ok : {"application/grpc", "application/grpc+json", "application/grpc;v=1"})
        CHECK(rpc::is_grpc_content_type(ok));
}

TEST_CASE("server: malformed :path is UNIMPLEMENTED as Trailers-Only") {
    const rpc::identity_only reg;
    for (const char* p : {"", "/", "//Method", "/Service/", "Service/Method", "/NoMethod"}) {
        INFO(p);
        rpc::request_head head;
        const auto rej = rpc::parse_request(
            without(replaced(spec_request(), ":path", p), "grpc-encoding"), head, reg);
        REQUIRE(rej.has_value());
        CHECK(rej->http_status == 200);
        CHECK(rej->st.code == status_code::unimplemented);
        fields out;
        std::string storage;
        rpc::build_rejection(*rej, reg.accept_encoding(), out, storage);
        CHECK(out[0] == hpack::field{":status", "200"});
        CHECK(value_of(out, "content-type") == "application/grpc");
        CHECK(value_of(out, "grpc-status") == "12");
    }
}

TEST_CASE("server: malformed grpc-timeout is INTERNAL") {
    const rpc::identity_only reg;
    rpc::request_head head;
    const auto rej = rpc::parse_request(
        without(replaced(spec_request(), "grpc-timeout", "1s"), "grpc-encoding"), head, reg);
    REQUIRE(rej.has_value());
    CHECK(rej->st.code == status_code::internal);
}

TEST_CASE("server: too much metadata is RESOURCE_EXHAUSTED") {
    const rpc::identity_only reg;
    fields req = without(spec_request(), "grpc-encoding");
    const std::string big(9000, 'x');
    req.push_back({"x-big", big});
    rpc::request_head head;
    const auto rej = rpc::parse_request(req, head, reg);
    REQUIRE(rej.has_value());
    CHECK(rej->st.code == status_code::resource_exhausted);
    rpc::request_head head2;
    CHECK_FALSE(rpc::parse_request(req, head2, reg, {.max_metadata_size = 16384}).has_value());
}

TEST_CASE("server: unsupported grpc-encoding is UNIMPLEMENTED with grpc-accept-encoding") {
    const rev_registry reg;
    rpc::request_head head;
    const auto rej = rpc::parse_request(spec_request(), head, reg);  // gzip: unknown here
    REQUIRE(rej.has_value());
    CHECK(rej->st.code == status_code::unimplemented);
    fields out;
    std::string storage;
    rpc::build_rejection(*rej, reg.accept_encoding(), out, storage);
    CHECK(value_of(out, "grpc-accept-encoding") == "identity,rev");
    // identity is always fine
    rpc::request_head h2;
    CHECK_FALSE(rpc::parse_request(replaced(spec_request(), "grpc-encoding", "identity"), h2, reg));
}

TEST_CASE("server: response headers, trailers and Trailers-Only") {
    rpc::metadata md;
    REQUIRE(md.add("x-id", "7") == rpc::metadata_errc::ok);
    REQUIRE(md.add("t-bin", "foob") == rpc::metadata_errc::ok);
    fields out;
    std::string storage;
    rpc::build_response_headers(out, storage, "gzip", "identity,gzip", &md);
    CHECK(out == fields{{":status", "200"},
                        {"content-type", "application/grpc"},
                        {"grpc-encoding", "gzip"},
                        {"grpc-accept-encoding", "identity,gzip"},
                        {"x-id", "7"},
                        {"t-bin", "Zm9vYg"}});
    rpc::build_response_headers(out, storage, "identity");
    CHECK(out == fields{{":status", "200"}, {"content-type", "application/grpc"}});

    // The spec's example trailers: grpc-status 0 and trailing metadata.
    rpc::metadata trailing;
    REQUIRE(trailing.add("trace-proto-bin", "foobar") == rpc::metadata_errc::ok);
    rpc::build_trailers(out, storage, {}, &trailing);
    CHECK(out == fields{{"grpc-status", "0"}, {"trace-proto-bin", "Zm9vYmFy"}});

    const rpc::status err{status_code::not_found, "no such report: 100%", "foo"};
    rpc::build_trailers(out, storage, err, &md);
    CHECK(out == fields{{"grpc-status", "5"},
                        {"grpc-message", "no such report: 100%25"},
                        {"grpc-status-details-bin", "Zm9v"},
                        {"x-id", "7"},
                        {"t-bin", "Zm9vYg"}});

    rpc::build_trailers_only(out, storage, {status_code::unavailable, "\xc3\xbc"});
    CHECK(out == fields{{":status", "200"},
                        {"content-type", "application/grpc"},
                        {"grpc-status", "14"},
                        {"grpc-message", "%C3%BC"}});
}

TEST_CASE("client: request headers in the spec's order with grpc-timeout from the deadline") {
    rpc::metadata md;
    REQUIRE(md.add("authorization", "Bearer x") == rpc::metadata_errc::ok);
    const rpc::time_point now{};
    rpc::request_options o;
    o.path = "/google.pubsub.v2.PublisherService/CreateTopic";
    o.authority = "pubsub.googleapis.com";
    o.deadline = now + 1500ms;
    o.now = now;
    o.encoding = "gzip";
    o.accept_encoding = "identity,gzip";
    o.md = &md;
    fields out;
    std::string storage;
    rpc::build_request_headers(o, out, storage);
    CHECK(out == fields{{":method", "POST"},
                        {":scheme", "http"},
                        {":path", "/google.pubsub.v2.PublisherService/CreateTopic"},
                        {":authority", "pubsub.googleapis.com"},
                        {"grpc-timeout", "1500000u"},
                        {"content-type", "application/grpc"},
                        {"te", "trailers"},
                        {"grpc-encoding", "gzip"},
                        {"grpc-accept-encoding", "identity,gzip"},
                        {"user-agent", "grpc-c++-h2pb/0.2"},
                        {"authorization", "Bearer x"}});
    // What we send, a server accepts.
    rpc::request_head head;
    const rev_registry reg;
    o.encoding = "rev";
    rpc::build_request_headers(o, out, storage);
    REQUIRE_FALSE(rpc::parse_request(out, head, reg).has_value());
    CHECK(head.timeout == std::chrono::nanoseconds(1500ms));
    // No deadline: no grpc-timeout. A passed one: 1n.
    o.deadline.reset();
    rpc::build_request_headers(o, out, storage);
    CHECK(value_of(out, "grpc-timeout") == "<absent>");
    o.deadline = now - 1s;
    rpc::build_request_headers(o, out, storage);
    CHECK(value_of(out, "grpc-timeout") == "1n");
}

TEST_CASE("client: response headers and trailers") {
    rpc::response_head rh;
    const fields headers = {{":status", "200"},
                            {"content-type", "application/grpc+proto"},
                            {"grpc-encoding", "gzip"},
                            {"x-id", "1"}};
    REQUIRE(rpc::parse_response_headers(headers, rh).ok());
    CHECK(rh.encoding == "gzip");
    CHECK(rh.md.get("x-id") == "1");

    rpc::metadata trailing;
    const fields trailers = {{"grpc-status", "5"},
                             {"grpc-message", "no%20such%20report %ZZ"},
                             {"grpc-status-details-bin", "Zm9vYg=="},
                             {"trace-proto-bin", "Zm9vYmFy"}};
    const rpc::status st = rpc::parse_trailers(trailers, trailing);
    CHECK(st.code == status_code::not_found);
    CHECK(st.message == "no such report %ZZ");
    CHECK(st.details == "foob");
    CHECK(trailing.get("trace-proto-bin") == "foobar");
    CHECK_FALSE(trailing.get("grpc-status").has_value());

    rpc::metadata t2;
    CHECK(rpc::parse_trailers(fields{{"grpc-status", "0"}}, t2).ok());
    CHECK(rpc::parse_trailers(fields{{"grpc-status", "17"}}, t2).code == status_code::unknown);
    CHECK(rpc::parse_trailers(fields{{"x", "y"}}, t2).code == status_code::unknown);
    CHECK(rpc::parse_trailers(fields{{"grpc-status", "0"}, {"grpc-status-details-bin", "!"}}, t2)
              .code == status_code::internal);
}

TEST_CASE("client: non-gRPC responses map through http-grpc-status-mapping.md") {
    const std::pair<const char*, status_code> table[] = {
        {"400", status_code::internal},          {"401", status_code::unauthenticated},
        {"403", status_code::permission_denied}, {"404", status_code::unimplemented},
        {"429", status_code::unavailable},       {"502", status_code::unavailable},
        {"503", status_code::unavailable},       {"504", status_code::unavailable},
        {"500", status_code::unknown},
    };
    for (const auto& [code, want] : table) {
        INFO(code);
        rpc::response_head rh;
        rpc::metadata t;
        // A proxy's error page, with or without END_STREAM; grpc-status is ignored (grpc-go).
        const fields f = {{":status", code}, {"content-type", "text/html"}, {"grpc-status", "0"}};
        CHECK(rpc::parse_response_headers(f, rh).code == want);
        rpc::response_head rh2;
        CHECK(rpc::parse_trailers_only(f, rh2, t).code == want);
    }
    rpc::response_head rh;
    const rpc::status s =
        rpc::parse_response_headers(fields{{":status", "200"}, {"content-type", "text/html"}}, rh);
    CHECK(s.code == status_code::unknown);
    CHECK(s.message.find("text/html") != std::string::npos);
}

TEST_CASE("client: Trailers-Only") {
    rpc::response_head rh;
    rpc::metadata t;
    const fields f = {{":status", "200"},
                      {"content-type", "application/grpc"},
                      {"grpc-status", "12"},
                      {"grpc-message", "unknown method"},
                      {"x-id", "9"}};
    const rpc::status st = rpc::parse_trailers_only(f, rh, t);
    CHECK(st.code == status_code::unimplemented);
    CHECK(st.message == "unknown method");
    CHECK(t.get("x-id") == "9");
    CHECK(rh.md.empty());
}
