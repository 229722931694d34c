// h2pb::h2::asio — TLS for HTTP/2 (RFC 9113 §3.2, §9.2) with OpenSSL 3.
//
// HTTP/2 over TLS is identified by ALPN (RFC 7301): the client offers "h2",
// the server selects it, and both start HTTP/2 right after the handshake.
// RFC 9113 §9.2 adds rules on the TLS that carries it:
//   - TLS 1.2 or later (§9.2). TLS 1.3 is preferred: OpenSSL negotiates the
//     highest version both sides have, and TLS 1.3 itself satisfies §9.2.3.
//   - With TLS 1.2 (§9.2.1): compression disabled, renegotiation disabled
//     (a server MUST NOT renegotiate and treats one as a PROTOCOL_ERROR —
//     OpenSSL refuses it), SNI supported (the client sends server_name).
//   - With TLS 1.2 (§9.2.2): only ephemeral key exchange (ECDHE, DHE with at
//     least 2048 bits) and AEAD ciphers; Appendix A lists the cipher suites an
//     endpoint MAY treat as INADEQUATE_SECURITY — it is every suite that is
//     not ephemeral + AEAD, so the rule below checks exactly those two
//     properties. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 with P-256 MUST be
//     available (it is first in our list).
// check_negotiated() re-checks a finished handshake against these rules (a
// caller may have configured other ciphers); a failure is answered with
// GOAWAY(INADEQUATE_SECURITY) (§9.2.2).
//
// Certificates and keys come from PEM files or PEM text in memory. A client
// verifies the server's certificate chain and name by default. SSLKEYLOGFILE
// is honoured as by curl, nghttp2 and browsers: TLS secrets are appended to
// that file in the NSS key log format, so Wireshark can decrypt a capture.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/server_options.hpp>
#include <h2pb/h2/asio/tls_options.hpp>
#include <h2pb/wire/result.hpp>

namespace h2pb::h2::asio {

/// The ALPN protocol identifier of HTTP/2 over TLS (RFC 9113 §3.2), in the
/// wire format of the ALPN extension: a length octet, then the name.
inline constexpr std::string_view alpn_h2_wire = "\x02h2";
inline constexpr std::string_view alpn_h2 = "h2";

using tls_result = wire::result<tls_context_ptr, std::string>;

namespace detail {

/// The OpenSSL error queue as one line (and emptied).
inline std::string openssl_errors(std::string_view what) {
    std::string out(what);
    while (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += ": ";
        out += buf;
    }
    return out;
}

/// The process-wide key log file named by $SSLKEYLOGFILE (opened once, in
/// append mode, shared by every context that asks for it).
struct keylog_file {
    std::mutex mutex;
    std::FILE* file = nullptr;

    static keylog_file& get() {
        static keylog_file k;
        return k;
    }
    keylog_file() {
        if (const char* path = std::getenv("SSLKEYLOGFILE"); path && *path)
            file = std::fopen(path, "a");
    }
    ~keylog_file() {
        if (file) std::fclose(file);
    }
    keylog_file(const keylog_file&) = delete;
    keylog_file& operator=(const keylog_file&) = delete;

