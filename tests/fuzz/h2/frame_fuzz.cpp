// Fuzz target: the frame codec alone. Random bytes are cut into frames (by
// h2::frame_splitter, the connection's own frame reader) and
// each one is checked and parsed; whatever parses must re-serialize (with
// the writers) into bytes that parse to the same fields.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <h2pb/h2/frame.hpp>
#include <h2pb/h2/frame_reader.hpp>
#include <h2pb/h2/frame_writer.hpp>

using namespace h2pb;
using namespace h2pb::h2;

namespace {

void roundtrip(const frame_header& h, const any_frame& f) {
    wire::buffer out;
    if (const auto* s = std::get_if<settings_frame>(&f)) {
        if (s->ack) {
            write_settings_ack(out);
        } else {
            std::vector<setting> v;
            for (std::size_t i = 0; i < s->size(); ++i) v.push_back((*s)[i]);
            write_settings(out, v);
        }
    } else if (const auto* p = std::get_if<ping_frame>(&f)) {
        write_ping(out, p->value(), p->ack);
    } else if (const auto* g = std::get_if<goaway_frame>(&f)) {
        write_goaway(out, g->last_stream_id, g->code, g->debug_data);
    } else if (const auto* w = std::get_if<window_update_frame>(&f)) {
        write_window_update(out, h.stream_id, w->increment);
    } else if (const auto* r = std::get_if<rst_stream_frame>(&f)) {
        write_rst_stream(out, h.stream_id, r->code);
    } else if (const auto* d = std::get_if<data_frame>(&f)) {
        write_data(out, h.stream_id, d->data, d->end_stream, d->padded ? d->pad_length : -1);
    } else if (const auto* hd = std::get_if<headers_frame>(&f)) {
        write_headers(out, h.stream_id, hd->fragment,
                      {hd->end_stream, hd->end_headers, hd->padded ? hd->pad_length : -1,
                       hd->has_priority ? &hd->priority : nullptr});
    } else {
        return;
    }
    const auto h2 = parse_frame_header(out.data());
    const auto again = parse_frame(h2, out.view().subspan(frame_header_size), max_max_frame_size);
    if (!again || again->index() != f.index()) std::abort();
    if (h2.stream_id != h.stream_id || h2.type != h.type) std::abort();
    if (const auto* d = std::get_if<data_frame>(&f)) {
        const auto& e = std::get<data_frame>(*again);
        if (!wire::equal(d->data, e.data) || d->end_stream != e.end_stream) std::abort();
    }
    if (const auto* hd = std::get_if<headers_frame>(&f)) {
        const auto& e = std::get<headers_frame>(*again);
        if (!wire::equal(hd->fragment, e.fragment) || !(hd->priority == e.priority)) std::abort();
    }
}

/// Parses one frame; whatever parses must round-trip, an error must point
/// into the frame.
void check(const frame_header& h, wire::bytes_view payload, std::size_t at,
           std::uint32_t max_frame) {
    const auto r = parse_frame(h, payload, max_frame, at);
    if (r) {
        roundtrip(h, *r);
    } else if (r.error().offset > at + frame_header_size + payload.size()) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    // The first octet picks SETTINGS_MAX_FRAME_SIZE.
    const std::uint32_t max_frame = data[0] & 1 ? max_max_frame_size : min_max_frame_size;
    const wire::bytes_view in(data + 1, size - 1);
    frame_splitter frames;  // any length: parse_frame checks it against max_frame
    frames.feed(in);
    for (auto e = frames.next(); e.what == frame_splitter::kind::frame; e = frames.next())
        check(e.frame.header, e.frame.payload, e.frame.offset, max_frame);
    // A frame cut short at the end is parsed too, as if its length were what remains.
    if (const auto t = frames.tail(); t.what == frame_splitter::partial::part::payload) {
        frame_header cut = t.header;
        cut.length = static_cast<std::uint32_t>(t.have);
        check(cut, in.subspan(t.offset + frame_header_size, t.have), t.offset, max_frame);
    }
    return 0;
}
