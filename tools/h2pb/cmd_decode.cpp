// h2pb decode — placeholder until the issue that builds it lands.
#include <iostream>

#include "commands.hpp"

int h2pb::cli::run_decode(int, char**) {
    std::cerr << "h2pb decode: not built yet\n";
    return 2;
}
