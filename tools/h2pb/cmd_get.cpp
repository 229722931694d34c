// h2pb get — placeholder until the issue that builds it lands.
#include <iostream>

#include "commands.hpp"

int h2pb::cli::run_get(int, char**) {
    std::cerr << "h2pb get: not built yet\n";
    return 2;
}
