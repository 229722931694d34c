// h2pb::proto — a message whose schema is a run-time message_descriptor.
//
// What a tool uses for a .proto it was not compiled with: parse bytes into a
// dynamic_message, walk or change its fields through their descriptors,
// serialize it back.
//
//   proto::dynamic_message m(*pool.find_message("pkg.Request"));
//   if (auto e = m.parse(bytes)) fail(e);
//   for (const proto::field_descriptor* f : m.set_fields()) {   // number order
//       if (f->is_repeated()) for (std::size_t i = 0; i < m.size(*f); ++i) ... m.get_int32(*f, i)
//       ... else ... m.get_string(*f) ...
//   }
//   m.set_int32(*m.descriptor().find_field("page_size"), 10);
//   wire::buffer out; m.serialize(out);
//
// Parsing follows libprotobuf (encoding.md): a field repeated on the wire
// takes the last value (sub-messages merge); a oneof keeps its last member;
// repeated scalars are read packed or unpacked whichever the field says;
// maps keep the last entry of a key; a field with an unexpected wire type,
// an unknown number, or a closed (proto2) enum's unknown value goes to the
// unknown fields, which are kept as raw bytes. Serialization writes fields
// in number order, map entries sorted by key, unknown fields last: the bytes
// of libprotobuf's deterministic serialization.
//
// Presence: a field without presence (proto3 singular scalars without
// `optional`) counts as set only when it differs from zero/empty, as in
// libprotobuf; setting it to zero clears it.
//
// Accessors take a field_descriptor of this message's type; one of another
// message or of another C++ type is ignored (getters return zero, setters
// return false).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/proto_codec/descriptor.hpp>
#include <h2pb/proto_codec/errc.hpp>
#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/proto_codec/limits.hpp>
#include <h2pb/proto_codec/unknown_fields.hpp>
#include <h2pb/proto_codec/utf8.hpp>
#include <h2pb/proto_codec/wire_format.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/endian.hpp>
#include <h2pb/wire/varint.hpp>

namespace h2pb::proto {

class dynamic_message {
  public:
    explicit dynamic_message(const message_descriptor& d) noexcept : desc_(&d) {}
    dynamic_message(const dynamic_message& o) : desc_(o.desc_), unknown_(o.unknown_) {
        entries_.reserve(o.entries_.size());
        for (const auto& e : o.entries_) entries_.push_back(e.clone());
    }
    dynamic_message& operator=(const dynamic_message& o) {
        if (this != &o) *this = dynamic_message(o);
        return *this;
    }
    dynamic_message(dynamic_message&&) noexcept = default;
    dynamic_message& operator=(dynamic_message&&) noexcept = default;

    const message_descriptor& descriptor() const noexcept { return *desc_; }

    // -- wire ----------------------------------------------------------------

    /// Clears the message, then reads bytes into it.
    error parse(wire::bytes_view bytes, decode_limits limits = {}) {
        clear();
        return merge(bytes, limits);
    }
    /// Reads bytes into the message as if they followed what it holds.
    error merge(wire::bytes_view bytes, decode_limits limits = {}) {
        if (bytes.size() > limits.max_message_size) return {errc::message_too_large, 0};
        return merge_at(bytes, 0, limits, 0);
    }

    /// Appends the encoding to out.
    void serialize(wire::buffer& out) const {
        std::vector<std::size_t> cache;
        const std::size_t n = size_pass(cache);
        wire::byte* p = out.prepare(n);
        std::size_t next = 0;
        wire::byte* end = write_pass(p, cache, next);
        out.commit(static_cast<std::size_t>(end - p));
    }
    std::string serialize_as_string() const {
        wire::buffer b;
        serialize(b);
        return std::string(b.chars());
    }
    std::size_t byte_size() const {
        std::vector<std::size_t> cache;
        return size_pass(cache);
    }

    // -- fields --------------------------------------------------------------

