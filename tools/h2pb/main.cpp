// h2pb — look at the gRPC wire layer by layer.
#include <cstring>
#include <iostream>
#include <string_view>

#include "commands.hpp"
#include "h2pb_tools_version.hpp"  // H2PB_TOOLS_VERSION, meson's project version

namespace {

struct subcommand {
    std::string_view name;
    std::string_view summary;
    int (*run)(int argc, char** argv);  // argv[0] is the subcommand name
};

constexpr subcommand subcommands[] = {
    {"decode", "explain protobuf bytes field by field (--grpc for a 5-byte-prefixed message)",
     h2pb::cli::run_decode},
    {"hpack", "decode or encode HPACK field blocks, showing every representation",
     h2pb::cli::run_hpack},
    {"frames", "decode a captured HTTP/2 byte stream into annotated frames", h2pb::cli::run_frames},
    {"serve", "an HTTP/2 server (h2c and TLS) with a file root and an echo endpoint",
     h2pb::cli::run_serve},
    {"get", "an HTTP/2 client: fetch a URL and print status, headers, body, trailers",
     h2pb::cli::run_get},
    {"trace", "a transparent HTTP/2 and gRPC proxy that prints every frame as it passes",
     h2pb::cli::run_trace},
    {"call", "a gRPC client for any server (grpcurl-like): JSON in, JSON out, list, describe",
     h2pb::cli::run_call},
#ifdef H2PB_HAVE_INTEROP_SERVER
    {"interop-server", "a gRPC server of grpc.testing.TestService, for interop clients",
     h2pb::cli::run_interop_server},
    {"interop-client", "gRPC's interop test cases with h2pb's gRPC client, against any server",
     h2pb::cli::run_interop_client},
#endif
};

void usage(std::ostream& out) {
    out << "usage: h2pb COMMAND [ARGS...]\n\ncommands:\n";
    for (const auto& c : subcommands)
        out << "  " << c.name << std::string(c.name.size() < 16 ? 16 - c.name.size() : 1, ' ')
            << c.summary << '\n';
    out << "\n'h2pb COMMAND --help' describes a command; 'h2pb --version' prints the version.\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? std::cerr : std::cout);
        return argc < 2 ? 2 : 0;
    }
    if (std::strcmp(argv[1], "--version") == 0) {
        std::cout << "h2pb " << H2PB_TOOLS_VERSION << '\n';
        return 0;
    }
    for (const auto& c : subcommands) {
        if (c.name == argv[1]) return c.run(argc - 1, argv + 1);
    }
    std::cerr << "h2pb: unknown command '" << argv[1] << "'\n";
    usage(std::cerr);
    return 2;
}
