// How many heap allocations (malloc, calloc, realloc; C++ new goes through
// malloc) this process has made.
#pragma once

#include <cstdint>

namespace h2pb_bench {
std::uint64_t allocations() noexcept;
}
