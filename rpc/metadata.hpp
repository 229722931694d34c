// h2pb::rpc — custom metadata: the application's (key, value) pairs of a call.
//
// PROTOCOL-HTTP2.md:
//   Custom-Metadata → Binary-Header / ASCII-Header
//   Binary-Header   → {Header-Name "-bin"} {base64 encoded value}
//   ASCII-Header    → Header-Name ASCII-Value
//   Header-Name     → 1*( %x30-39 / %x61-7A / "_" / "-" / "." ) ; 0-9 a-z _ - .
//   ASCII-Value     → 1*( %x20-%x7E ) ; space and printable ASCII
//
// A `metadata` holds the pairs in order, values already decoded: the value of
// a "-bin" key is raw octets, base64 only on the wire. Usage:
//
//   rpc::metadata md;
//   if (auto e = md.add("x-request-id", "42"); e != rpc::metadata_errc::ok) ...
//   md.add("trace-bin", std::string_view("\x00\x01\xff", 3));   // any octets
//   md.get("x-request-id");          // optional<string_view>: "42" (the first)
//   for (const auto& [key, value] : md) ...
//
//   // sending: fields point into md and into `storage` (binary values' base64)
//   std::vector<hpack::field> fields;  std::string storage;
//   rpc::to_hpack(md, fields, storage);
//   // receiving, after h2's field validation:
//   rpc::metadata in;
//   rpc::status s = rpc::from_hpack(received_fields, in);   // skips reserved keys
//
// add() refuses what the grammar refuses (a precise metadata_errc) and the
// reserved keys (is_reserved: "grpc-*", pseudo-headers and the fields the call
// layer writes itself), so that what an application adds can always be sent.
//
// Receiving is more lenient, as the spec asks ("Implementations must not
// error due to receiving an invalid ASCII-Value that's a valid field-value in
// HTTP"): h2 has already checked the HTTP rules, and values or keys outside
// the gRPC grammar are kept as they are (grpc-go does the same). Only a
// binary value that is not base64 is an error (INTERNAL, as grpc-go's
// "malformed binary metadata"), and a header list larger than the limit
// (RESOURCE_EXHAUSTED). A binary value holding several base64 texts joined
// with "," is split ("Implementations must split Binary-Headers on ','").
//
// Size: counted like HTTP/2's SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2),
// name + value + 32 per field, binary values at their base64 length, as the
// spec suggests; default_max_metadata_size is the suggested 8 KiB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/hpack/field.hpp>
#include <h2pb/rpc/base64.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc {

/// Largest header list (Request-Headers, Response-Headers, Trailers) accepted
/// by default: 8 KiB, the size PROTOCOL-HTTP2.md suggests and grpc C++'s soft
/// limit (GRPC_ARG_MAX_METADATA_SIZE). Over it the call fails with
/// RESOURCE_EXHAUSTED. A setting of the call layer (call_limits).
inline constexpr std::size_t default_max_metadata_size = std::size_t{8} * 1024;

/// Per-field overhead in the size accounting (RFC 7541 §4.1, RFC 9113 §6.5.2).
inline constexpr std::size_t field_overhead = 32;

enum class metadata_errc : std::uint8_t {
    ok = 0,
    empty_key,       ///< Header-Name is 1*(...)
    bad_key_char,    ///< a key octet outside 0-9 a-z _ - .
    reserved_key,    ///< grpc-*, :pseudo, content-type, te, user-agent, ... (is_reserved)
    bad_value_char,  ///< an ASCII-Value octet outside 0x20-0x7E
    bad_base64,      ///< a binary value on the wire that is not base64
    too_large,       ///< the header list exceeds the metadata size limit
};

