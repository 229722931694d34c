// h2pb::proto — unknown fields, kept byte for byte.
//
// A parser that meets a field it has no schema for (a newer sender's field, a
// known number with an unexpected wire type, a closed enum's unknown value)
// must keep it and write it back out unchanged, so that a message passing
// through an older program loses nothing. h2pb keeps the raw bytes of each
// such field (tag included) in arrival order and appends them, as they were,
// after the known fields when the message is encoded: the order libprotobuf
// uses.
#pragma once

#include <cstddef>
#include <string>

#include <h2pb/wire/bytes.hpp>

namespace h2pb::proto {

class unknown_fields {
  public:
    bool empty() const noexcept { return bytes_.empty(); }
    std::size_t size() const noexcept { return bytes_.size(); }
    /// The raw fields (tags and values), concatenated.
    wire::bytes_view view() const noexcept { return wire::as_bytes(bytes_); }
    void clear() noexcept { bytes_.clear(); }
    void append(const wire::byte* p, std::size_t n) {
        bytes_.append(reinterpret_cast<const char*>(p), n);
    }
    void append(wire::bytes_view b) { append(b.data(), b.size()); }

    friend bool operator==(const unknown_fields&, const unknown_fields&) = default;

  private:
    std::string bytes_;
};

}  // namespace h2pb::proto