    /// The fields that are set, in number order (libprotobuf's ListFields).
    std::vector<const field_descriptor*> set_fields() const {
        std::vector<const field_descriptor*> out;
        out.reserve(entries_.size());
        for (const auto& e : entries_) out.push_back(e.field);
        return out;
    }
    bool has(const field_descriptor& f) const noexcept { return find(f) != nullptr; }
    /// Elements of a repeated field (map: entries); singular: 1 if set, else 0.
    std::size_t size(const field_descriptor& f) const noexcept {
        const entry* e = find(f);
        if (e == nullptr) return 0;
        if (!f.is_repeated()) return 1;
        return f.cpp_type() == cpp_type::message  ? e->msgs.size()
               : f.cpp_type() == cpp_type::string ? e->strs.size()
                                                  : e->bits_list.size();
    }
    /// The member of a oneof that is set, or nullptr.
    const field_descriptor* which_oneof(const oneof_descriptor& o) const noexcept {
        for (const field_descriptor* f : o.fields)
            if (has(*f)) return f;
        return nullptr;
    }
    void clear(const field_descriptor& f) {
        auto it = lower(f.number);
        if (it != entries_.end() && it->field == &f) entries_.erase(it);
    }
    void clear() noexcept {
        entries_.clear();
        unknown_.clear();
    }
    const proto::unknown_fields& unknown_fields() const noexcept { return unknown_; }
    proto::unknown_fields& mutable_unknown_fields() noexcept { return unknown_; }

    /// Every required field (here and in set sub-messages) is set.
    bool is_initialized() const {
        for (const field_descriptor* f : desc_->fields())
            if (f->is_required() && !has(*f)) return false;
        for (const auto& e : entries_) {
            if (e.msg && !e.msg->is_initialized()) return false;
            for (const auto& m : e.msgs)
                if (!m->is_initialized()) return false;
        }
        return true;
    }

    // Singular scalars: the value, or the field's default when unset.
    std::int32_t get_int32(const field_descriptor& f) const noexcept {
        return static_cast<std::int32_t>(get_bits(f, cpp_type::int32));
    }
    std::int64_t get_int64(const field_descriptor& f) const noexcept {
        return static_cast<std::int64_t>(get_bits(f, cpp_type::int64));
    }
    std::uint32_t get_uint32(const field_descriptor& f) const noexcept {
        return static_cast<std::uint32_t>(get_bits(f, cpp_type::uint32));
    }
    std::uint64_t get_uint64(const field_descriptor& f) const noexcept {
        return get_bits(f, cpp_type::uint64);
    }
    float get_float(const field_descriptor& f) const noexcept {
        return bits_float(static_cast<std::uint32_t>(get_bits(f, cpp_type::float_)));
    }
    double get_double(const field_descriptor& f) const noexcept {
        return bits_double(get_bits(f, cpp_type::double_));
    }
    bool get_bool(const field_descriptor& f) const noexcept {
        return get_bits(f, cpp_type::bool_) != 0;
    }
    /// An enum's number (open enums may hold numbers the enum does not name).
    std::int32_t get_enum(const field_descriptor& f) const noexcept {
        return static_cast<std::int32_t>(get_bits(f, cpp_type::enum_));
    }
    /// string and bytes fields.
    std::string_view get_string(const field_descriptor& f) const noexcept {
        if (!fits(f, cpp_type::string) || f.is_repeated()) return {};
        const entry* e = find(f);
        return e != nullptr ? std::string_view(e->str) : std::string_view(f.default_string);
    }
    /// A singular sub-message, or nullptr when unset.
    const dynamic_message* get_message(const field_descriptor& f) const noexcept {
        if (!fits(f, cpp_type::message) || f.is_repeated()) return nullptr;
        const entry* e = find(f);
        return e != nullptr ? e->msg.get() : nullptr;
    }

