// h2pb::rpc::asio::server_context — the server's view of one call, as its
// handlers see it (deadline, metadata, cancellation). Only a placeholder:
// filled in by the server work. service.hpp declares it; generated services
// pass it through; tests construct one.
#pragma once

namespace h2pb::rpc::asio {

class server_context {
  public:
    server_context() = default;
};

}  // namespace h2pb::rpc::asio
