// h2pb::h2 — the inbound half of a connection: octets to frames, and field
// block fragments to decoded fields (RFC 9113 §3.4, §4, §4.3, §6).
//
// Two pieces, each owned by h2::connection as a member, and a third built on
// the first for code without a connection:
//
//   - frame_reader: where the next received octet goes (inbound_state, in the
//     style of nghttp2). It matches the client preface (§3.4), collects the
//     9-octet frame header (§4.1) and the payload of frames other than DATA,
//     and hands DATA payload octets on as they arrive, without a copy, with
//     the padding (§6.1) skipped. It reads any split of the input: a frame
//     header or payload cut across receive() calls is buffered, one that
//     arrives whole is passed on in place.
//     The reader decides nothing about a frame: step() returns what it
//     completed (an `item`), and the connection, which knows the streams and
//     the settings, says where the payload goes (expect_payload,
//     skip_payload, begin_data...). Pull style: no callbacks, no virtual
//     calls.
//
//   - field_block_reader: HEADERS + CONTINUATION fragments joined into one
//     field block (§4.3: "Field blocks MUST be transmitted as a contiguous
//     sequence of frames, with no interleaved frames of any other type or
//     from any other stream"), decoded by the connection's hpack::decoder
//     and checked against §8.2-§8.3 (field_validation.hpp). A block is
//     always decoded, even for a stream that is refused or ignored, so that
//     the HPACK state stays in sync with the peer's encoder (§4.3).
//
//   - frame_splitter: frame_reader asked for whole frames, one {header,
//     payload} at a time, for the tools, tests and fuzz targets that read
//     HTTP/2 bytes without a connection.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <h2pb/h2/errc.hpp>
#include <h2pb/h2/field_validation.hpp>
#include <h2pb/h2/frame.hpp>
#include <h2pb/h2/frame_writer.hpp>  // client_preface
#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/wire/buffer.hpp>

namespace h2pb::h2 {

/// The inbound parser's states (nghttp2 style): where the next octet goes.
enum class inbound_state : std::uint8_t {
    client_preface,   ///< server: matching the 24 octets of §3.4
    frame_header,     ///< collecting the 9 octets of a frame header
    payload,          ///< collecting the payload of a frame other than DATA
    data_pad_length,  ///< DATA with PADDED: the Pad Length octet
    data,             ///< DATA: payload octets go to the application as they arrive
    data_padding,     ///< DATA: padding, skipped
    discard,          ///< payload of a frame that is ignored (unknown type)
    closed,           ///< after a connection error: all input is ignored
};

class frame_reader {
  public:
    /// What one step() completed.
    struct item {
        enum class kind : std::uint8_t {
            none,          ///< octets used, nothing complete yet
            bad_preface,   ///< §3.4: an octet of the client preface is wrong (at `offset`)
            frame_header,  ///< header() is complete: say where its payload goes
            payload,       ///< `bytes`: the whole payload of a frame other than DATA
            pad_length,    ///< `bytes[0]`: DATA's Pad Length octet (at `offset`)
            data,          ///< `bytes`: DATA payload octets; data_left() == 0: the last
            padding_end,   ///< the DATA frame's padding is skipped: the frame is over
        };
        kind what = kind::none;
        std::size_t used = 0;  ///< input octets consumed
        wire::bytes_view
            bytes{};             ///< in the input, or in the reader's buffer until the next step()
        std::size_t offset = 0;  ///< position in the whole input (errors)
    };

    /// A server first expects the client preface (§3.4); a client, frames.
    explicit frame_reader(bool expect_client_preface) noexcept
        : state_(expect_client_preface ? inbound_state::client_preface
                                       : inbound_state::frame_header) {}

