// h2pb::h2 — per-stream state and the table that holds it.
//
// A connection keeps one `stream` per stream that is not closed (and not
// idle): its §5.1 state, both flow-control windows, and what the HTTP
// message rules (§8.1) need to remember between frames.
//
// Storage does not allocate per stream in steady state: streams live in
// fixed-size slabs and are recycled through a free list, and the id -> stream
// index is an open-addressing hash table (linear probing, backward-shift
// deletion, no tombstones) that only allocates when it grows. Stream
// addresses are stable for the stream's lifetime. Closed streams leave the
// table at once; what the connection must remember about them afterwards
// fits in `closed_streams` (a bounded ring of recently closed ids).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <h2pb/h2/flow_control.hpp>
#include <h2pb/h2/stream_state.hpp>

namespace h2pb::h2 {

struct stream {
    std::uint32_t id = 0;  ///< 0: a free slot
    stream_state state = stream_state::idle;
    send_window send;  ///< what we may send
    recv_window recv;  ///< what the peer may send

    // Receiving an HTTP message (§8.1).
    bool initial_headers_received = false;  ///< the request, or the final (non-1xx) response
    bool no_content_expected = false;  ///< response to HEAD, 204, 304: content-length not checked
    bool content_length_known = false;
    std::uint64_t content_remaining = 0;  ///< octets content-length still announces

    // Sending.
    bool local_headers_sent = false;  ///< we sent the header section of our message
    bool request_was_head = false;    ///< client: we sent :method HEAD
    bool local_initiated = false;
    bool data_sent_since_window_update = false;  ///< a WINDOW_UPDATE from the peer is warranted

    // The queue of streams waiting for send capacity (connection.hpp).
    bool blocked = false;
    stream* blocked_prev = nullptr;
    stream* blocked_next = nullptr;

    void* user_data = nullptr;  ///< the application's, untouched by h2pb
};

/// Streams by id. See the top of the file for the storage strategy.
class stream_table {
  public:
    stream_table() { grow_index(64); }
    stream_table(const stream_table&) = delete;
    stream_table& operator=(const stream_table&) = delete;

    std::size_t size() const noexcept { return size_; }

    stream* find(std::uint32_t id) const noexcept {
        if (id == 0) return nullptr;
        for (std::size_t i = slot_of(id);; i = (i + 1) & mask_) {
            const entry& e = index_[i];
            if (e.id == id) return e.s;
            if (e.id == 0) return nullptr;
        }
    }

    /// A fresh stream for `id` (which must not be present).
    stream* insert(std::uint32_t id) {
        if ((size_ + 1) * 2 > index_.size()) grow_index(index_.size() * 2);
        stream* s = allocate();
        *s = stream{};
        s->id = id;
        place(id, s);
        ++size_;
        return s;
    }

    void erase(stream* s) noexcept {
        // Backward-shift deletion: close the gap so that probes stay unbroken.
        std::size_t i = slot_of(s->id);
        while (index_[i].id != s->id) i = (i + 1) & mask_;
        std::size_t hole = i;
        for (std::size_t j = (i + 1) & mask_; index_[j].id != 0; j = (j + 1) & mask_) {
            const std::size_t home = slot_of(index_[j].id);
            // Move j into the hole if its home is not in (hole, j] (cyclically).
            const bool between =
                hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!between) {
                index_[hole] = index_[j];
                hole = j;
            }
        }
        index_[hole] = entry{};
        --size_;
        s->id = 0;
        free_.push_back(s);
    }

    /// Calls f(stream&) for every stream (order unspecified). f must not
    /// insert or erase.
    template <class F>
    void for_each(F&& f) const {
        for (const entry& e : index_)
            if (e.id != 0) f(*e.s);
    }

  private:
    struct entry {
        std::uint32_t id = 0;
        stream* s = nullptr;
    };
    static constexpr std::size_t slab_size = 32;

    std::size_t slot_of(std::uint32_t id) const noexcept {
        // Ids of one endpoint step by 2: drop the parity bit. Multiplying by an
        // odd constant is a bijection modulo 2^k, so consecutive ids fill
        // distinct slots.
        return static_cast<std::size_t>((id >> 1) * 0x9E3779B1u) & mask_;
    }

    void place(std::uint32_t id, stream* s) noexcept {
        std::size_t i = slot_of(id);
        while (index_[i].id != 0) i = (i + 1) & mask_;
        index_[i] = {id, s};
    }

    void grow_index(std::size_t capacity) {
        std::vector<entry> old = std::move(index_);
        index_.assign(capacity, entry{});
        mask_ = capacity - 1;
        for (const entry& e : old)
            if (e.id != 0) place(e.id, e.s);
    }

    stream* allocate() {
        if (free_.empty()) {
            slabs_.push_back(std::make_unique<stream[]>(slab_size));
            stream* slab = slabs_.back().get();
            free_.reserve(free_.size() + slab_size);
            for (std::size_t i = slab_size; i-- > 0;) free_.push_back(slab + i);
        }
        stream* s = free_.back();
        free_.pop_back();
        return s;
    }

    std::vector<std::unique_ptr<stream[]>> slabs_;
    std::vector<stream*> free_;
    std::vector<entry> index_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

/// How a stream that left the table was closed: what decides the fate of
/// frames that still arrive for it (§5.1 "closed").
enum class close_reason : std::uint8_t {
    end_stream,   ///< both sides sent END_STREAM, or the peer reset it
    reset_by_us,  ///< we sent RST_STREAM: the peer's frames in flight are ignored
};

/// A bounded memory of recently closed streams (oldest forgotten first).
class closed_streams {
  public:
    explicit closed_streams(std::size_t capacity = 128) : ring_(capacity ? capacity : 1) {}

    void remember(std::uint32_t id, close_reason why) noexcept {
        ring_[next_] = {id, why};
        next_ = (next_ + 1) % ring_.size();
    }

    /// The reason `id` was closed, if it is still remembered.
    const close_reason* find(std::uint32_t id) const noexcept {
        for (const auto& e : ring_)
            if (e.id == id) return &e.why;
        return nullptr;
    }

    void set_capacity(std::size_t n) {
        ring_.assign(n ? n : 1, {});
        next_ = 0;
    }

  private:
    struct item {
        std::uint32_t id = 0;
        close_reason why = close_reason::end_stream;
    };
    std::vector<item> ring_;
    std::size_t next_ = 0;
};

}  // namespace h2pb::h2