constexpr std::string_view describe(metadata_errc e) noexcept {
    switch (e) {
        case metadata_errc::ok:
            return "ok";
        case metadata_errc::empty_key:
            return "empty metadata key";
        case metadata_errc::bad_key_char:
            return "metadata key has a character outside 0-9 a-z _ - .";
        case metadata_errc::reserved_key:
            return "metadata key is reserved for gRPC or HTTP/2";
        case metadata_errc::bad_value_char:
            return "ASCII metadata value has a character outside 0x20-0x7E";
        case metadata_errc::bad_base64:
            return "binary metadata value is not base64";
        case metadata_errc::too_large:
            return "metadata exceeds the size limit";
    }
    return "unknown error";
}

/// Header-Name: 1*( 0-9 a-z _ - . ).
constexpr metadata_errc check_key(std::string_view key) noexcept {
    if (key.empty()) return metadata_errc::empty_key;
    for (const char c : key) {
        const bool ok =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_' || c == '-' || c == '.';
        if (!ok) return metadata_errc::bad_key_char;
    }
    return metadata_errc::ok;
}
constexpr bool is_valid_key(std::string_view key) noexcept {
    return check_key(key) == metadata_errc::ok;
}

/// Keys ending in "-bin" carry binary values (base64 on the wire).
constexpr bool is_binary_key(std::string_view key) noexcept {
    return key.size() > 4 && key.substr(key.size() - 4) == "-bin";
}

/// ASCII-Value: octets 0x20-0x7E. The grammar says 1*, but grpc C++ and
/// grpc-go both send and accept empty values, so empty is allowed.
constexpr bool is_valid_ascii_value(std::string_view v) noexcept {
    for (const char ch : v) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7E) return false;
    }
    return true;
}

/// Keys an application may not use as custom metadata: names starting with
/// "grpc-" ("reserved for future GRPC use", PROTOCOL-HTTP2.md), pseudo-headers
/// (":path"), HTTP/2 connection-specific fields (RFC 9113 §8.2.2) and the
/// fields of Call-Definition the call layer writes itself.
constexpr bool is_reserved(std::string_view key) noexcept {
    if (key.starts_with("grpc-") || key.starts_with(":")) return true;
    constexpr std::string_view owned[] = {
        "content-type",     "te",      "user-agent",        "connection", "keep-alive",
        "proxy-connection", "upgrade", "transfer-encoding", "host",
    };
    for (const auto k : owned)
        if (key == k) return true;
    return false;
}

/// Size of one field in the accounting: name + value on the wire + 32.
constexpr std::size_t field_size(std::string_view key, std::size_t wire_value_size) noexcept {
    return key.size() + wire_value_size + field_overhead;
}
/// Size of a decoded (key, value) pair: binary values count at base64 length.
constexpr std::size_t entry_size(std::string_view key, std::string_view value) noexcept {
    return field_size(key, is_binary_key(key) ? base64_encoded_size(value.size()) : value.size());
}

class metadata {
  public:
    using entry = std::pair<std::string, std::string>;
    using const_iterator = std::vector<entry>::const_iterator;

    /// Appends (key, value) after checking key (valid, not reserved) and, for
    /// an ASCII key, value. Nothing is added on error.
    metadata_errc add(std::string_view key, std::string_view value) {
        if (const auto e = check_key(key); e != metadata_errc::ok) return e;
        if (is_reserved(key)) return metadata_errc::reserved_key;
        if (!is_binary_key(key) && !is_valid_ascii_value(value))
            return metadata_errc::bad_value_char;
        add_unchecked(key, value);
        return metadata_errc::ok;
    }

    /// Appends without checks: for what was received (see the header comment).
    void add_unchecked(std::string_view key, std::string_view value) {
        entries_.emplace_back(std::string(key), std::string(value));
        size_ += entry_size(key, value);
    }