    // Repeated fields: element i (i < size(f)).
    std::int32_t get_int32(const field_descriptor& f, std::size_t i) const noexcept {
        return static_cast<std::int32_t>(get_bits(f, cpp_type::int32, i));
    }
    std::int64_t get_int64(const field_descriptor& f, std::size_t i) const noexcept {
        return static_cast<std::int64_t>(get_bits(f, cpp_type::int64, i));
    }
    std::uint32_t get_uint32(const field_descriptor& f, std::size_t i) const noexcept {
        return static_cast<std::uint32_t>(get_bits(f, cpp_type::uint32, i));
    }
    std::uint64_t get_uint64(const field_descriptor& f, std::size_t i) const noexcept {
        return get_bits(f, cpp_type::uint64, i);
    }
    float get_float(const field_descriptor& f, std::size_t i) const noexcept {
        return bits_float(static_cast<std::uint32_t>(get_bits(f, cpp_type::float_, i)));
    }
    double get_double(const field_descriptor& f, std::size_t i) const noexcept {
        return bits_double(get_bits(f, cpp_type::double_, i));
    }
    bool get_bool(const field_descriptor& f, std::size_t i) const noexcept {
        return get_bits(f, cpp_type::bool_, i) != 0;
    }
    std::int32_t get_enum(const field_descriptor& f, std::size_t i) const noexcept {
        return static_cast<std::int32_t>(get_bits(f, cpp_type::enum_, i));
    }
    std::string_view get_string(const field_descriptor& f, std::size_t i) const noexcept {
        const entry* e = fits(f, cpp_type::string) && f.is_repeated() ? find(f) : nullptr;
        return e != nullptr && i < e->strs.size() ? std::string_view(e->strs[i])
                                                  : std::string_view();
    }
    /// Element i of a repeated message field (map: entry i, a message with
    /// fields key and value); nullptr when out of range.
    const dynamic_message* get_message(const field_descriptor& f, std::size_t i) const noexcept {
        const entry* e = fits(f, cpp_type::message) && f.is_repeated() ? find(f) : nullptr;
        return e != nullptr && i < e->msgs.size() ? e->msgs[i].get() : nullptr;
    }

