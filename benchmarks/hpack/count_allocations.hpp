// How many times the global operator new has run in this process.
#pragma once

#include <cstdint>

namespace h2pb_bench {
std::uint64_t allocations() noexcept;
}
