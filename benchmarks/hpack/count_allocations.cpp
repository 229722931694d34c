// Replaces the global operator new/delete of the benchmark binary to count
// every C++ allocation (kept in its own translation unit so that the
// replacements are never inlined into callers).
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "count_allocations.hpp"

namespace {
std::atomic<std::uint64_t> count{0};

void* counted(std::size_t n) {
    count.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
}  // namespace

std::uint64_t h2pb_bench::allocations() noexcept {
    return count.load(std::memory_order_relaxed);
}

void* operator new(std::size_t n) {
    return counted(n);
}
void* operator new[](std::size_t n) {
    return counted(n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
