// Counts every heap allocation of the benchmark binary by interposing glibc's
// malloc, calloc and realloc (the executable's definitions take precedence
// over libc's for the whole process, so nghttp2's allocations and C++ new are
// counted too). The real work is done by glibc's __libc_* entry points.
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "count_allocations.hpp"

// These are glibc's names for its own allocator (exported for exactly this
// use); the reserved spelling is theirs, not ours to change.
// NOLINTBEGIN(bugprone-reserved-identifier)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
}
// NOLINTEND(bugprone-reserved-identifier)

namespace {
std::atomic<std::uint64_t> count{0};
}

std::uint64_t h2pb_bench::allocations() noexcept {
    return count.load(std::memory_order_relaxed);
}

extern "C" {
void* malloc(std::size_t n) {
    count.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t m) {
    count.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(n, m);
}
void* realloc(void* p, std::size_t n) {
    count.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(p, n);
}
void free(void* p) {
    __libc_free(p);
}
}
