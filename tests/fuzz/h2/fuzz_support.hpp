// Shared by the h2 fuzz targets: checks that what a connection writes is
// always a well-formed HTTP/2 byte stream, whatever it was fed.
#pragma once

#include <cstdlib>
#include <string>

#include <h2pb/h2/connection.hpp>
#include <h2pb/h2/frame.hpp>

namespace h2pb::fuzz {

/// Drains the connection's output and checks every frame in it with the
/// real parser. Aborts (a fuzzer finding) on a malformed frame of our own.
class output_checker {
  public:
    explicit output_checker(bool client) : expect_preface_(client) {}

    void drain_and_check(h2::connection& c) {
        while (c.want_write()) {
            std::size_t n = 0;
            for (auto b : c.output()) {
                pending_.append(wire::as_chars(b));
                n += b.size();
            }
            c.consume_output(n);
        }
        std::size_t pos = 0;
        if (expect_preface_) {
            if (pending_.size() < h2::client_preface.size()) return;
            if (!std::string_view(pending_).starts_with(h2::client_preface)) std::abort();
            pos = h2::client_preface.size();
            expect_preface_ = false;
        }
        while (pending_.size() - pos >= h2::frame_header_size) {
            const auto* p = reinterpret_cast<const wire::byte*>(pending_.data() + pos);
            const auto h = h2::parse_frame_header(p);
            if (pending_.size() - pos - h2::frame_header_size < h.length) break;
            const auto r = h2::parse_frame(h, wire::bytes_view(p + h2::frame_header_size, h.length),
                                           h2::max_max_frame_size);
            if (!r) std::abort();  // we wrote a frame that breaks the RFC
            pos += h2::frame_header_size + h.length;
        }
        pending_.erase(0, pos);
    }

  private:
    bool expect_preface_;
    std::string pending_;
};

}  // namespace h2pb::fuzz