    /// Reads from in[pos...] (pos < in.size()) until something completes.
    item step(wire::bytes_view in, std::size_t pos) {
        using k = item::kind;
        const std::size_t avail = in.size() - pos;
        const wire::byte* p = in.data() + pos;
        switch (state_) {
            case inbound_state::client_preface: {
                const std::size_t n = std::min(avail, client_preface.size() - preface_matched_);
                for (std::size_t i = 0; i < n; ++i)
                    if (p[i] != static_cast<wire::byte>(client_preface[preface_matched_ + i]))
                        return {k::bad_preface, avail, {}, offset_of(pos + i)};
                preface_matched_ += n;
                if (preface_matched_ == client_preface.size()) state_ = inbound_state::frame_header;
                return {k::none, n};
            }
            case inbound_state::frame_header: {
                frame_offset_ = offset_of(pos);
                if (header_have_ == 0 && avail >= frame_header_size) {
                    fh_ = parse_frame_header(p);
                    payload_buf_.clear();  // the last buffered payload is handled
                    return {k::frame_header, frame_header_size};
                }
                const std::size_t n = std::min(avail, frame_header_size - header_have_);
                std::copy_n(p, n, header_buf_.begin() + static_cast<std::ptrdiff_t>(header_have_));
                if (header_have_ == 0) header_start_ = frame_offset_;
                header_have_ += n;
                if (header_have_ < frame_header_size) return {k::none, n};
                frame_offset_ = header_start_;
                header_have_ = 0;
                fh_ = parse_frame_header(header_buf_.data());
                payload_buf_.clear();
                return {k::frame_header, n};
            }
            case inbound_state::payload: {
                if (payload_buf_.empty() && avail >= fh_.length) {
                    state_ = inbound_state::frame_header;
                    return {k::payload, fh_.length, wire::bytes_view(p, fh_.length)};
                }
                const std::size_t n =
                    std::min<std::size_t>(avail, fh_.length - payload_buf_.size());
                payload_buf_.append(wire::bytes_view(p, n));
                if (payload_buf_.size() < fh_.length) return {k::none, n};
                state_ = inbound_state::frame_header;
                return {k::payload, n, payload_buf_.view()};
            }
            case inbound_state::data_pad_length:
                return {k::pad_length, 1, wire::bytes_view(p, 1), offset_of(pos)};
            case inbound_state::data: {
                const std::size_t n = std::min<std::size_t>(avail, data_left_);
                data_left_ -= static_cast<std::uint32_t>(n);
                return {k::data, n, wire::bytes_view(p, n)};
            }
            case inbound_state::data_padding: {
                const std::size_t n = std::min<std::size_t>(avail, pad_left_);
                pad_left_ -= static_cast<std::uint32_t>(n);
                return {pad_left_ == 0 ? k::padding_end : k::none, n};
            }
            case inbound_state::discard: {
                const std::size_t n = std::min<std::size_t>(avail, discard_left_);
                discard_left_ -= static_cast<std::uint32_t>(n);
                if (discard_left_ == 0) state_ = inbound_state::frame_header;
                return {k::none, n};
            }
            case inbound_state::closed:
                return {k::none, avail};
        }
        return {k::none, avail};
    }

    /// After a receive() call: `n` octets more lie before the next input.
    void advance(std::size_t n) noexcept { received_total_ += n; }

    // ---- what the connection decides after item::frame_header

    /// Collect the payload (a frame other than DATA).
    void expect_payload() noexcept { state_ = inbound_state::payload; }
    /// Skip the payload (an ignored frame).
    void skip_payload() noexcept {
        discard_left_ = fh_.length;
        state_ = discard_left_ ? inbound_state::discard : inbound_state::frame_header;
    }
    /// A DATA frame: its Pad Length octet comes first if PADDED.
    void begin_data(bool padded) noexcept {
        pad_left_ = 0;
        if (padded) state_ = inbound_state::data_pad_length;
    }
    void set_padding(std::uint8_t pad) noexcept { pad_left_ = pad; }
    /// The data length is known: false if the frame is over already (no data
    /// octets, no padding).
    bool start_data(std::uint32_t data_len) noexcept {
        data_left_ = data_len;
        if (data_left_ > 0) {
            state_ = inbound_state::data;
        } else if (pad_left_ > 0) {
            state_ = inbound_state::data_padding;
        } else {
            return false;
        }
        return true;
    }
    /// The last data octets are handled: on to the padding, if any (true).
    bool to_padding() noexcept {
        if (pad_left_ == 0) return false;
        state_ = inbound_state::data_padding;
        return true;
    }
    /// The frame is over: the next octet starts a frame header.
    void end_frame() noexcept { state_ = inbound_state::frame_header; }
    /// After a connection error: all further input is ignored.
    void close() noexcept { state_ = inbound_state::closed; }