    // Singular setters. Setting a oneof member clears the others.
    bool set_int32(const field_descriptor& f, std::int32_t v) {
        return set_bits(f, cpp_type::int32,
                        static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
    }
    bool set_int64(const field_descriptor& f, std::int64_t v) {
        return set_bits(f, cpp_type::int64, static_cast<std::uint64_t>(v));
    }
    bool set_uint32(const field_descriptor& f, std::uint32_t v) {
        return set_bits(f, cpp_type::uint32, v);
    }
    bool set_uint64(const field_descriptor& f, std::uint64_t v) {
        return set_bits(f, cpp_type::uint64, v);
    }
    bool set_float(const field_descriptor& f, float v) {
        return set_bits(f, cpp_type::float_, float_bits(v));
    }
    bool set_double(const field_descriptor& f, double v) {
        return set_bits(f, cpp_type::double_, double_bits(v));
    }
    bool set_bool(const field_descriptor& f, bool v) {
        return set_bits(f, cpp_type::bool_, v ? 1 : 0);
    }
    bool set_enum(const field_descriptor& f, std::int32_t v) {
        return set_bits(f, cpp_type::enum_,
                        static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
    }
    bool set_string(const field_descriptor& f, std::string v) {
        if (!fits(f, cpp_type::string) || f.is_repeated()) return false;
        if (!f.has_presence && v.empty()) {
            clear(f);
            return true;
        }
        make(f).str = std::move(v);
        return true;
    }
    /// The sub-message, created empty if unset; nullptr for a field that is
    /// not a singular message field of this type.
    dynamic_message* mutable_message(const field_descriptor& f) {
        if (!fits(f, cpp_type::message) || f.is_repeated()) return nullptr;
        entry& e = make(f);
        if (!e.msg) e.msg = std::make_unique<dynamic_message>(*f.message_type);
        return e.msg.get();
    }

    // Repeated: append one element.
    bool add_int32(const field_descriptor& f, std::int32_t v) {
        return add_bits(f, cpp_type::int32,
                        static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
    }
    bool add_int64(const field_descriptor& f, std::int64_t v) {
        return add_bits(f, cpp_type::int64, static_cast<std::uint64_t>(v));
    }
    bool add_uint32(const field_descriptor& f, std::uint32_t v) {
        return add_bits(f, cpp_type::uint32, v);
    }
    bool add_uint64(const field_descriptor& f, std::uint64_t v) {
        return add_bits(f, cpp_type::uint64, v);
    }
    bool add_float(const field_descriptor& f, float v) {
        return add_bits(f, cpp_type::float_, float_bits(v));
    }
    bool add_double(const field_descriptor& f, double v) {
        return add_bits(f, cpp_type::double_, double_bits(v));
    }
    bool add_bool(const field_descriptor& f, bool v) {
        return add_bits(f, cpp_type::bool_, v ? 1 : 0);
    }
    bool add_enum(const field_descriptor& f, std::int32_t v) {
        return add_bits(f, cpp_type::enum_,
                        static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
    }
    bool add_string(const field_descriptor& f, std::string v) {
        if (!fits(f, cpp_type::string) || !f.is_repeated()) return false;
        make(f).strs.push_back(std::move(v));
        return true;
    }
    /// Appends an empty element (map: an entry; set its key and value, a
    /// later entry with the same key wins when the map is parsed or
    /// serialized). nullptr if f is not a repeated message field.
    dynamic_message* add_message(const field_descriptor& f) {
        if (!fits(f, cpp_type::message) || !f.is_repeated()) return nullptr;
        entry& e = make(f);
        e.msgs.push_back(std::make_unique<dynamic_message>(*f.message_type));
        return e.msgs.back().get();
    }

  private:
    // One set field. Scalars are kept as 64-bit patterns: signed integers
    // and enums sign-extended, unsigned zero-extended, bool 0/1, float its 32
    // IEEE bits, double its 64.
    struct entry {
        const field_descriptor* field = nullptr;
        std::uint64_t bits = 0;
        std::string str;
        std::unique_ptr<dynamic_message> msg;
        std::vector<std::uint64_t> bits_list;
        std::vector<std::string> strs;
        std::vector<std::unique_ptr<dynamic_message>> msgs;

        entry clone() const {
            entry e;
            e.field = field;
            e.bits = bits;
            e.str = str;
            if (msg) e.msg = std::make_unique<dynamic_message>(*msg);
            e.bits_list = bits_list;
            e.strs = strs;
            for (const auto& m : msgs) e.msgs.push_back(std::make_unique<dynamic_message>(*m));
            return e;
        }
    };

    bool fits(const field_descriptor& f, cpp_type t) const noexcept {
        return f.containing_type == desc_ && f.cpp_type() == t;
    }
    std::vector<entry>::iterator lower(std::uint32_t number) {
        return std::lower_bound(
            entries_.begin(), entries_.end(), number,
            [](const entry& e, std::uint32_t n) { return e.field->number < n; });
    }
    const entry* find(const field_descriptor& f) const noexcept {
        auto it =
            std::lower_bound(entries_.begin(), entries_.end(), f.number,
                             [](const entry& e, std::uint32_t n) { return e.field->number < n; });
        return it != entries_.end() && it->field == &f ? &*it : nullptr;
    }
    entry* find(const field_descriptor& f) noexcept {
        return const_cast<entry*>(static_cast<const dynamic_message*>(this)->find(f));
    }
    // The entry of f, created if absent; a oneof member clears its siblings.
    entry& make(const field_descriptor& f) {
        if (const oneof_descriptor* o = f.containing_oneof; o != nullptr)
            for (const field_descriptor* other : o->fields)
                if (other != &f) clear(*other);
        auto it = lower(f.number);
        if (it != entries_.end() && it->field == &f) return *it;
        entry e;
        e.field = &f;
        return *entries_.insert(it, std::move(e));
    }

    std::uint64_t get_bits(const field_descriptor& f, cpp_type t) const noexcept {
        if (!fits(f, t) || f.is_repeated()) return 0;
        const entry* e = find(f);
        if (e != nullptr) return e->bits;
        if (t == cpp_type::double_) return double_bits(f.default_double);
        if (t == cpp_type::float_) return float_bits(static_cast<float>(f.default_double));
        return f.default_bits;
    }
    std::uint64_t get_bits(const field_descriptor& f, cpp_type t, std::size_t i) const noexcept {
        const entry* e = fits(f, t) && f.is_repeated() ? find(f) : nullptr;
        return e != nullptr && i < e->bits_list.size() ? e->bits_list[i] : 0;
    }
    bool set_bits(const field_descriptor& f, cpp_type t, std::uint64_t bits) {
        if (!fits(f, t) || f.is_repeated()) return false;
        if (!f.has_presence && bits == 0) {  // implicit presence: zero is "not set"
            clear(f);
            return true;
        }
        make(f).bits = bits;
        return true;
    }
    bool add_bits(const field_descriptor& f, cpp_type t, std::uint64_t bits) {
        if (!fits(f, t) || !f.is_repeated()) return false;
        make(f).bits_list.push_back(bits);
        return true;
    }

    // -- parsing -------------------------------------------------------------

    // A value as read from the wire (VARINT value or I32/I64 bits) to the
    // stored 64-bit pattern: int32 and enum truncate to 32 bits then sign
    // extend (encoding.md, "Signed Integers"), sint* undo ZigZag.
    static std::uint64_t from_wire_value(field_type t, std::uint64_t raw) noexcept {
        switch (t) {
            case field_type::int32:
            case field_type::enum_:
            case field_type::sfixed32:
                return static_cast<std::uint64_t>(
                    static_cast<std::int64_t>(static_cast<std::int32_t>(raw)));
            case field_type::sint32:
                return static_cast<std::uint64_t>(
                    static_cast<std::int64_t>(zigzag_decode32(static_cast<std::uint32_t>(raw))));
            case field_type::sint64:
                return static_cast<std::uint64_t>(zigzag_decode64(raw));
            case field_type::uint32:
            case field_type::fixed32:
            case field_type::float_:
                return static_cast<std::uint32_t>(raw);
            case field_type::bool_:
                return raw != 0 ? 1 : 0;
            default:
                return raw;
        }
    }

    // Stores one scalar read from the wire; a closed enum's unknown number
    // becomes an unknown VARINT field, as libprotobuf does.
    void take_scalar(const field_descriptor& f, std::uint64_t raw) {
        const std::uint64_t v = from_wire_value(f.type, raw);
        if (f.type == field_type::enum_ && f.enum_type->is_closed &&
            f.enum_type->find_value(static_cast<std::int32_t>(v)) == nullptr) {
            append_unknown_varint(f.number, v);
            return;
        }
        if (f.is_repeated()) {
            make(f).bits_list.push_back(v);
        } else if (!f.has_presence && v == 0) {
            clear(f);
        } else {
            make(f).bits = v;
        }
    }
    void append_unknown_varint(std::uint32_t number, std::uint64_t v) {
        wire::byte tmp[2 * wire::max_varint_size];
        wire::byte* p = wire::write_varint(tmp, make_tag(number, wire_type::varint));
        p = wire::write_varint(p, v);
        unknown_.append(tmp, static_cast<std::size_t>(p - tmp));
    }

    // A packed run (encoding.md, "Packed Repeated Fields"): values back to
    // back in one LEN payload.
    error take_packed(const field_descriptor& f, const field& fl) {
        const wire::byte* p = fl.payload.data();
        const wire::byte* end = p + fl.payload.size();
        const wire_type w = wire_type_for(f.type);
        if (w != wire_type::varint) {
            const std::size_t width = w == wire_type::i32 ? 4 : 8;
            if (fl.payload.size() % width != 0) return {errc::bad_packed_length, fl.value_offset};
        }
        while (p != end) {
            std::uint64_t raw = 0;
            if (w == wire_type::varint) {
                const wire::byte* next = wire::parse_varint(p, end, &raw);
                if (next == nullptr)
                    return {from_wire(wire::varint_error(p, end)),
                            fl.value_offset + static_cast<std::size_t>(p - fl.payload.data())};
                p = next;
            } else if (w == wire_type::i32) {
                raw = wire::load_le32(p);
                p += 4;
            } else {
                raw = wire::load_le64(p);
                p += 8;
            }
            take_scalar(f, raw);
        }
        return {};
    }

    error merge_at(wire::bytes_view bytes, std::size_t base, const decode_limits& limits,
                   std::size_t depth) {
        field_reader r(bytes, base, limits, depth);
        field fl;
        while (r.next(fl)) {
            const field_descriptor* f = desc_->find_field(fl.number);
            if (f == nullptr) {
                unknown_.append(fl.raw);
                continue;
            }
            if (f->is_repeated() && is_packable(f->type) && fl.type == wire_type::len) {
                // Parsers accept packed and unpacked alike (encoding.md).
                if (auto e = take_packed(*f, fl)) return e;
                continue;
            }
            if (fl.type != wire_type_for(f->type)) {
                unknown_.append(fl.raw);
                continue;
            }
            switch (f->cpp_type()) {
                case cpp_type::string: {
                    if (f->requires_utf8() && !is_valid_utf8(fl.payload.data(), fl.payload.size()))
                        return {errc::invalid_utf8, fl.value_offset};
                    std::string s(wire::as_chars(fl.payload));
                    if (f->is_repeated()) {
                        make(*f).strs.push_back(std::move(s));
                    } else if (!f->has_presence && s.empty()) {
                        clear(*f);
                    } else {
                        make(*f).str = std::move(s);
                    }
                    break;
                }
                case cpp_type::message: {
                    if (depth + 1 > limits.max_depth)
                        return {errc::depth_limit_exceeded, fl.offset};
                    // A group's body starts right after its tag.
                    const std::size_t body_at =
                        fl.type == wire_type::sgroup ? fl.offset + fl.tag_size : fl.value_offset;
                    if (f->is_map()) {
                        auto m = std::make_unique<dynamic_message>(*f->message_type);
                        if (auto e = m->merge_at(fl.payload, body_at, limits, depth + 1)) return e;
                        // A closed enum value the enum does not name: the
                        // whole entry is unknown (libprotobuf's map parser).
                        const field_descriptor* vf = f->message_type->map_value();
                        if (!m->unknown_.empty() && vf->type == field_type::enum_ &&
                            vf->enum_type->is_closed) {
                            unknown_.append(fl.raw);
                            continue;
                        }
                        make(*f).msgs.push_back(std::move(m));
                    } else if (f->is_repeated()) {
                        auto m = std::make_unique<dynamic_message>(*f->message_type);
                        if (auto e = m->merge_at(fl.payload, body_at, limits, depth + 1)) return e;
                        make(*f).msgs.push_back(std::move(m));
                    } else {
                        if (auto e = mutable_message(*f)->merge_at(fl.payload, body_at, limits,
                                                                   depth + 1))
                            return e;
                    }
                    break;
                }
                default:
                    take_scalar(*f, fl.value);
                    break;
            }
        }
        if (r.error()) return r.error();
        for (auto& e : entries_)
            if (e.field->is_map()) normalize_map(e);
        return {};
    }

    // -- maps ----------------------------------------------------------------

    // Key order of libprotobuf's deterministic serialization (MapSorter):
    // signed keys as signed, unsigned as unsigned, bool false first, strings
    // byte by byte.
    static bool key_less(const dynamic_message& a, const dynamic_message& b,
                         const field_descriptor& k) {
        switch (k.cpp_type()) {
            case cpp_type::string:
                return a.get_string(k) < b.get_string(k);
            case cpp_type::int32:
            case cpp_type::int64:
                return static_cast<std::int64_t>(a.get_bits(k, k.cpp_type())) <
                       static_cast<std::int64_t>(b.get_bits(k, k.cpp_type()));
            default:
                return a.get_bits(k, k.cpp_type()) < b.get_bits(k, k.cpp_type());
        }
    }
    // Sorts a map's entries by key, keeping only the last entry of each key.
    static void normalize_map(entry& e) {
        const field_descriptor& k = *e.field->message_type->map_key();
        auto& v = e.msgs;
        std::stable_sort(v.begin(), v.end(),
                         [&](const auto& a, const auto& b) { return key_less(*a, *b, k); });
        std::size_t out = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i + 1 < v.size() && !key_less(*v[i], *v[i + 1], k))
                continue;  // a later one has this key
            v[out++] = std::move(v[i]);
        }
        v.resize(out);
    }
    static std::vector<const dynamic_message*> sorted_map(const entry& e) {
        const field_descriptor& k = *e.field->message_type->map_key();
        std::vector<const dynamic_message*> v;
        v.reserve(e.msgs.size());
        for (const auto& m : e.msgs) v.push_back(m.get());
        std::stable_sort(v.begin(), v.end(),
                         [&](const auto* a, const auto* b) { return key_less(*a, *b, k); });
        std::size_t out = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i + 1 < v.size() && !key_less(*v[i], *v[i + 1], k)) continue;
            v[out++] = v[i];
        }
        v.resize(out);
        return v;
    }

