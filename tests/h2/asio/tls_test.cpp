// h2/asio/tls.hpp: contexts from PEM in memory and files, ALPN "h2", the
// RFC 9113 §9.2 checks, peer verification, SSLKEYLOGFILE — with real
// handshakes between two endpoints over a loopback TCP connection.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <h2pb/h2/asio/transport.hpp>

#include "test_cert.hpp"

#include <catch2/catch.hpp>

namespace ha = h2pb::h2::asio;

namespace {

// SSLKEYLOGFILE is read once, when the first context asks for it: set it
// before main().
const std::string keylog_path = [] {
    std::string p = (std::filesystem::temp_directory_path() /
                     ("h2pb_tls_test_keylog_" + std::to_string(::getpid()) + ".txt"))
                        .string();
    std::remove(p.c_str());
    ::setenv("SSLKEYLOGFILE", p.c_str(), 1);
    return p;
}();

using h2pb::test::credentials;
using h2pb::test::make_self_signed;

const credentials& test_credentials() {
    static const credentials c = make_self_signed();
    return c;
}

struct outcome {
    ha::error_code_t server_ec, client_ec;
    std::string server_alpn, client_alpn, version, cipher;
    ha::tls_check server_check = ha::tls_check::ok, client_check = ha::tls_check::ok;
};

/// One handshake between `server_ctx` and `client_ctx` over 127.0.0.1.
/// `host` is what the client verifies (when it verifies).
outcome handshake(ha::net::ssl::context& server_ctx, ha::net::ssl::context& client_ctx,
                  const std::string& host = "localhost", bool verify = true) {
    ha::net::io_context io;
    ha::tcp::acceptor acceptor(io, ha::tcp::endpoint(ha::net::ip::make_address("127.0.0.1"), 0));
    ha::tcp::socket client_socket(io);
    client_socket.connect(acceptor.local_endpoint());
    ha::tcp::socket server_socket = acceptor.accept();
    ha::transport server(std::move(server_socket), server_ctx);
    ha::transport client(std::move(client_socket), client_ctx);
    REQUIRE_FALSE(ha::prepare_client(client.native_ssl(), host, verify));
    outcome o;
    ha::net::co_spawn(
        io,
        [&]() -> ha::awaitable<void> {
            o.server_ec = co_await server.handshake(ha::net::ssl::stream_base::server);
        },
        ha::net::detached);
    ha::net::co_spawn(
        io,
        [&]() -> ha::awaitable<void> {
            o.client_ec = co_await client.handshake(ha::net::ssl::stream_base::client);
        },
        ha::net::detached);
    io.run_for(std::chrono::seconds(10));
    if (!o.server_ec && !o.client_ec) {
        o.server_alpn = std::string(ha::negotiated_alpn(server.native_ssl()));
        o.client_alpn = std::string(ha::negotiated_alpn(client.native_ssl()));
        o.version = SSL_get_version(server.native_ssl());
        o.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(server.native_ssl()));
        o.server_check = ha::check_negotiated(server.native_ssl());
        o.client_check = ha::check_negotiated(client.native_ssl());
    }
    return o;
}

ha::tls_context_ptr server_context(ha::tls_server_options o = {}) {
    if (o.credentials.empty()) {
        o.credentials.cert_pem = test_credentials().cert_pem;
        o.credentials.key_pem = test_credentials().key_pem;
    }
    auto r = ha::make_server_context(o);
    INFO((r ? std::string() : r.error()));
    REQUIRE(r);
    return *r;
}

ha::tls_context_ptr client_context(ha::tls_client_options o = {}) {
    if (o.verify_peer && o.ca_pem.empty()) o.ca_pem = test_credentials().cert_pem;
    auto r = ha::make_client_context(o);
    INFO((r ? std::string() : r.error()));
    REQUIRE(r);
    return *r;
}

}  // namespace

TEST_CASE("TLS 1.3 is preferred and ALPN selects h2 (RFC 9113 §3.2)", "[tls]") {
    auto s = server_context();
    auto c = client_context();
    const outcome o = handshake(*s, *c);
    REQUIRE_FALSE(o.server_ec);
    REQUIRE_FALSE(o.client_ec);
    CHECK(o.version == "TLSv1.3");
    CHECK(o.server_alpn == "h2");
    CHECK(o.client_alpn == "h2");
    CHECK(o.server_check == ha::tls_check::ok);
    CHECK(o.client_check == ha::tls_check::ok);
}

TEST_CASE("TLS 1.2 gets an ephemeral AEAD suite (§9.2.2)", "[tls]") {
    auto s = server_context();
    auto c = client_context();
    SSL_CTX_set_max_proto_version(c->native_handle(), TLS1_2_VERSION);
    const outcome o = handshake(*s, *c);
    REQUIRE_FALSE(o.server_ec);
    CHECK(o.version == "TLSv1.2");
    CHECK(o.cipher.rfind("ECDHE-", 0) == 0);
    CHECK(o.cipher.find("GCM") != std::string::npos);
    CHECK(o.server_check == ha::tls_check::ok);
}