    // ---- state

    inbound_state state() const noexcept { return state_; }
    bool closed() const noexcept { return state_ == inbound_state::closed; }
    const frame_header& header() const noexcept { return fh_; }
    /// Where the current frame starts, and its payload, in the whole input.
    std::size_t frame_offset() const noexcept { return frame_offset_; }
    std::size_t payload_offset() const noexcept { return frame_offset_ + frame_header_size; }
    std::uint64_t received_total() const noexcept { return received_total_; }
    std::uint32_t data_left() const noexcept { return data_left_; }

    /// The octets of the unit being read that the reader holds (of the
    /// client preface, a frame header, or the payload of a frame other than
    /// DATA), and where that unit starts in the whole input: what is left
    /// unfinished when the input ends.
    struct held_octets {
        std::size_t offset = 0;
        std::size_t count = 0;
    };
    held_octets held() const noexcept {
        switch (state_) {
            case inbound_state::client_preface:
                return {0, preface_matched_};
            case inbound_state::frame_header:
                return {header_have_ ? header_start_ : 0, header_have_};
            case inbound_state::payload:
                return {frame_offset_, payload_buf_.size()};
            default:
                return {};
        }
    }

  private:
    std::size_t offset_of(std::size_t pos) const noexcept {
        return static_cast<std::size_t>(received_total_) + pos;
    }

    inbound_state state_;
    std::size_t preface_matched_ = 0;
    std::uint64_t received_total_ = 0;
    std::array<wire::byte, frame_header_size> header_buf_{};
    std::size_t header_have_ = 0;
    std::size_t header_start_ = 0;
    frame_header fh_;
    std::size_t frame_offset_ = 0;
    wire::buffer payload_buf_;
    std::uint32_t discard_left_ = 0;
    std::uint32_t data_left_ = 0;  ///< DATA octets of the frame still to come
    std::uint32_t pad_left_ = 0;   ///< padding octets of the frame still to come
};

/// Whole frames out of a byte stream, for code that has no connection: `h2pb
/// frames`, the frame trace, the test harness and the fuzz targets. It runs
/// the connection's own frame_reader, asking for every payload whole (DATA
/// included), so every reader of HTTP/2 bytes in the project splits them the
/// same way: any split of the input, a frame cut across chunks buffered
/// (one buffer, reused: no allocation per frame once it has grown), a frame
/// that arrives whole handed on in place.
///
///     frame_splitter s(/*expect_client_preface=*/true);
///     s.feed(chunk);
///     for (auto e = s.next(); e.what != frame_splitter::kind::need_more; e = s.next())
///         ...  // kind::preface, kind::frame (e.frame), kind::error (e.error)
///
/// It checks only what splitting needs: the client preface (§3.4) and the
/// frame size limit (§4.2); what a frame means is parse_frame()'s business.
class frame_splitter {
  public:
    /// One whole frame. The views are valid until the next next() or feed().
    struct frame_view {
        frame_header header;
        wire::bytes_view header_octets;  ///< the 9 octets as received (reserved bit kept)
        wire::bytes_view payload;
        std::size_t offset = 0;  ///< of header_octets[0] in the whole input
    };

    enum class kind : std::uint8_t {
        need_more,  ///< the chunk is used up: feed() the next one
        preface,    ///< the 24 octets of the client preface are complete (§3.4)
        frame,      ///< `frame` is complete
        error,      ///< `error`: not an HTTP/2 byte stream here; the rest is ignored
    };
    struct event {
        kind what = kind::need_more;
        frame_view frame{};
        h2::error error{};
    };

