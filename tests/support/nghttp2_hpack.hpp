// nghttp2's public HPACK API (nghttp2_hd_deflate_hd, nghttp2_hd_inflate_hd2)
// behind two small RAII classes, for the interop tests and the benchmark.
// Test and benchmark code only: h2pb never links nghttp2.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace h2pb::test::nghttp2 {

/// Counts nghttp2's allocations when passed to the constructors below.
struct counting_allocator {
    std::uint64_t allocations = 0;
    nghttp2_mem mem{this, &malloc_fn, &free_fn, &calloc_fn, &realloc_fn};

    static void* malloc_fn(size_t size, void* self) {
        ++static_cast<counting_allocator*>(self)->allocations;
        return std::malloc(size);
    }
    static void free_fn(void* p, void*) { std::free(p); }
    static void* calloc_fn(size_t n, size_t size, void* self) {
        ++static_cast<counting_allocator*>(self)->allocations;
        return std::calloc(n, size);
    }
    static void* realloc_fn(void* p, size_t size, void* self) {
        ++static_cast<counting_allocator*>(self)->allocations;
        return std::realloc(p, size);
    }
};

class deflater {
  public:
    explicit deflater(std::size_t max_table_size = 4096, nghttp2_mem* mem = nullptr) {
        if (nghttp2_hd_deflate_new2(&d_, max_table_size, mem) != 0) throw std::bad_alloc();
    }
    deflater(const deflater&) = delete;
    deflater& operator=(const deflater&) = delete;
    ~deflater() { nghttp2_hd_deflate_del(d_); }

    /// The peer's SETTINGS_HEADER_TABLE_SIZE changed.
    void change_table_size(std::size_t size) {
        if (nghttp2_hd_deflate_change_table_size(d_, size) != 0)
            throw std::runtime_error("nghttp2 table size");
    }

    /// Encodes one header block into `out` (resized to fit). Returns its length.
    std::size_t deflate(const nghttp2_nv* nva, std::size_t n, std::vector<std::uint8_t>& out) {
        const std::size_t bound = nghttp2_hd_deflate_bound(d_, nva, n);
        if (out.size() < bound) out.resize(bound);
        const auto r = nghttp2_hd_deflate_hd(d_, out.data(), out.size(), nva, n);
        if (r < 0)
            throw std::runtime_error(std::string("nghttp2_hd_deflate_hd: ") +
                                     nghttp2_strerror(static_cast<int>(r)));
        return static_cast<std::size_t>(r);
    }

    nghttp2_hd_deflater* get() const noexcept { return d_; }

  private:
    nghttp2_hd_deflater* d_ = nullptr;
};

class inflater {
  public:
    explicit inflater(nghttp2_mem* mem = nullptr) {
        if (nghttp2_hd_inflate_new2(&i_, mem) != 0) throw std::bad_alloc();
    }
    inflater(const inflater&) = delete;
    inflater& operator=(const inflater&) = delete;
    ~inflater() { nghttp2_hd_inflate_del(i_); }

    /// Our acknowledged SETTINGS_HEADER_TABLE_SIZE changed.
    void change_table_size(std::size_t size) {
        if (nghttp2_hd_inflate_change_table_size(i_, size) != 0)
            throw std::runtime_error("nghttp2 table size");
    }

    /// Decodes one whole block, calling on_field(nghttp2_nv&) per field.
    /// Returns false when nghttp2 rejects the block.
    template <class OnField>
    bool inflate(const std::uint8_t* in, std::size_t inlen, OnField&& on_field) {
        for (;;) {
            nghttp2_nv nv;
            int flags = 0;
            const auto r = nghttp2_hd_inflate_hd2(i_, &nv, &flags, in, inlen, 1);
            if (r < 0) return false;
            in += r;
            inlen -= static_cast<std::size_t>(r);
            if (flags & NGHTTP2_HD_INFLATE_EMIT) on_field(nv);
            if (flags & NGHTTP2_HD_INFLATE_FINAL) {
                nghttp2_hd_inflate_end_headers(i_);
                return true;
            }
            if ((flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && inlen == 0) return false;
        }
    }

  private:
    nghttp2_hd_inflater* i_ = nullptr;
};

/// An nghttp2_nv view of a name/value pair (no copy; nghttp2 does not write).
inline nghttp2_nv make_nv(std::string_view name, std::string_view value, bool no_index = false) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
            value.size(),
            static_cast<std::uint8_t>(no_index ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE)};
}

}  // namespace h2pb::test::nghttp2