    // -- serialization -------------------------------------------------------
    //
    // Two passes, as in encode.hpp: size_pass adds up the bytes and records
    // each sub-message's length in `cache` in visiting order; write_pass
    // stores the bytes, taking the lengths back in the same order.

    static std::size_t vsize(std::uint64_t v) noexcept { return wire::varint_size(v); }

    // The VARINT or fixed-width bits a stored value travels as.
    static std::uint64_t to_wire_value(field_type t, std::uint64_t bits) noexcept {
        switch (t) {
            case field_type::sint32:
                return zigzag_encode32(static_cast<std::int32_t>(bits));
            case field_type::sint64:
                return zigzag_encode64(static_cast<std::int64_t>(bits));
            default:
                return bits;
        }
    }
    static std::size_t scalar_size(field_type t, std::uint64_t bits) noexcept {
        switch (wire_type_for(t)) {
            case wire_type::i32:
                return 4;
            case wire_type::i64:
                return 8;
            default:
                return vsize(to_wire_value(t, bits));
        }
    }
    static wire::byte* write_scalar(wire::byte* p, field_type t, std::uint64_t bits) noexcept {
        switch (wire_type_for(t)) {
            case wire_type::i32:
                wire::store_le32(p, static_cast<std::uint32_t>(bits));
                return p + 4;
            case wire_type::i64:
                wire::store_le64(p, bits);
                return p + 8;
            default:
                return wire::write_varint(p, to_wire_value(t, bits));
        }
    }
    static std::size_t tag_bytes(std::uint32_t number) noexcept {
        return vsize(make_tag(number, wire_type::varint));
    }
    static wire::byte* write_tag(wire::byte* p, std::uint32_t number, wire_type w) noexcept {
        return wire::write_varint(p, make_tag(number, w));
    }

