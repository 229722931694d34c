// h2pb::hpack — the decoder's scratch memory for one header block.
//
// The decoder hands out name/value views that must stay valid until the next
// block is decoded. Views of raw literals point into the block itself; what
// has to be produced (Huffman-decoded strings, copies of dynamic table entries,
// whose octets later insertions in the same block may overwrite) is written
// here. A scratch is a list of chunks that never move: a view into one stays
// valid until reset(), however much is written after it. Chunks are kept
// across blocks, so a decoder in steady state allocates nothing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace h2pb::hpack {

class scratch {
  public:
    /// Size of the first chunk; later ones double, or fit the request.
    static constexpr std::size_t first_chunk_size = 512;
    /// After a block that needed more than this, reset() releases the chunks
    /// beyond it, so one pathological block does not pin memory for the life
    /// of the connection.
    static constexpr std::size_t retained_size = std::size_t{256} * 1024;

    /// Forgets everything written; views handed out before become invalid.
    void reset() noexcept {
        if (total_ > retained_size) trim();
        current_ = 0;
        if (chunks_.empty()) {
            pos_ = end_ = nullptr;
        } else {
            pos_ = chunks_[0].data.get();
            end_ = pos_ + chunks_[0].size;
        }
    }

    /// Room for n octets; write into it, then commit() the end of what was
    /// written. The room stays put (a later reserve() never moves it).
    std::uint8_t* reserve(std::size_t n) {
        if (static_cast<std::size_t>(end_ - pos_) >= n) [[likely]]
            return pos_;
        return next_chunk(n);
    }
    /// Marks the octets up to `written_end` (inside the last reserve()) as used.
    void commit(std::uint8_t* written_end) noexcept { pos_ = written_end; }

    /// Copies n octets in and returns where they now live.
    const std::uint8_t* copy(const void* src, std::size_t n) {
        std::uint8_t* p = reserve(n);
        if (n != 0) std::memcpy(p, src, n);
        pos_ = p + n;
        return p;
    }

    /// Octets of memory held (for tests and diagnostics).
    std::size_t capacity() const noexcept { return total_; }

  private:
    struct chunk {
        std::unique_ptr<std::uint8_t[]> data;
        std::size_t size = 0;
    };

    std::uint8_t* next_chunk(std::size_t n) {
        // Later chunks kept from earlier blocks are reused when large enough.
        while (current_ + 1 < chunks_.size()) {
            ++current_;
            if (chunks_[current_].size >= n) return enter(current_);
        }
        const std::size_t last = chunks_.empty() ? 0 : chunks_.back().size;
        const std::size_t size = std::max({n, first_chunk_size, last * 2});
        chunks_.push_back({std::make_unique_for_overwrite<std::uint8_t[]>(size), size});
        total_ += size;
        current_ = chunks_.size() - 1;
        return enter(current_);
    }
    std::uint8_t* enter(std::size_t i) noexcept {
        pos_ = chunks_[i].data.get();
        end_ = pos_ + chunks_[i].size;
        return pos_;
    }
    void trim() noexcept {
        chunks_.clear();
        total_ = 0;
    }

    std::vector<chunk> chunks_;
    std::size_t current_ = 0;
    std::size_t total_ = 0;
    std::uint8_t* pos_ = nullptr;
    std::uint8_t* end_ = nullptr;
};

}  // namespace h2pb::hpack
