// h2pb serve/get --trace: every frame a connection sends and receives,
// printed as `h2pb frames` prints a captured byte stream (frames_decoder.hpp:
// the real frame parser, the real HPACK decoder with its dynamic table
// carried over), with a time stamp and the direction:
//
//   [  0.000] send  0  SETTINGS  stream 0  length 18
//                       MAX_CONCURRENT_STREAMS = 100
//
// Each direction is its own byte stream with its own offsets and its own
// HPACK table (RFC 9113 §4.3.1: one per direction). Bytes arrive in
// arbitrary pieces; h2::frame_splitter (the connection's own frame reader)
// hands on complete frames and keeps the rest for the next piece.
// frame_trace_options adds the raw frame-header octets (--raw), the gRPC
// messages in DATA (--grpc) and a copy of each direction's bytes in files
// `h2pb frames` reads (--save PREFIX: PREFIX.send, PREFIX.recv).
#pragma once

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <string>

#include <h2pb/h2/asio/session.hpp>
#include <h2pb/h2/frame_reader.hpp>
#include <h2pb/h2/frame_writer.hpp>

#include "frames_decoder.hpp"

namespace h2pb::cli {

/// What `--trace`, `--raw`, `--grpc` and `--save` ask of a frame_trace.
struct frame_trace_options {
    bool print = true;  ///< print the frames (--trace); false: only --save
    bool raw = false;   ///< each frame's 9 header octets too
    bool grpc = false;  ///< DATA payloads are gRPC streams: show the messages
    std::string save;   ///< non-empty: write SAVE.send and SAVE.recv
};

class frame_trace final : public h2::asio::trace_sink {
  public:
    using clock = std::chrono::steady_clock;

    /// `label` prefixes every line (a connection number on a server).
    /// `recv_table`: the HPACK table size we advertised (what the peer's
    /// encoder may use); `send_table`: what our encoder may use.
    frame_trace(std::ostream& out, std::shared_ptr<std::mutex> lock, std::string label, bool client,
                clock::time_point start, std::uint32_t recv_table = h2::default_header_table_size,
                std::uint32_t send_table = h2::default_header_table_size,
                frame_trace_options options = {})
        : out_(out),
          lock_(std::move(lock)),
          label_(std::move(label)),
          start_(start),
          options_(std::move(options)),
          in_("recv", !client, recv_table, options_.grpc, client ? sender::server : sender::client,
              "dynamic table for fields we receive"),
          out_dir_("send", client, send_table, options_.grpc,
                   client ? sender::client : sender::server, "dynamic table for fields we send") {
        if (!options_.save.empty()) {
            in_.file.open(options_.save + ".recv", std::ios::binary | std::ios::trunc);
            out_dir_.file.open(options_.save + ".send", std::ios::binary | std::ios::trunc);
            if (!in_.file || !out_dir_.file)
                std::cerr << "h2pb: cannot write " << options_.save << ".send / " << options_.save
                          << ".recv: the bytes are not saved\n";
        }
    }

    /// The lines that explain the trace's columns, printed once before it.
    static std::string legend(bool server) {
        std::string s =
            "# [seconds] send|recv OFFSET TYPE stream ID length N flags ...: one frame\n"
            "#   send: a frame we sent, recv: one we received; OFFSET: where its 9-octet\n"
            "#   header starts in that direction's byte stream (each direction counts\n"
            "#   from 0; the client's starts with the 24-octet preface, RFC 9113 §3.4)\n"
            "#   field blocks name the HPACK dynamic table they use: a connection has\n"
            "#   two, one per direction (RFC 9113 §4.3.1): the one for fields we send\n"
            "#   (our encoder's, mirrored by the peer's decoder) and the one for fields\n"
            "#   we receive (the peer's encoder's, mirrored by our decoder)\n";
        if (server) s += "#   #N: the connection, numbered from 1 in the order they arrive\n";
        return s;
    }

    void received(wire::bytes_view bytes) override {
        save(in_, bytes);
        feed(in_, bytes);
        flush(in_);
    }

    void sent(std::span<const wire::bytes_view> buffers) override {
        for (const auto& b : buffers) {
            save(out_dir_, b);
            feed(out_dir_, b);
        }
        flush(out_dir_);
    }

    void note(std::string_view text) override {
        if (!options_.print) return;
        std::ostringstream s;
        s << stamp() << "      " << text << '\n';
        emit(s.str());
    }

  private:
    struct direction {
        direction(const char* n, bool expect_preface, std::uint32_t table, bool grpc, sender from,
                  std::string table_name)
            : name(n),
              splitter(expect_preface),
              decoder(h2::max_max_frame_size, table, grpc, from) {
            decoder.table_name = std::move(table_name);
        }
        const char* name;
        h2::frame_splitter splitter;  ///< whole frames out of this direction's pieces
        frames_decoder decoder;
        std::ostringstream text;  ///< the lines of the frames decoded, until flush()
        std::ofstream file;       ///< --save: every octet of this direction
    };

    static void save(direction& d, wire::bytes_view bytes) {
        if (!d.file.is_open()) return;
        d.file.write(reinterpret_cast<const char*>(bytes.data()),
                     static_cast<std::streamsize>(bytes.size()));
        d.file.flush();
    }

    std::string stamp() const {
        const double t = std::chrono::duration<double>(clock::now() - start_).count();
        char buf[32];
        std::snprintf(buf, sizeof buf, "[%8.3f] ", t);
        return label_ + buf;
    }

    /// Decodes the frames `bytes` completes; their lines wait for flush().
    void feed(direction& d, wire::bytes_view bytes) {
        if (!options_.print) return;
        using kind = h2::frame_splitter::kind;
        d.splitter.feed(bytes);
        for (auto e = d.splitter.next(); e.what != kind::need_more; e = d.splitter.next()) {
            if (e.what == kind::preface) {
                d.text << stamp() << d.name << "  0"
                       << "  client preface \"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n\" ("
                       << h2::client_preface.size() << " octets, RFC 9113 §3.4)\n";
            } else if (e.what == kind::error) {
                d.text << stamp() << d.name << "  " << e.error.offset
                       << "  not the client preface (RFC 9113 §3.4): the rest of this "
                          "direction is not decoded\n";
            } else {
                std::ostringstream f;
                print_frame_text(f, d.decoder.decode(e.frame), {}, options_.raw);
                const std::string text = f.str();
                const std::string head = stamp() + d.name + "  ";
                const std::string pad(head.size(), ' ');
                std::size_t line = 0;
                while (line < text.size()) {
                    const std::size_t eol = text.find('\n', line);
                    d.text << (line == 0 ? head : pad) << text.substr(line, eol - line) << '\n';
                    if (eol == std::string::npos) break;
                    line = eol + 1;
                }
            }
        }
    }

    /// Prints the lines of the frames decoded since the last flush.
    void flush(direction& d) {
        emit(d.text.str());
        d.text.str({});
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
    frame_trace_options options_;
    direction in_;
    direction out_dir_;
};

}  // namespace h2pb::cli