    static void callback(const SSL*, const char* line) {
        keylog_file& k = get();
        if (!k.file) return;
        std::lock_guard<std::mutex> lock(k.mutex);
        std::fputs(line, k.file);
        std::fputc('\n', k.file);
        std::fflush(k.file);
    }
};

inline void enable_keylog(SSL_CTX* ctx) {
    if (keylog_file::get().file) SSL_CTX_set_keylog_callback(ctx, &keylog_file::callback);
}

struct bio_deleter {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

/// Loads a certificate chain and its key into ctx, from files or memory.
inline std::optional<std::string> use_credentials(SSL_CTX* ctx, const tls_credentials& c) {
    if (!c.cert_pem.empty()) {
        bio_ptr bio(BIO_new_mem_buf(c.cert_pem.data(), static_cast<int>(c.cert_pem.size())));
        X509* leaf = bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr;
        if (!leaf) return openssl_errors("cannot read the certificate PEM");
        const int ok = SSL_CTX_use_certificate(ctx, leaf);
        X509_free(leaf);
        if (ok != 1) return openssl_errors("cannot use the certificate");
        SSL_CTX_clear_chain_certs(ctx);
        while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
            if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
                X509_free(ca);
                return openssl_errors("cannot add a chain certificate");
            }
        }
        ERR_clear_error();  // the end of the PEM stream is reported as an error
    } else if (!c.cert_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx, c.cert_file.c_str()) != 1)
            return openssl_errors("cannot load the certificate file " + c.cert_file);
    } else {
        return std::string("no certificate given");
    }
    if (!c.key_pem.empty()) {
        bio_ptr bio(BIO_new_mem_buf(c.key_pem.data(), static_cast<int>(c.key_pem.size())));
        EVP_PKEY* key =
            bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
        if (!key) return openssl_errors("cannot read the private key PEM");
        const int ok = SSL_CTX_use_PrivateKey(ctx, key);
        EVP_PKEY_free(key);
        if (ok != 1) return openssl_errors("cannot use the private key");
    } else if (!c.key_file.empty()) {
        if (SSL_CTX_use_PrivateKey_file(ctx, c.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
            return openssl_errors("cannot load the private key file " + c.key_file);
    } else {
        return std::string("no private key given");
    }
    if (SSL_CTX_check_private_key(ctx) != 1)
        return openssl_errors("the private key does not match the certificate");
    return std::nullopt;
}

/// What both sides set: versions, TLS 1.2 restrictions of §9.2.
inline std::optional<std::string> common_setup(SSL_CTX* ctx, bool allow_tls12,
                                               const std::string& ciphers,
                                               const std::string& groups) {
    if (SSL_CTX_set_min_proto_version(ctx, allow_tls12 ? TLS1_2_VERSION : TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, 0) != 1)  // 0: the highest OpenSSL has (TLS 1.3)
        return openssl_errors("cannot set the TLS versions");
    // §9.2.1: no compression, no renegotiation.
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1)
        return openssl_errors("no usable TLS 1.2 cipher in '" + ciphers + "'");
    if (SSL_CTX_set1_groups_list(ctx, groups.c_str()) != 1)
        return openssl_errors("no usable key exchange group in '" + groups + "'");
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);  // idle connections keep no TLS buffers
    return std::nullopt;
}