    /// What is left unfinished where the input ends (tail()).
    struct partial {
        enum class part : std::uint8_t { none, preface, header, payload };
        part what = part::none;
        std::size_t offset = 0;  ///< where the unfinished preface or frame starts
        std::size_t have = 0;    ///< its octets received (of the payload, for `payload`)
        frame_header header{};   ///< `payload`: the frame's header
    };

    /// `expect_client_preface`: the bytes a client sends (§3.4).
    /// `max_frame_size`: a longer frame is an error (errc::frame_too_large,
    /// §4.2) before any of its payload is buffered; the default allows any
    /// 24-bit length. `start_offset`: the offset of the first octet fed
    /// (where these bytes lie in a larger input), for offsets and errors.
    explicit frame_splitter(bool expect_client_preface = false,
                            std::uint32_t max_frame_size = max_max_frame_size,
                            std::size_t start_offset = 0)
        : reader_(expect_client_preface), max_frame_size_(max_frame_size) {
        reader_.advance(start_offset);
    }

    /// The next chunk of input; call next() until it returns need_more (or
    /// error) before feeding another. The chunk must stay valid until then.
    void feed(wire::bytes_view chunk) noexcept {
        reader_.advance(chunk_.size());
        chunk_ = chunk;
        pos_ = 0;
    }

    /// The next complete preface or frame in what was fed, or an error.
    event next() {
        using k = frame_reader::item::kind;
        while (pos_ < chunk_.size() && !reader_.closed()) {
            const inbound_state before = reader_.state();
            const frame_reader::item it = reader_.step(chunk_, pos_);
            if (before == inbound_state::frame_header) {  // the octets used are header octets
                std::copy_n(chunk_.data() + pos_, it.used,
                            header_octets_.begin() + static_cast<std::ptrdiff_t>(header_have_));
                header_have_ += it.used;
            }
            pos_ += it.used;
            switch (it.what) {
                case k::none:
                    if (before == inbound_state::client_preface &&
                        reader_.state() != inbound_state::client_preface)
                        return {kind::preface};
                    break;
                case k::bad_preface:
                    return fail(errc::bad_preface, it.offset);
                case k::frame_header:
                    header_have_ = 0;
                    if (reader_.header().length > max_frame_size_)
                        return fail(errc::frame_too_large, reader_.frame_offset());
                    if (reader_.header().length == 0) return whole({});
                    reader_.expect_payload();
                    break;
                case k::payload:
                    return whole(it.bytes);
                default:  // DATA items: never, every payload is asked for whole
                    break;
            }
        }
        return {};
    }

    /// After an error: nothing more is read.
    bool failed() const noexcept { return reader_.closed(); }

    /// Where the input ended, if not between frames: the unfinished preface,
    /// frame header or payload.
    partial tail() const noexcept {
        using p = partial::part;
        const frame_reader::held_octets h = reader_.held();
        switch (reader_.state()) {
            case inbound_state::client_preface:
                return h.count ? partial{p::preface, h.offset, h.count} : partial{};
            case inbound_state::frame_header:
                return h.count ? partial{p::header, h.offset, h.count} : partial{};
            case inbound_state::payload:
                return {p::payload, h.offset, h.count, reader_.header()};
            default:
                return {};
        }
    }

  private:
    event whole(wire::bytes_view payload) const noexcept {
        return {kind::frame,
                {reader_.header(), wire::bytes_view(header_octets_.data(), frame_header_size),
                 payload, reader_.frame_offset()}};
    }
    event fail(errc code, std::size_t offset) noexcept {
        reader_.close();
        return {kind::error, {}, {code, offset}};
    }

