// h2pb frames — placeholder until the issue that builds it lands.
#include <iostream>

#include "commands.hpp"

int h2pb::cli::run_frames(int, char**) {
    std::cerr << "h2pb frames: not built yet\n";
    return 2;
}
