// h2pb serve — placeholder until the issue that builds it lands.
#include <iostream>

#include "commands.hpp"

int h2pb::cli::run_serve(int, char**) {
    std::cerr << "h2pb serve: not built yet\n";
    return 2;
}
