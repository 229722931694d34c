// The h2pb subcommands. Each lives in its own cmd_*.cpp and returns the exit
// status: 0 success, 1 the input broke a rule (the message names offset and
// rule), 2 bad usage.
#pragma once

namespace h2pb::cli {

int run_decode(int argc, char** argv);  // h2pb decode  — protobuf bytes, annotated
int run_hpack(int argc, char** argv);   // h2pb hpack   — HPACK field blocks
int run_frames(int argc, char** argv);  // h2pb frames  — HTTP/2 frames of a byte stream
int run_serve(int argc, char** argv);   // h2pb serve   — HTTP/2 server
int run_get(int argc, char** argv);     // h2pb get     — HTTP/2 client
int run_trace(int argc, char** argv);   // h2pb trace   — an annotating HTTP/2 proxy
int run_call(int argc, char** argv);    // h2pb call    — a gRPC client with JSON in and out
int run_interop_server(int argc, char** argv);  // h2pb interop-server — grpc.testing.TestService
int run_interop_client(int argc, char** argv);  // h2pb interop-client — grpc's interop test cases

}  // namespace h2pb::cli
