// h2pb::h2::asio — the TLS settings of a server and a client (tls.hpp builds
// the OpenSSL contexts from them), apart from tls.hpp so that a light header
// (h2/asio/client.hpp in separately compiled mode, h2/asio/config.hpp) names
// them without OpenSSL's headers.
#pragma once

#include <string>

namespace h2pb::h2::asio {

/// TLS 1.2 cipher suites allowed by RFC 9113 §9.2.2: ephemeral key exchange,
/// AEAD only, none on the Appendix A list. ECDHE-RSA-AES128-GCM-SHA256 first
/// (the suite every HTTP/2 implementation must support). TLS 1.3 suites are
/// all AEAD + ephemeral and keep OpenSSL's default order.
inline constexpr const char* default_tls12_ciphers =
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

/// Key exchange groups: all at least the 224 bits of ECDHE that §9.2.2 asks
/// for; P-256 is the one §9.2.2 names.
inline constexpr const char* default_groups = "X25519:P-256:P-384";

/// Where a certificate chain and its private key come from: PEM files, or
/// PEM text held in memory (the file names are then ignored).
struct tls_credentials {
    std::string cert_file;  ///< PEM: the certificate, then its chain
    std::string key_file;   ///< PEM: the private key
    std::string cert_pem;   ///< alternative to cert_file
    std::string key_pem;    ///< alternative to key_file
    bool empty() const noexcept {
        return cert_file.empty() && key_file.empty() && cert_pem.empty() && key_pem.empty();
    }
};

struct tls_server_options {
    tls_credentials credentials;
    /// Accept TLS 1.2 clients (with the §9.2 restrictions). TLS 1.3 is always
    /// allowed and preferred.
    bool allow_tls12 = true;
    std::string tls12_ciphers = default_tls12_ciphers;
    std::string groups = default_groups;
    /// A client that offers no ALPN at all is refused: h2 over TLS is
    /// identified by ALPN (§3.2). A client offering only other protocols gets
    /// the no_application_protocol alert (RFC 7301 §3.2).
    bool require_alpn = true;
    /// Append secrets to the file named by $SSLKEYLOGFILE, if it is set.
    bool keylog_from_environment = true;
    /// Mutual TLS: ask clients for a certificate and verify it against
    /// these CAs (PEM file); a client without one is still accepted unless
    /// require_client_cert.
    std::string client_ca_file;
    /// Refuse the handshake of a client that sends no certificate
    /// (SSL_VERIFY_FAIL_IF_NO_PEER_CERT); needs client_ca_file.
    bool require_client_cert = false;
};

struct tls_client_options {
    /// Verify the server's certificate chain and that it names the host we
    /// connect to. Off only on request (h2pb get --insecure).
    bool verify_peer = true;
    std::string ca_file;                 ///< extra trusted CAs (PEM); the system's are used too
    std::string ca_pem;                  ///< extra trusted CAs as PEM text
    tls_credentials client_credentials;  ///< optional client certificate
    bool allow_tls12 = true;
    std::string tls12_ciphers = default_tls12_ciphers;
    std::string groups = default_groups;
    bool keylog_from_environment = true;
};

}  // namespace h2pb::h2::asio
