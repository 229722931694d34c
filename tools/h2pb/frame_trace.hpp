// h2pb serve/get --trace: every frame a connection sends and receives,
// printed as `h2pb frames` prints a captured byte stream (frames_decoder.hpp:
// the real frame parser, the real HPACK decoder with its dynamic table
// carried over), with a time stamp and the direction:
//
//   [  0.000] send  0  SETTINGS  stream 0  length 18
//                       MAX_CONCURRENT_STREAMS = 100
//
// Each direction is its own byte stream with its own offsets and its own
// HPACK table. Bytes arrive in arbitrary pieces; only complete frames are
// decoded, the rest waits for the next piece.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <string>

#include <h2pb/h2/asio/session.hpp>
#include <h2pb/h2/frame_writer.hpp>

#include "frames_decoder.hpp"

namespace h2pb::cli {

class frame_trace final : public h2::asio::trace_sink {
  public:
    using clock = std::chrono::steady_clock;

    /// `label` prefixes every line (a connection number on a server).
    /// `recv_table`: the HPACK table size we advertised (what the peer's
    /// encoder may use); `send_table`: what our encoder may use.
    frame_trace(std::ostream& out, std::shared_ptr<std::mutex> lock, std::string label, bool client,
                clock::time_point start, std::uint32_t recv_table = 4096,
                std::uint32_t send_table = 4096)
        : out_(out),
          lock_(std::move(lock)),
          label_(std::move(label)),
          start_(start),
          in_("recv", !client, recv_table),
          out_dir_("send", client, send_table) {}

    void received(wire::bytes_view bytes) override { feed(in_, bytes); }

    void sent(std::span<const wire::bytes_view> buffers) override {
        for (const auto& b : buffers) feed(out_dir_, b, false);
        flush(out_dir_);
    }

    void note(std::string_view text) override {
        std::ostringstream s;
        s << stamp() << "      " << text << '\n';
        emit(s.str());
    }

  private:
    struct direction {
        direction(const char* n, bool expect_preface, std::uint32_t table)
            : name(n), preface(expect_preface), decoder(h2::max_max_frame_size, table, false) {}
        const char* name;
        bool preface;            ///< the client preface is still to come on this direction
        std::string pending;     ///< octets of an incomplete frame
        std::size_t offset = 0;  ///< stream offset of pending[0]
        frames_decoder decoder;
    };

    std::string stamp() const {
        const double t = std::chrono::duration<double>(clock::now() - start_).count();
        char buf[32];
        std::snprintf(buf, sizeof buf, "[%8.3f] ", t);
        return label_ + buf;
    }

    void feed(direction& d, wire::bytes_view bytes, bool now = true) {
        d.pending.append(wire::as_chars(bytes));
        if (now) flush(d);
    }

    /// Decodes and prints the complete frames of `d.pending`.
    void flush(direction& d) {
        std::ostringstream s;
        std::size_t pos = 0;
        if (d.preface) {
            if (d.pending.size() < h2::client_preface.size()) return;
            s << stamp() << d.name << "  " << d.offset
              << "  client preface \"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n\" ("
              << h2::client_preface.size() << " octets, RFC 9113 §3.4)\n";
            pos = h2::client_preface.size();
            d.preface = false;
        }
        for (;;) {
            const std::size_t left = d.pending.size() - pos;
            if (left < h2::frame_header_size) break;
            const auto* p = reinterpret_cast<const wire::byte*>(d.pending.data()) + pos;
            const auto h = h2::parse_frame_header(p);
            if (left < h2::frame_header_size + h.length) break;
            const std::size_t n = h2::frame_header_size + h.length;
            d.decoder.frames.clear();
            d.decoder.run(wire::bytes_view(p, n), d.offset + pos);
            for (const auto& r : d.decoder.frames) {
                std::ostringstream f;
                print_frame_text(f, r);
                const std::string text = f.str();
                const std::string head = stamp() + d.name + "  ";
                const std::string pad(head.size(), ' ');
                std::size_t line = 0;
                while (line < text.size()) {
                    const std::size_t eol = text.find('\n', line);
                    s << (line == 0 ? head : pad) << text.substr(line, eol - line) << '\n';
                    if (eol == std::string::npos) break;
                    line = eol + 1;
                }
            }
            pos += n;
        }
        d.pending.erase(0, pos);
        d.offset += pos;
        emit(s.str());
    }

    void emit(const std::string& text) {
        if (text.empty()) return;
        std::lock_guard<std::mutex> g(*lock_);
        out_ << text << std::flush;
    }

    std::ostream& out_;
    std::shared_ptr<std::mutex> lock_;
    std::string label_;
    clock::time_point start_;
    direction in_;
    direction out_dir_;
};

}  // namespace h2pb::cli