/// The server side of ALPN: select "h2" if offered; otherwise fail the
/// handshake with no_application_protocol (RFC 7301 §3.2).
inline int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen,
                       const unsigned char* in, unsigned int inlen, void*) {
    unsigned char* selected = nullptr;
    const auto* ours = reinterpret_cast<const unsigned char*>(alpn_h2_wire.data());
    if (SSL_select_next_proto(&selected, outlen, ours, static_cast<unsigned>(alpn_h2_wire.size()),
                              in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace detail

/// A server context: credentials, §9.2 rules, ALPN "h2".
inline tls_result make_server_context(const tls_server_options& o) {
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
    SSL_CTX* c = ctx->native_handle();
    if (auto e = detail::common_setup(c, o.allow_tls12, o.tls12_ciphers, o.groups))
        return wire::failure{*e};
    SSL_CTX_set_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_dh_auto(c, 1);  // DHE parameters matching the key size: 2048 bits or more
    if (auto e = detail::use_credentials(c, o.credentials)) return wire::failure{*e};
    if (!o.client_ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(c, o.client_ca_file.c_str(), nullptr) != 1)
            return wire::failure{
                detail::openssl_errors("cannot load client CA file " + o.client_ca_file)};
        // The CAs' names go into the CertificateRequest (RFC 8446 §4.2.4).
        SSL_CTX_set_client_CA_list(c, SSL_load_client_CA_file(o.client_ca_file.c_str()));
        SSL_CTX_set_verify(
            c, SSL_VERIFY_PEER | (o.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
            nullptr);
    } else if (o.require_client_cert) {
        return wire::failure{std::string("require_client_cert needs client_ca_file")};
    }
    SSL_CTX_set_alpn_select_cb(c, &detail::select_alpn, nullptr);
    if (o.keylog_from_environment) detail::enable_keylog(c);
    return ctx;
}

/// A client context: verification on unless asked, §9.2 rules, offers "h2".
inline tls_result make_client_context(const tls_client_options& o) {
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    SSL_CTX* c = ctx->native_handle();
    if (auto e = detail::common_setup(c, o.allow_tls12, o.tls12_ciphers, o.groups))
        return wire::failure{*e};
    if (o.verify_peer) {
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
        if (SSL_CTX_set_default_verify_paths(c) != 1)
            return wire::failure{detail::openssl_errors("no system CA store")};
        if (!o.ca_file.empty() && SSL_CTX_load_verify_locations(c, o.ca_file.c_str(), nullptr) != 1)
            return wire::failure{detail::openssl_errors("cannot load CA file " + o.ca_file)};
        if (!o.ca_pem.empty()) {
            detail::bio_ptr bio(
                BIO_new_mem_buf(o.ca_pem.data(), static_cast<int>(o.ca_pem.size())));
            X509_STORE* store = SSL_CTX_get_cert_store(c);
            int added = 0;
            while (X509* ca =
                       bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr) {
                added += X509_STORE_add_cert(store, ca);
                X509_free(ca);
            }
            ERR_clear_error();
            if (added == 0)
                return wire::failure{std::string("no CA certificate in the CA PEM text")};
        }
    } else {
        SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    }
    if (!o.client_credentials.empty()) {
        if (auto e = detail::use_credentials(c, o.client_credentials)) return wire::failure{*e};
    }
    const auto* protos = reinterpret_cast<const unsigned char*>(alpn_h2_wire.data());
    if (SSL_CTX_set_alpn_protos(c, protos, static_cast<unsigned>(alpn_h2_wire.size())) != 0)
        return wire::failure{detail::openssl_errors("cannot set ALPN")};
    if (o.keylog_from_environment) detail::enable_keylog(c);
    return ctx;
}

/// Per connection, before a client handshake: SNI (§9.2.1: required for
/// TLS 1.2 and later; not for IP literals, RFC 6066 §3) and the name the
/// certificate must match.
inline std::optional<std::string> prepare_client(SSL* ssl, const std::string& host,
                                                 bool verify_peer) {
    error_code_t ec;
    (void)net::ip::make_address(host, ec);
    const bool is_ip = !ec;
    if (!is_ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
        return detail::openssl_errors("cannot set SNI");
    if (verify_peer) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                             : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
        if (ok != 1) return detail::openssl_errors("cannot set the name to verify");
    }
    return std::nullopt;
}

/// The protocol ALPN selected ("h2"), or empty.
inline std::string_view negotiated_alpn(const SSL* ssl) noexcept {
    const unsigned char* data = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl, &data, &len);
    return {reinterpret_cast<const char*>(data), len};
}

/// What a finished handshake must satisfy before HTTP/2 starts.
enum class tls_check : std::uint8_t {
    ok,
    no_alpn,              ///< the peer did not negotiate ALPN at all
    wrong_alpn,           ///< ALPN chose something other than "h2"
    inadequate_security,  ///< §9.2: below TLS 1.2, or not ephemeral + AEAD
};

constexpr std::string_view describe(tls_check c) noexcept {
    switch (c) {
        case tls_check::ok:
            return "ok";
        case tls_check::no_alpn:
            return "the peer did not negotiate ALPN (h2 over TLS needs ALPN \"h2\", RFC 9113 §3.2)";
        case tls_check::wrong_alpn:
            return "ALPN did not select \"h2\"";
        case tls_check::inadequate_security:
            return "TLS below 1.2, or a cipher suite without ephemeral key exchange and AEAD (RFC "
                   "9113 §9.2)";
    }
    return "unknown";
}

/// Checks a finished handshake: ALPN "h2" (or none, when allowed), and the
/// §9.2 rules on version and cipher suite.
inline tls_check check_negotiated(const SSL* ssl, bool require_alpn = true) noexcept {
    const std::string_view alpn = negotiated_alpn(ssl);
    if (alpn.empty()) {
        if (require_alpn) return tls_check::no_alpn;
    } else if (alpn != alpn_h2) {
        return tls_check::wrong_alpn;
    }
    const int version = SSL_version(ssl);
    if (version < TLS1_2_VERSION) return tls_check::inadequate_security;
    if (version == TLS1_2_VERSION) {
        const SSL_CIPHER* c = SSL_get_current_cipher(ssl);
        if (!c || SSL_CIPHER_is_aead(c) != 1) return tls_check::inadequate_security;
        const int kx = SSL_CIPHER_get_kx_nid(c);
        if (kx != NID_kx_ecdhe && kx != NID_kx_dhe) return tls_check::inadequate_security;
    }
    return tls_check::ok;
}

/// "TLSv1.3 TLS_AES_128_GCM_SHA256 h2": what was negotiated, for logs.
inline std::string describe_session(const SSL* ssl) {
    std::string s = SSL_get_version(ssl);
    if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) {
        s += ' ';
        s += SSL_CIPHER_get_name(c);
    }
    const std::string_view alpn = negotiated_alpn(ssl);
    s += " ALPN=";
    s += alpn.empty() ? std::string_view("(none)") : alpn;
    return s;
}

}  // namespace h2pb::h2::asio