    /// The first value of key.
    std::optional<std::string_view> get(std::string_view key) const noexcept {
        for (const auto& [k, v] : entries_)
            if (k == key) return std::string_view(v);
        return std::nullopt;
    }
    /// All values of key, in order.
    std::vector<std::string_view> get_all(std::string_view key) const {
        std::vector<std::string_view> out;
        for (const auto& [k, v] : entries_)
            if (k == key) out.emplace_back(v);
        return out;
    }
    /// Removes every entry of key; returns how many.
    std::size_t remove(std::string_view key) {
        std::size_t n = 0;
        for (auto it = entries_.begin(); it != entries_.end();) {
            if (it->first == key) {
                size_ -= entry_size(it->first, it->second);
                it = entries_.erase(it);
                ++n;
            } else {
                ++it;
            }
        }
        return n;
    }
    void clear() noexcept {
        entries_.clear();
        size_ = 0;
    }

    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }
    /// Sum of entry_size() over all entries: what they weigh in a header list.
    std::size_t wire_size() const noexcept { return size_; }
    const entry& operator[](std::size_t i) const noexcept { return entries_[i]; }
    const_iterator begin() const noexcept { return entries_.begin(); }
    const_iterator end() const noexcept { return entries_.end(); }

    friend bool operator==(const metadata& a, const metadata& b) {
        return a.entries_ == b.entries_;
    }

  private:
    std::vector<entry> entries_;
    std::size_t size_ = 0;
};

/// Octets of `storage` that to_hpack() needs: the base64 of binary values.
inline std::size_t hpack_storage_size(const metadata& md) noexcept {
    std::size_t n = 0;
    for (const auto& [k, v] : md)
        if (is_binary_key(k)) n += base64_encoded_size(v.size());
    return n;
}

/// Appends md's fields to `fields`. ASCII values are views into md; binary
/// values are base64-encoded (unpadded) into `storage`, whose capacity must
/// already hold hpack_storage_size(md) more octets (so that views taken into
/// it earlier stay valid); if it does not, storage is reserved here, which is
/// only safe when nothing else points into it yet. md and storage must outlive
/// the fields.
inline void to_hpack(const metadata& md, std::vector<hpack::field>& fields, std::string& storage) {
    const std::size_t need = hpack_storage_size(md);
    if (storage.capacity() - storage.size() < need) storage.reserve(storage.size() + need);
    for (const auto& [k, v] : md) {
        if (is_binary_key(k)) {
            const std::size_t at = storage.size();
            base64_encode(v, storage);
            fields.push_back({k, std::string_view(storage).substr(at), false});
        } else {
            fields.push_back({k, v, false});
        }
    }
}

/// The custom metadata of a received header list: every field that is not
/// reserved (the call layer reads those), binary values base64-decoded (and
/// split on ','). Checks the size of the whole list (reserved fields
/// included) against max_size first. Returns OK, RESOURCE_EXHAUSTED (too
/// large) or INTERNAL (bad base64), with a message naming the key.
inline status from_hpack(std::span<const hpack::field> fields, metadata& out,
                         std::size_t max_size = default_max_metadata_size) {
    std::size_t total = 0;
    for (const auto& f : fields) total += f.size();
    if (total > max_size) {
        return status{status_code::resource_exhausted, "header list size " + std::to_string(total) +
                                                           " exceeds limit " +
                                                           std::to_string(max_size)};
    }
    std::string decoded;
    for (const auto& f : fields) {
        if (is_reserved(f.name)) continue;
        if (!is_binary_key(f.name)) {
            out.add_unchecked(f.name, f.value);
            continue;
        }
        std::string_view rest = f.value;
        while (true) {
            const std::size_t comma = rest.find(',');
            std::string_view part = rest.substr(0, comma);
            // Values may have been joined with ", " by a proxy: trim spaces.
            while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
            while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
            decoded.clear();
            if (const auto e = base64_decode(part, decoded); e != base64_errc::ok) {
                return status{status_code::internal, "malformed binary metadata \"" +
                                                         std::string(f.name) +
                                                         "\": " + std::string(describe(e))};
            }
            out.add_unchecked(f.name, decoded);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return {};
}

}  // namespace h2pb::rpc