    frame_reader reader_;
    std::uint32_t max_frame_size_;
    wire::bytes_view chunk_{};
    std::size_t pos_ = 0;
    std::array<wire::byte, frame_header_size> header_octets_{};  ///< as received
    std::size_t header_have_ = 0;
};

/// The peer's HPACK dynamic table entries whose name and value octets
/// passed the §8.2.1 checks: later references to them skip those checks
/// (the rules about what a field means in its section still apply).
/// Entry ids are never reused, so a remembered id stays true; the set is
/// direct-mapped and small (a table holds a few dozen entries, a
/// connection reuses fewer), a collision only costs a check.
class checked_entry_set {
  public:
    bool contains(std::uint64_t id) const noexcept { return slots_[id % size] == id + 1; }
    void insert(std::uint64_t id) noexcept { slots_[id % size] = id + 1; }

  private:
    static constexpr std::size_t size = 16;
    std::array<std::uint64_t, size> slots_{};  ///< id + 1; 0: empty
};

/// Joins the fragments of a field block (HEADERS, then CONTINUATIONs until
/// END_HEADERS) and decodes the block into fields checked against §8.2-§8.3.
class field_block_reader {
  public:
    explicit field_block_reader(const hpack::decoder_options& options) : decoder_(options) {}

    // ---- joining (§4.3, §6.10)

    /// A HEADERS frame without END_HEADERS: CONTINUATIONs follow.
    void begin() noexcept {
        active_ = true;
        continuations_ = 0;
        buf_.clear();
    }
    /// A block is being joined: only a CONTINUATION of its stream may come next.
    bool active() const noexcept { return active_; }
    /// Counts a CONTINUATION; the count of this block.
    std::uint32_t add_continuation() noexcept { return ++continuations_; }
    /// Appends a fragment; false if the block would exceed `max_size` octets.
    bool append(wire::bytes_view fragment, std::uint32_t max_size) {
        if (buf_.size() + fragment.size() > max_size) return false;
        buf_.append(fragment);
        return true;
    }
    /// END_HEADERS: the joined block, valid until the next begin() or clear().
    wire::bytes_view finish_joining() noexcept {
        active_ = false;
        return buf_.view();
    }
    void clear() noexcept { buf_.clear(); }
    /// A connection error: no block is being joined any more.
    void abandon() noexcept { active_ = false; }

    // ---- decoding (§4.3, §8.2-§8.3)

    /// Decodes a complete block. With `check`, the fields are kept (fields())
    /// and checked as a section of `kind` (errors: finish_checks()); without,
    /// they are decoded and dropped (the HPACK state must follow the peer's).
    hpack::error decode(wire::bytes_view block, section_kind kind, bool check) {
        checker_.start(kind);
        fields_.clear();
        if (fields_.capacity() == 0) fields_.reserve(first_fields_capacity);
        return decoder_.decode(block, [&](const hpack::field& fld, hpack::field_origin origin) {
            if (!check) return;
            fields_.push_back(fld);
            using source = hpack::field_origin::source;
            // §8.2.1 octet checks: once per HPACK table entry, not per use.
            const bool known =
                origin.from == source::static_entry ||
                (origin.from == source::dynamic_entry && checked_entries_.contains(origin.entry));
            const errc e = checker_.add(fld.name, fld.value, known);
            if (e == errc::ok && !known && origin.from != source::literal)
                checked_entries_.insert(origin.entry);
        });
    }
    /// The rules about the section as a whole (required pseudo-header fields...).
    errc finish_checks() noexcept { return checker_.finish(); }
    const section_info& info() const noexcept { return checker_.info(); }
    std::span<const hpack::field> fields() const noexcept { return fields_; }

    hpack::decoder& decoder() noexcept { return decoder_; }
    const hpack::decoder& decoder() const noexcept { return decoder_; }

  private:
    /// The decoded-fields vector starts with room for a typical request or
    /// response header section, and grows with larger ones.
    static constexpr std::size_t first_fields_capacity = 8;

    hpack::decoder decoder_;
    bool active_ = false;
    std::uint32_t continuations_ = 0;
    wire::buffer buf_;
    std::vector<hpack::field> fields_;
    field_checker checker_;
    checked_entry_set checked_entries_;
};

}  // namespace h2pb::h2
