// h2pb::h2::asio — an owned copy of a header section.
//
// The connection's events carry views that die when the event handler
// returns; a handler coroutine that runs later needs its own copy. One
// field_store keeps all names and values in one contiguous buffer plus one
// array of views into it; both are reused when the store is (streams come
// from a pool), so a steady state of requests allocates nothing here.
//
// A store can also borrow the event's fields (no copy) while the event is
// being handled, and copy them in (own()) only if they must outlive it: an
// immediate handler, which answers inside the event, never pays for a copy.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include <h2pb/hpack/field.hpp>
#include <h2pb/wire/buffer.hpp>

namespace h2pb::h2::asio {

class field_store {
  public:
    void assign(std::span<const hpack::field> fields) {
        borrowed_ = false;
        std::size_t total = 0;
        for (const auto& f : fields) total += f.name.size() + f.value.size();
        bytes_.clear();
        bytes_.reserve(total);  // no reallocation below: the views stay valid
        fields_.clear();
        for (const auto& f : fields) {
            const auto* base = reinterpret_cast<const char*>(bytes_.data()) + bytes_.size();
            bytes_.append(f.name);
            bytes_.append(f.value);
            fields_.push_back({std::string_view(base, f.name.size()),
                               std::string_view(base + f.name.size(), f.value.size()),
                               f.never_indexed});
        }
    }

    /// Refers to `fields` without copying them: the store is valid only as
    /// long as they are (until the event handler that received them returns),
    /// unless own() is called before that.
    void borrow(std::span<const hpack::field> fields) noexcept {
        bytes_.clear();
        fields_.clear();
        view_ = fields;
        borrowed_ = true;
    }
    /// Copies borrowed fields in, so that they outlive the event.
    void own() {
        if (borrowed_) assign(view_);
    }
    bool borrowing() const noexcept { return borrowed_; }

    void clear() noexcept {
        bytes_.clear();
        fields_.clear();
        borrowed_ = false;
    }

    std::span<const hpack::field> fields() const noexcept {
        return borrowed_ ? view_ : std::span<const hpack::field>(fields_);
    }
    bool empty() const noexcept { return fields().empty(); }

    /// The value of the first field with this name, or "" (names are lowercase in HTTP/2).
    std::string_view get(std::string_view name) const noexcept {
        for (const auto& f : fields())
            if (f.name == name) return f.value;
        return {};
    }
    bool has(std::string_view name) const noexcept {
        for (const auto& f : fields())
            if (f.name == name) return true;
        return false;
    }

    /// Drops the buffers if they grew past `keep` octets (a pooled stream
    /// that once carried a huge header section does not hold it forever).
    void trim(std::size_t keep) {
        if (bytes_.capacity() > keep) bytes_ = wire::buffer();
        if (fields_.capacity() * sizeof(hpack::field) > keep) fields_ = std::vector<hpack::field>();
    }

  private:
    wire::buffer bytes_;
    std::vector<hpack::field> fields_;
    std::span<const hpack::field> view_;  ///< the borrowed fields
    bool borrowed_ = false;
};

}  // namespace h2pb::h2::asio