    // Bytes of one sub-message occurrence (tag included); null: empty.
    static std::size_t sub_size(const field_descriptor& f, const dynamic_message* m,
                                std::vector<std::size_t>& cache) {
        const std::size_t slot = cache.size();
        cache.push_back(0);
        const std::size_t n = m != nullptr ? m->size_pass(cache) : 0;
        cache[slot] = n;
        if (f.type == field_type::group) return 2 * tag_bytes(f.number) + n;
        return tag_bytes(f.number) + vsize(n) + n;
    }
    static wire::byte* sub_write(wire::byte* p, const field_descriptor& f, const dynamic_message* m,
                                 const std::vector<std::size_t>& cache, std::size_t& next) {
        const std::size_t n = cache[next++];
        if (f.type == field_type::group) {
            p = write_tag(p, f.number, wire_type::sgroup);
            if (m != nullptr) p = m->write_pass(p, cache, next);
            return write_tag(p, f.number, wire_type::egroup);
        }
        p = write_tag(p, f.number, wire_type::len);
        p = wire::write_varint(p, n);
        return m != nullptr ? m->write_pass(p, cache, next) : p;
    }

    static std::size_t packed_payload(const entry& e) noexcept {
        std::size_t n = 0;
        for (std::uint64_t b : e.bits_list) n += scalar_size(e.field->type, b);
        return n;
    }

