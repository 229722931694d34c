// h2pb::h2 — the bytes a connection has produced and the driver has not yet
// written to the transport.
//
// Frames are appended in the order they are produced. Frame headers, control
// frames and header blocks are written into a contiguous, reused buffer.
// DATA payloads can be *referenced* instead of copied (append_external): the
// output then is a gather list — control bytes, a payload the application
// owns, control bytes, ... — which a driver hands to one vectored write
// (writev, asio::async_write with a buffer sequence).
//
// Two generations, so that a write can be in flight while more is appended:
// buffers() hands out the oldest generation and freezes it; appends go to the
// other one. The bytes of a frozen generation never move, so the views stay
// valid until they are consumed, whatever is appended meanwhile. Once the
// frozen generation is drained, the next buffers() call freezes the other.
// A driver therefore loops: buffers() -> write -> consume(n) -> buffers()...
//
// Lifetime contract of referenced bytes: they must stay valid and unchanged
// until the driver has consumed them, i.e. until drained_total() has reached
// the queued_total() that was current right after they were appended. When
// the output is empty, nothing is referenced.
//
// Nothing here allocates once the buffers have reached their working size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::h2 {

class output_queue {
  public:
    /// The contiguous buffer control bytes are appended to. Whatever the
    /// caller appends becomes part of the output, after everything before it.
    wire::buffer& control() noexcept { return gen_[append_].control; }

    /// Appends bytes the caller keeps alive (see the lifetime contract above).
    void append_external(wire::bytes_view b) {
        if (b.empty()) return;
        generation& g = gen_[append_];
        g.segments.push_back({g.control.size(), b.data(), b.size()});
        g.external_size += b.size();
    }

    /// Octets waiting to be written (both generations).
    std::size_t size() const noexcept { return gen_[0].size() + gen_[1].size(); }
    bool empty() const noexcept { return size() == 0; }

    /// Total octets ever appended / consumed: the clock of the lifetime contract.
    std::uint64_t queued_total() const noexcept { return drained_total_ + size(); }
    std::uint64_t drained_total() const noexcept { return drained_total_; }

    /// The next octets to write, as a gather list. Their bytes stay valid
    /// until consumed, even if more is appended meanwhile. Empty when nothing
    /// is pending. May be a prefix of the pending output: call again after
    /// consume() for the rest.
    std::span<const wire::bytes_view> buffers() {
        if (gen_[frozen()].size() == 0 && gen_[append_].size() != 0) append_ = frozen();
        views_.clear();
        gen_[frozen()].collect(views_);
        return views_;
    }

    /// The driver wrote n octets of what buffers() returned (n <= their size).
    void consume(std::size_t n) noexcept {
        generation& g = gen_[frozen()];
        if (n > g.size()) n = g.size();
        drained_total_ += n;
        g.consume(n);
    }

    /// Drops everything pending (the connection is being torn down).
    void clear() noexcept {
        drained_total_ += size();
        gen_[0].reset();
        gen_[1].reset();
    }

  private:
    struct segment {
        std::size_t control_end;  ///< the control bytes before this external piece end here
        const wire::byte* data;
        std::size_t size;
    };

    struct generation {
        wire::buffer control;
        std::vector<segment> segments;
        std::size_t head = 0;                  ///< first segment not fully drained
        std::size_t head_external_offset = 0;  ///< drained octets of segments[head]'s piece
        std::size_t control_drained = 0;
        std::size_t external_size = 0;
        std::size_t external_drained = 0;

        std::size_t size() const noexcept {
            return control.size() - control_drained + external_size - external_drained;
        }

        void collect(std::vector<wire::bytes_view>& out) const {
            std::size_t ctrl = control_drained;
            for (std::size_t i = head; i < segments.size(); ++i) {
                const segment& s = segments[i];
                if (s.control_end > ctrl)
                    out.emplace_back(control.data() + ctrl, s.control_end - ctrl);
                if (s.control_end > ctrl) ctrl = s.control_end;
                const std::size_t skip = i == head ? head_external_offset : 0;
                if (s.size > skip) out.emplace_back(s.data + skip, s.size - skip);
            }
            if (control.size() > ctrl)
                out.emplace_back(control.data() + ctrl, control.size() - ctrl);
        }

        void consume(std::size_t n) noexcept {
            while (n > 0) {
                const std::size_t ctrl_end =
                    head < segments.size() ? segments[head].control_end : control.size();
                if (ctrl_end > control_drained) {
                    const std::size_t k =
                        n < ctrl_end - control_drained ? n : ctrl_end - control_drained;
                    control_drained += k;
                    n -= k;
                    continue;
                }
                const segment& s = segments[head];
                const std::size_t left = s.size - head_external_offset;
                const std::size_t k = n < left ? n : left;
                head_external_offset += k;
                external_drained += k;
                n -= k;
                if (head_external_offset == s.size) {
                    ++head;
                    head_external_offset = 0;
                }
            }
            if (size() == 0) reset();
        }

        void reset() noexcept {
            control.clear();
            segments.clear();
            head = 0;
            head_external_offset = 0;
            control_drained = 0;
            external_size = 0;
            external_drained = 0;
        }
    };

    int frozen() const noexcept { return 1 - append_; }

    generation gen_[2];
    int append_ = 0;  ///< the generation appends go to; the other is the one being written
    std::vector<wire::bytes_view> views_;
    std::uint64_t drained_total_ = 0;
};

}  // namespace h2pb::h2
