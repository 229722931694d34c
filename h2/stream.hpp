// h2pb::h2 — per-stream state and the table that holds it.
//
// A connection keeps one `stream` per stream that is not closed (and not
// idle): its §5.1 state, both flow-control windows, and what the HTTP
// message rules (§8.1) need to remember between frames.
//
// Storage does not allocate per stream in steady state: streams live in
// slabs and are recycled through a free list, and the id -> stream index is
// an open-addressing hash table (linear probing, backward-shift deletion, no
// tombstones) that only allocates when it grows. Both start empty and grow
// with the number of streams open at once (slabs of 4, 4, 8, 16, then 32
// streams; an index of 8 slots, doubling), so a connection that runs one
// stream at a time holds a few hundred octets for them. Stream addresses are
// stable for the stream's lifetime. Closed streams leave the table at once;
// what the connection must remember about them afterwards fits in
// `closed_streams` (a bounded ring of recently closed ids, also grown on
// demand).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <h2pb/h2/flow_control.hpp>
#include <h2pb/h2/stream_state.hpp>

namespace h2pb::h2 {

// The §5.1 state is `state` alone, and only the table changes it
// (stream_state.hpp; connection.hpp's step_local / step_peer). The flags below
// are not copies of it: each records something the diagram does not tell
// apart, and says what.
struct stream {
    std::uint32_t id = 0;  ///< 0: a free slot
    stream_state state = stream_state::idle;
    send_window send;  ///< what we may send
    recv_window recv;  ///< what the peer may send

    // Receiving an HTTP message (§8.1).
    /// The request, or the final (non-1xx) response. Not a state: "open" is
    /// reached by either side's HEADERS, and a 1xx response is a HEADERS that
    /// leaves the message's header section still to come (§8.1).
    bool initial_headers_received = false;
    bool no_content_expected = false;  ///< response to HEAD, 204, 304: content-length not checked
    bool content_length_known = false;
    std::uint64_t content_remaining = 0;  ///< octets content-length still announces

    // Sending.
    /// We sent the header section of our message (DATA may follow). Not a
    /// state: a server's stream is "open" from the request on, before its
    /// response, and a 1xx is a send_headers event that leaves this false.
    bool local_headers_sent = false;
    bool request_was_head = false;  ///< client: we sent :method HEAD
    bool local_initiated = false;
    /// WINDOW_UPDATEs from the peer that our DATA frames warrant (free of the
    /// flood budget): h2::window_updates_per_data_frame per frame sent.
    std::uint32_t window_updates_earned = 0;

    // The queue of streams waiting for send capacity (connection.hpp).
    bool blocked = false;
    stream* blocked_prev = nullptr;
    stream* blocked_next = nullptr;

    void* user_data = nullptr;  ///< the application's, untouched by h2pb
};

/// Streams by id. See the top of the file for the storage strategy.
class stream_table {
  public:
    stream_table() = default;
    stream_table(const stream_table&) = delete;
    stream_table& operator=(const stream_table&) = delete;

    std::size_t size() const noexcept { return size_; }
    /// Streams the slabs hold (open or free).
    std::size_t slab_capacity() const noexcept { return allocated_; }
    /// Slots of the id index.
    std::size_t index_capacity() const noexcept { return index_.size(); }

    stream* find(std::uint32_t id) const noexcept {
        if (id == 0) return nullptr;
        // Before the first insert, slots_ is one empty sentinel slot.
        for (std::size_t i = slot_of(id);; i = (i + 1) & mask_) {
            const entry& e = slots_[i];
            if (e.id == id) return e.s;
            if (e.id == 0) return nullptr;
        }
    }

    /// A fresh stream for `id` (which must not be present).
    stream* insert(std::uint32_t id) {
        if ((size_ + 1) * 2 > index_.size()) grow_index(std::max(min_index, index_.size() * 2));
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
        if (size_ == 0) return;
        for (const entry& e : index_)
            if (e.id != 0) f(*e.s);
    }

    /// With no stream open, frees the slabs and the index (they grow again
    /// with the next streams). Stream pointers handed out before are then
    /// invalid: not while a caller may still look at a closed stream.
    void release_if_empty() noexcept {
        if (size_ != 0) return;
        slabs_ = decltype(slabs_)();
        free_ = decltype(free_)();
        index_ = decltype(index_)();
        slots_ = empty_index();
        mask_ = 0;
        allocated_ = 0;
    }

  private:
    struct entry {
        std::uint32_t id = 0;
        stream* s = nullptr;
    };
    /// Slabs double from min_slab up to max_slab streams; the index starts
    /// at min_index slots and is kept at most half full.
    static constexpr std::size_t min_slab = 4;
    static constexpr std::size_t max_slab = 32;
    static constexpr std::size_t min_index = 8;

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
        slots_ = index_.data();
        mask_ = capacity - 1;
        for (const entry& e : old)
            if (e.id != 0) place(e.id, e.s);
    }

    stream* allocate() {
        if (free_.empty()) {
            const std::size_t n = std::min(max_slab, std::max(min_slab, allocated_));
            slabs_.push_back(std::make_unique<stream[]>(n));
            stream* slab = slabs_.back().get();
            allocated_ += n;
            free_.reserve(allocated_);
            for (std::size_t i = n; i-- > 0;) free_.push_back(slab + i);
        }
        stream* s = free_.back();
        free_.pop_back();
        return s;
    }

    std::vector<std::unique_ptr<stream[]>> slabs_;
    std::vector<stream*> free_;
    /// The one empty slot an unallocated index probes.
    static const entry* empty_index() noexcept {
        static constexpr entry empty{};
        return &empty;
    }

    std::vector<entry> index_;
    const entry* slots_ = empty_index();  ///< index_.data(), or the sentinel while it is empty
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
    std::size_t allocated_ = 0;  ///< streams in the slabs
};

/// How a stream that left the table was closed: what decides the fate of
/// frames that still arrive for it. The state is "closed" either way; §5.1
/// closed and §5.4.2 tell the two apart: after sending RST_STREAM "the peer
/// ... might have already sent" frames, which the endpoint "MUST minimally
/// process and then discard", while after END_STREAM both ways (or the
/// peer's RST_STREAM) DATA and HEADERS are errors (stream_state.hpp's
/// receive table, closed row).
enum class close_reason : std::uint8_t {
    end_stream,   ///< both sides sent END_STREAM, or the peer reset it (or refused it in GOAWAY)
    reset_by_us,  ///< we sent RST_STREAM: the peer's frames in flight are ignored
};

/// A bounded memory of recently closed streams (oldest forgotten first). Its
/// ring grows as streams close, up to the capacity.
class closed_streams {
  public:
    explicit closed_streams(std::size_t capacity = 128) : capacity_(capacity ? capacity : 1) {}

    void remember(std::uint32_t id, close_reason why) {
        if (ring_.size() < capacity_) {
            ring_.push_back({id, why});
            return;
        }
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
        capacity_ = n ? n : 1;
        ring_ = decltype(ring_)();
        next_ = 0;
    }
    std::size_t capacity() const noexcept { return capacity_; }
    /// Entries the ring holds now (at most capacity()).
    std::size_t size() const noexcept { return ring_.size(); }

  private:
    struct item {
        std::uint32_t id = 0;
        close_reason why = close_reason::end_stream;
    };
    std::vector<item> ring_;
    std::size_t capacity_;
    std::size_t next_ = 0;  ///< once full: the oldest entry, overwritten next
};

}  // namespace h2pb::h2