    // One field's bytes. `e` may be a default entry (map entries write key
    // and value even when unset, as libprotobuf does).
    static std::size_t entry_size(const entry& e, std::vector<std::size_t>& cache) {
        const field_descriptor& f = *e.field;
        const std::size_t tag = tag_bytes(f.number);
        switch (f.cpp_type()) {
            case cpp_type::string:
                if (!f.is_repeated()) return tag + vsize(e.str.size()) + e.str.size();
                {
                    std::size_t n = 0;
                    for (const auto& s : e.strs) n += tag + vsize(s.size()) + s.size();
                    return n;
                }
            case cpp_type::message:
                if (f.is_map()) {
                    std::size_t n = 0;
                    for (const dynamic_message* m : sorted_map(e)) n += sub_size(f, m, cache);
                    return n;
                }
                if (!f.is_repeated()) return sub_size(f, e.msg.get(), cache);
                {
                    std::size_t n = 0;
                    for (const auto& m : e.msgs) n += sub_size(f, m.get(), cache);
                    return n;
                }
            default:
                if (!f.is_repeated()) return tag + scalar_size(f.type, e.bits);
                if (f.is_packed) {
                    if (e.bits_list.empty()) return 0;
                    const std::size_t n = packed_payload(e);
                    return tag + vsize(n) + n;
                }
                {
                    std::size_t n = 0;
                    for (std::uint64_t b : e.bits_list) n += tag + scalar_size(f.type, b);
                    return n;
                }
        }
    }
    static wire::byte* entry_write(wire::byte* p, const entry& e,
                                   const std::vector<std::size_t>& cache, std::size_t& next) {
        const field_descriptor& f = *e.field;
        switch (f.cpp_type()) {
            case cpp_type::string:
                if (!f.is_repeated()) {
                    p = write_tag(p, f.number, wire_type::len);
                    return write_str(p, e.str);
                }
                for (const auto& s : e.strs) {
                    p = write_tag(p, f.number, wire_type::len);
                    p = write_str(p, s);
                }
                return p;
            case cpp_type::message:
                if (f.is_map()) {
                    for (const dynamic_message* m : sorted_map(e))
                        p = sub_write(p, f, m, cache, next);
                    return p;
                }
                if (!f.is_repeated()) return sub_write(p, f, e.msg.get(), cache, next);
                for (const auto& m : e.msgs) p = sub_write(p, f, m.get(), cache, next);
                return p;
            default:
                if (!f.is_repeated()) {
                    p = write_tag(p, f.number, wire_type_for(f.type));
                    return write_scalar(p, f.type, e.bits);
                }
                if (f.is_packed) {
                    if (e.bits_list.empty()) return p;
                    p = write_tag(p, f.number, wire_type::len);
                    p = wire::write_varint(p, packed_payload(e));
                    for (std::uint64_t b : e.bits_list) p = write_scalar(p, f.type, b);
                    return p;
                }
                for (std::uint64_t b : e.bits_list) {
                    p = write_tag(p, f.number, wire_type_for(f.type));
                    p = write_scalar(p, f.type, b);
                }
                return p;
        }
    }
    static wire::byte* write_str(wire::byte* p, const std::string& s) noexcept {
        p = wire::write_varint(p, s.size());
        // Octets, not a C string: std::copy_n says so (and compiles to the
        // same memmove as std::memcpy did).
        return std::copy_n(s.data(), s.size(), p);
    }