TEST_CASE("a TLS 1.2 suite on the Appendix A list is INADEQUATE_SECURITY", "[tls]") {
    // A server configured (wrongly) with a CBC suite: the handshake works,
    // the check after it refuses the connection.
    ha::tls_server_options so;
    so.tls12_ciphers = "ECDHE-ECDSA-AES128-SHA";
    auto s = server_context(so);
    ha::tls_client_options co;
    co.tls12_ciphers = "ECDHE-ECDSA-AES128-SHA";
    auto c = client_context(co);
    SSL_CTX_set_max_proto_version(c->native_handle(), TLS1_2_VERSION);
    const outcome o = handshake(*s, *c);
    REQUIRE_FALSE(o.server_ec);
    CHECK(o.cipher == "ECDHE-ECDSA-AES128-SHA");
    CHECK(o.server_check == ha::tls_check::inadequate_security);
    CHECK(o.client_check == ha::tls_check::inadequate_security);
}

TEST_CASE("a client without ALPN is detected; one without h2 gets an alert", "[tls]") {
    auto s = server_context();
    SECTION("no ALPN at all") {
        auto c = client_context();
        SSL_CTX_set_alpn_protos(c->native_handle(), nullptr, 0);
        const outcome o = handshake(*s, *c);
        REQUIRE_FALSE(o.server_ec);
        CHECK(o.server_alpn.empty());
        CHECK(o.server_check == ha::tls_check::no_alpn);
    }
    SECTION("only http/1.1") {
        auto c = client_context();
        const unsigned char http11[] = "\x08http/1.1";
        SSL_CTX_set_alpn_protos(c->native_handle(), http11, sizeof http11 - 1);
        const outcome o = handshake(*s, *c);
        CHECK(o.client_ec);  // no_application_protocol alert (RFC 7301 §3.2)
    }
}

TEST_CASE("the client verifies the certificate chain and name by default", "[tls]") {
    auto s = server_context();
    SECTION("trusted, right name") {
        auto c = client_context();
        CHECK_FALSE(handshake(*s, *c, "localhost").client_ec);
    }
    SECTION("trusted, IP address SAN") {
        auto c = client_context();
        CHECK_FALSE(handshake(*s, *c, "127.0.0.1").client_ec);
    }
    SECTION("trusted, wrong name") {
        auto c = client_context();
        CHECK(handshake(*s, *c, "example.com").client_ec);
    }
    SECTION("not trusted") {
        ha::tls_client_options o;
        o.ca_pem = make_self_signed("other").cert_pem;
        auto c = client_context(o);
        CHECK(handshake(*s, *c, "localhost").client_ec);
    }
    SECTION("verification off (--insecure)") {
        ha::tls_client_options o;
        o.verify_peer = false;
        auto c = client_context(o);
        CHECK_FALSE(handshake(*s, *c, "example.com", false).client_ec);
    }
}

TEST_CASE("credentials from files, and clear errors", "[tls]") {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string cert =
        (dir / ("h2pb_tls_test_cert_" + std::to_string(::getpid()) + ".pem")).string();
    const std::string key =
        (dir / ("h2pb_tls_test_key_" + std::to_string(::getpid()) + ".pem")).string();
    std::ofstream(cert) << test_credentials().cert_pem;
    std::ofstream(key) << test_credentials().key_pem;
    ha::tls_server_options o;
    o.credentials.cert_file = cert;
    o.credentials.key_file = key;
    auto s = server_context(o);
    auto c = client_context();
    CHECK_FALSE(handshake(*s, *c).client_ec);

    o.credentials.cert_file = "no-such-file.pem";
    auto r = ha::make_server_context(o);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("no-such-file.pem") != std::string::npos);

    ha::tls_server_options mismatch;
    mismatch.credentials.cert_pem = test_credentials().cert_pem;
    mismatch.credentials.key_pem = make_self_signed().key_pem;
    auto m = ha::make_server_context(mismatch);
    REQUIRE_FALSE(m);
    INFO(m.error());
    CHECK((m.error().find("does not match") != std::string::npos ||
           m.error().find("cannot use the private key") != std::string::npos));

    ha::tls_server_options garbage;
    garbage.credentials.cert_pem = "not a certificate";
    garbage.credentials.key_pem = test_credentials().key_pem;
    CHECK_FALSE(ha::make_server_context(garbage));
    std::remove(cert.c_str());
    std::remove(key.c_str());
}

TEST_CASE("SSLKEYLOGFILE receives the secrets in NSS key log format", "[tls]") {
    auto s = server_context();
    auto c = client_context();
    REQUIRE_FALSE(handshake(*s, *c).client_ec);
    std::ifstream in(keylog_path);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str().find("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") != std::string::npos);
    CHECK(text.str().find("SERVER_TRAFFIC_SECRET_0 ") != std::string::npos);
    std::remove(keylog_path.c_str());
}
