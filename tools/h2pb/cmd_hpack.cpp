// h2pb hpack — placeholder until the issue that builds it lands.
#include <iostream>

#include "commands.hpp"

int h2pb::cli::run_hpack(int, char**) {
    std::cerr << "h2pb hpack: not built yet\n";
    return 2;
}