    // A map entry writes key (1) and value (2) whether set or not.
    template <class F>
    void for_each_written(F&& fn) const {
        if (!desc_->is_map_entry) {
            for (const auto& e : entries_) fn(e);
            return;
        }
        for (const field_descriptor* f : {desc_->map_key(), desc_->map_value()}) {
            if (const entry* e = find(*f); e != nullptr) {
                fn(*e);
            } else {
                entry d;
                d.field = f;
                d.bits = f->default_bits;
                if (f->cpp_type() == cpp_type::double_) d.bits = double_bits(f->default_double);
                if (f->cpp_type() == cpp_type::float_)
                    d.bits = float_bits(static_cast<float>(f->default_double));
                d.str = f->default_string;
                fn(d);
            }
        }
    }

    std::size_t size_pass(std::vector<std::size_t>& cache) const {
        std::size_t n = unknown_.size();
        for_each_written([&](const entry& e) { n += entry_size(e, cache); });
        return n;
    }
    wire::byte* write_pass(wire::byte* p, const std::vector<std::size_t>& cache,
                           std::size_t& next) const {
        for_each_written([&](const entry& e) { p = entry_write(p, e, cache, next); });
        if (!unknown_.empty()) {
            std::memcpy(p, unknown_.view().data(), unknown_.size());
            p += unknown_.size();
        }
        return p;
    }

    const message_descriptor* desc_;
    std::vector<entry> entries_;  // sorted by field number
    proto::unknown_fields unknown_;
};

}  // namespace h2pb::proto
