// h2pb serve — an HTTP/2 server for conformance tests and demos: the files
// of a directory, and an echo endpoint; h2c (prior knowledge) or TLS with
// ALPN h2; --trace prints every frame as `h2pb frames` would.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <h2pb/h2/asio/server.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "frame_trace.hpp"
#include "serve_loop.hpp"

namespace h2pb::cli {
namespace {

namespace ha = h2::asio;
using namespace std::chrono_literals;

constexpr std::string_view serve_help = R"(usage: h2pb serve [OPTIONS]

An HTTP/2 server: GET and HEAD of the files under --root, and an echo
endpoint. Cleartext HTTP/2 with prior knowledge (h2c), or TLS with ALPN h2
when --tls-cert and --tls-key are given. The first line of standard output
is "listening on HOST:PORT" (with --port 0 the kernel picks the port).
SIGINT or SIGTERM shuts down gracefully (GOAWAY, streams in flight finish
within --grace seconds); a second signal closes at once.

Endpoints:
  /echo               answers with the request body, streamed back as it
                      arrives; every request header comes back as a response
                      header "x-echo-NAME" (pseudo-headers without the colon),
                      and the trailers carry "x-echo-length" (body octets) and
                      each request trailer as "x-echo-trailer-NAME"
  /anything/else      the file ROOT/anything/else (a directory: its index.html,
                      or a listing), answered once the request has ended
                      (END_STREAM), its body discarded

Options:
  --port N            port to listen on (default 0: any free port)
  --host ADDR         address to listen on (default 127.0.0.1)
  --root DIR          directory to serve (default: the current directory)
  --tls-cert FILE     certificate chain (PEM); with --tls-key: TLS, ALPN h2
  --tls-key FILE      private key (PEM)
  --threads N         threads, one io_context each (default 1)
  --shared-context    one io_context run by all threads, a strand per connection
  --trace             print every frame sent and received, annotated as
                      `h2pb frames` does, after a legend of the columns: the
                      number after send/recv is the frame's offset in that
                      direction's byte stream; each field block names the
                      HPACK table it used (one per direction, RFC 9113 §4.3.1)
  --raw               with --trace: each frame's 9 header octets too
  --grpc              with --trace: DATA payloads are gRPC streams, show each
                      Length-Prefixed-Message (`h2pb decode` explains them)
  --save PREFIX       write each connection's bytes to PREFIX.N.recv (from the
                      client, preface first) and PREFIX.N.send (to it), N the
                      connection number; `h2pb frames --file` reads them
  --grace SECONDS     graceful shutdown deadline (default 10)
  --idle-timeout S    close connections idle this long (default 300, 0: never)
  --settings-timeout S  time for the peer's preface and SETTINGS ACK (default 10)
  --handshake-timeout S TLS handshake timeout (default 10)
  --keepalive S       PING after S seconds without input (default 7200, 0: never)
  --keepalive-timeout S  time for the PING's ACK (default 20)
  --max-output N      unwritten output (octets) above which reading stops
                      (default 2097152); DATA is held at half of it
  --max-concurrent-streams N   SETTINGS_MAX_CONCURRENT_STREAMS (default 100)
  --window N          per-stream receive window in octets (default 262144)
  --no-content-cache  read small files at every request (pread, as nghttpd);
                      by default their content is kept per thread and
                      re-checked with stat() every second

SSLKEYLOGFILE is honoured (TLS secrets for Wireshark).
)";

int usage_error(const std::string& msg) {
    return cli::report_usage_error("serve", msg);
}

std::optional<unsigned long> parse_number(const std::string& s, unsigned long max) {
    unsigned long v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v > max) return std::nullopt;
    return v;
}

/// "2", "0.5": seconds as a duration (0 allowed).
std::optional<ha::duration> parse_seconds(const std::string& s) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !(v >= 0) || v > 1e7) return std::nullopt;
    return std::chrono::duration_cast<ha::duration>(std::chrono::duration<double>(v));
}

// ---------------------------------------------------------------- files

std::string_view content_type(std::string_view path) {
    const auto dot = path.rfind('.');
    const std::string_view ext =
        dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
    if (ext == "txt" || ext == "md") return "text/plain; charset=utf-8";
    if (ext == "css") return "text/css";
    if (ext == "js") return "text/javascript";
    if (ext == "json") return "application/json";
    if (ext == "png") return "image/png";
    if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "proto") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

/// RFC 9110 §5.6.7 IMF-fixdate.
std::string http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf, n);
}

/// The clocks of the per-request paths: the coarse variants (the kernel's
/// time of the last tick, a few milliseconds old) read a shared page and
/// nothing else, where the precise ones read the TSC and convert; a Date
/// header and a one-second cache check need no more than the tick.
inline std::time_t coarse_wall_seconds() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return ts.tv_sec;
}
inline std::chrono::nanoseconds coarse_monotonic() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

/// The Date field of this second, formatted once per second per thread.
std::string_view date_now() {
    thread_local std::time_t cached = 0;
    thread_local std::string text;
    const std::time_t now = coarse_wall_seconds();
    if (now != cached) {
        cached = now;
        text = http_date(now);
    }
    return text;
}

/// The :path as a file path under the root: query dropped, %XX decoded; no
/// ".." segment, no NUL. Empty when the path is refused.
std::string file_path(std::string_view path) {
    if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    if (path.empty() || path.front() != '/') return {};
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        char c = path[i];
        if (c == '%') {
            if (i + 2 >= path.size()) return {};
            unsigned v = 0;
            const auto r = std::from_chars(path.data() + i + 1, path.data() + i + 3, v, 16);
            if (r.ptr != path.data() + i + 3) return {};
            c = static_cast<char>(v);
            i += 2;
        }
        if (c == '\0') return {};
        out += c;
    }
    std::size_t start = 0;
    while (start <= out.size()) {
        const std::size_t end = std::min(out.find('/', start), out.size());
        if (out.compare(start, end - start, "..") == 0 && end - start == 2) return {};
        start = end + 1;
    }
    return out;
}

/// A file mapped into memory; unmapped when the last owner lets go (after
/// the connection has written what referenced it).
struct mapping {
    void* data = nullptr;
    std::size_t size = 0;
    ~mapping() {
        if (data) ::munmap(data, size);
    }
};

/// Files up to this size are read into a per-thread buffer and copied into
/// the connection's output; larger ones are mapped and sent without a copy.
constexpr std::size_t small_file = std::size_t{64} * 1024;

void send_text(ha::response& res, unsigned status, std::string_view text) {
    const std::string length = std::to_string(text.size());
    res.send_headers(status, {{"content-type", "text/plain; charset=utf-8"},
                              {"content-length", length},
                              {"server", "h2pb"},
                              {"date", date_now()}});
    res.send(wire::as_bytes(text), true);
}

std::string html_escape(std::string_view s) {
    std::string o;
    for (char c : s) {
        switch (c) {
            case '<':
                o += "&lt;";
                break;
            case '>':
                o += "&gt;";
                break;
            case '&':
                o += "&amp;";
                break;
            case '"':
                o += "&quot;";
                break;
            default:
                o += c;
        }
    }
    return o;
}

/// Open files, per thread, as nghttpd keeps them: the descriptor, size and
/// Last-Modified of a path, re-checked with stat() once it is older than
/// `file_cache_ttl`, so that a request costs one pread() instead of
/// open + fstat + read + close — or no system call at all: the content of a
/// small file is kept too (unless --no-content-cache), and a change shows
/// within `file_cache_ttl`. Bounded: past `file_cache_entries` paths the
/// cache is emptied.
struct cached_file {
    int fd = -1;
    std::size_t size = 0;
    std::time_t mtime = 0;
    ino_t inode = 0;
    std::string modified;  ///< Last-Modified, formatted
    std::string path;      ///< the file actually served (index.html of a directory)
    std::string content;   ///< a small file's octets, when content caching is on
    bool has_content = false;
    std::chrono::nanoseconds checked{};  ///< coarse_monotonic() of the last stat()
};
constexpr auto file_cache_ttl = std::chrono::seconds(1);
constexpr std::size_t file_cache_entries = 1024;

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

class file_cache {
  public:
    ~file_cache() { clear(); }

    /// The open regular file for `rel` under `root` (a directory's
    /// index.html), or an errno value.
    bool keep_content = true;

    const cached_file* find(const std::string& root, std::string_view rel, int& error) {
        const auto now = coarse_monotonic();
        auto it = map_.find(rel);
        if (it != map_.end()) {
            if (now - it->second.checked < file_cache_ttl) return &it->second;
            struct stat st {};
            if (::stat(it->second.path.c_str(), &st) == 0 && st.st_ino == it->second.inode &&
                st.st_mtime == it->second.mtime &&
                static_cast<std::size_t>(st.st_size) == it->second.size) {
                it->second.checked = now;
                return &it->second;
            }
            ::close(it->second.fd);
            map_.erase(it);
        }
        std::string path = root + std::string(rel);
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            error = errno;
            return nullptr;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            error = errno;
            ::close(fd);
            return nullptr;
        }
        if (S_ISDIR(st.st_mode)) {
            ::close(fd);
            path += path.back() == '/' ? "index.html" : "/index.html";
            fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0 || ::fstat(fd, &st) != 0) {
                if (fd >= 0) ::close(fd);
                error = EISDIR;
                return nullptr;
            }
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            error = EACCES;
            return nullptr;
        }
        if (map_.size() >= file_cache_entries) clear();
        cached_file f;
        f.fd = fd;
        f.size = static_cast<std::size_t>(st.st_size);
        f.mtime = st.st_mtime;
        f.inode = st.st_ino;
        f.modified = http_date(st.st_mtime);
        f.path = std::move(path);
        f.checked = now;
        if (keep_content && f.size <= small_file) {
            f.content.resize(f.size);
            std::size_t got = 0;
            while (got < f.size) {
                const ssize_t n =
                    ::pread(fd, f.content.data() + got, f.size - got, static_cast<off_t>(got));
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            f.has_content = got == f.size;
        }
        return &map_.emplace(std::string(rel), std::move(f)).first->second;
    }

    void clear() {
        for (auto& [k, f] : map_) ::close(f.fd);
        map_.clear();
    }

  private:
    std::unordered_map<std::string, cached_file, string_hash, std::equal_to<>> map_;
};

void send_listing(const std::string& root, std::string rel, bool head, ha::response& res) {
    if (rel.back() != '/') rel += '/';
    std::string body = "<!DOCTYPE html>\n<title>" + html_escape(rel) + "</title>\n<h1>" +
                       html_escape(rel) + "</h1>\n<ul>\n";
    std::vector<std::string> names;
    DIR* dir = ::opendir((root + rel).c_str());
    if (!dir) return send_text(res, 404, "not found\n");
    while (const dirent* e = ::readdir(dir))
        if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const auto& n : names)
        body += "<li><a href=\"" + html_escape(n) + "\">" + html_escape(n) + "</a>\n";
    body += "</ul>\n";
    const std::string length = std::to_string(body.size());
    res.send_headers(200,
                     {{"content-type", "text/html; charset=utf-8"},
                      {"content-length", length},
                      {"server", "h2pb"},
                      {"date", date_now()}},
                     head);
    if (!head) res.send(wire::as_bytes(body), true);
}

void serve_file(const std::string& root, bool content_cache, ha::request& req, ha::response& res) {
    const std::string_view method = req.method();
    if (method != "GET" && method != "HEAD") {
        res.send_headers(405, {{"allow", "GET, HEAD"}, {"content-length", "0"}, {"server", "h2pb"}},
                         true);
        return;
    }
    const bool head = method == "HEAD";
    const std::string rel = file_path(req.path());
    if (rel.empty()) return send_text(res, 400, "bad path\n");
    thread_local file_cache cache;
    cache.keep_content = content_cache;
    int error = 0;
    const cached_file* f = cache.find(root, rel, error);
    if (!f) {
        if (error == EISDIR) return send_listing(root, rel, head, res);
        if (error == EACCES) return send_text(res, 403, "forbidden\n");
        return send_text(res, 404, "not found\n");
    }
    const std::size_t size = f->size;
    char length[24];
    const auto lend = std::to_chars(length, length + sizeof length, size).ptr;
    res.send_headers(
        200,
        {{"content-type", content_type(f->path)},
         {"content-length", std::string_view(length, static_cast<std::size_t>(lend - length))},
         {"last-modified", f->modified},
         {"server", "h2pb"},
         {"date", date_now()}},
        head || size == 0);
    if (head || size == 0) return;
    if (f->has_content) {
        res.send(wire::as_bytes(f->content), true);  // copied into the output: the entry may change
        return;
    }
    if (size <= small_file) {
        thread_local std::unique_ptr<char[]> buf(new char[small_file]);
        std::size_t got = 0;
        while (got < size) {
            const ssize_t n = ::pread(f->fd, buf.get() + got, size - got, static_cast<off_t>(got));
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        if (got != size) return res.reset(h2::error_code::internal_error);
        res.send(wire::bytes_view(reinterpret_cast<const wire::byte*>(buf.get()), size), true);
        return;
    }
    auto m = std::make_shared<mapping>();
    m->data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, f->fd, 0);
    if (m->data == MAP_FAILED) {
        m->data = nullptr;
        return res.reset(h2::error_code::internal_error);
    }
    m->size = size;
    ::madvise(m->data, size, MADV_SEQUENTIAL);
    const wire::bytes_view bytes(static_cast<const wire::byte*>(m->data), size);
    res.send(std::move(m), bytes, true);
}

// ---------------------------------------------------------------- echo

ha::awaitable<void> echo(ha::request& req, ha::response& res) {
    std::vector<std::string> storage;  // names "x-echo-..."; values are views into the request
    storage.reserve(req.headers().size());
    std::vector<hpack::field> fields;
    std::string_view type = req.header("content-type");
    fields.push_back(
        {"content-type", type.empty() ? std::string_view("application/octet-stream") : type});
    fields.push_back({"server", "h2pb"});
    for (const auto& f : req.headers()) {
        const std::string_view name = f.name.front() == ':' ? f.name.substr(1) : f.name;
        storage.push_back("x-echo-" + std::string(name));
    }
    for (std::size_t i = 0; i < storage.size(); ++i)
        fields.push_back({storage[i], req.headers()[i].value});
    res.send_headers(200, fields);
    std::uint64_t total = 0;
    for (;;) {
        auto piece = co_await req.read();
        if (!piece) co_return;  // reset or connection gone: nothing to answer
        if (piece->empty()) break;
        total += piece->size();
        if (auto e = co_await res.write(*piece)) co_return;
    }
    std::vector<std::string> tnames;
    std::vector<hpack::field> trailers;
    const std::string length = std::to_string(total);
    tnames.reserve(req.trailers().size());
    for (const auto& f : req.trailers()) tnames.push_back("x-echo-trailer-" + std::string(f.name));
    trailers.push_back({"x-echo-length", length});
    for (std::size_t i = 0; i < tnames.size(); ++i)
        trailers.push_back({tnames[i], req.trailers()[i].value});
    res.send_trailers(trailers);
}

}  // namespace

int run_serve(int argc, char** argv) {
    args a(argc, argv, 1);
    if (a.take_flag("--help") || a.take_flag("-h")) {
        std::cout << serve_help;
        return 0;
    }
    ha::server_options o;
    const bool trace = a.take_flag("--trace");
    frame_trace_options topts;
    topts.print = trace;
    topts.raw = a.take_flag("--raw");
    topts.grpc = a.take_flag("--grpc");
    topts.save = a.take_value("--save").value_or("");
    const bool shared = a.take_flag("--shared-context");
    const bool content_cache = !a.take_flag("--no-content-cache");
    const auto port = a.take_value("--port");
    const auto host = a.take_value("--host");
    const auto root_arg = a.take_value("--root");
    const auto cert = a.take_value("--tls-cert");
    const auto key = a.take_value("--tls-key");
    const auto threads = a.take_value("--threads");
    const auto grace_arg = a.take_value("--grace");
    const auto idle = a.take_value("--idle-timeout");
    struct timeout_option {
        const char* name;
        ha::duration* target;
    };
    ha::duration settings_timeout = o.driver.settings_timeout();
    const timeout_option timeouts[] = {{"--settings-timeout", &settings_timeout},
                                       {"--handshake-timeout", &o.driver.tls_handshake_timeout},
                                       {"--keepalive", &o.driver.keepalive_interval},
                                       {"--keepalive-timeout", &o.driver.keepalive_timeout}};
    for (const auto& t : timeouts) {
        if (auto v = a.take_value(t.name)) {
            const auto d = parse_seconds(*v);
            if (!d) return usage_error(std::string(t.name) + " takes seconds");
            *t.target = *d;
        }
    }
    o.driver.set_settings_timeout(settings_timeout);
    const auto max_output = a.take_value("--max-output");
    const auto mcs = a.take_value("--max-concurrent-streams");
    const auto window = a.take_value("--window");
    if (auto u = a.unknown_option()) return usage_error("unknown option " + *u);
    if (!a.positionals().empty())
        return usage_error("unexpected argument " + a.positionals().front());

    if (port) {
        const auto n = parse_number(*port, 65535);
        if (!n) return usage_error("--port takes a number from 0 to 65535");
        o.port = static_cast<std::uint16_t>(*n);
    }
    if (host) o.host = *host;
    if (threads) {
        const auto n = parse_number(*threads, 256);
        if (!n || *n == 0) return usage_error("--threads takes a number from 1 to 256");
        o.threads = static_cast<unsigned>(*n);
    }
    if (shared) o.model = ha::thread_model::shared_context;
    std::chrono::seconds grace = 10s;
    if (grace_arg) {
        const auto n = parse_number(*grace_arg, 86400);
        if (!n) return usage_error("--grace takes seconds");
        grace = std::chrono::seconds(*n);
    }
    if (idle) {
        const auto d = parse_seconds(*idle);
        if (!d) return usage_error("--idle-timeout takes seconds");
        o.driver.idle_timeout = *d;
    }
    if (max_output) {
        const auto n = parse_number(*max_output, 1ul << 40);
        if (!n || *n < 65536) return usage_error("--max-output takes octets, at least 65536");
        o.driver.max_output_pending = *n;
        o.driver.h2.limits.max_output_buffered = *n / 2;
    }
    if (mcs) {
        const auto n = parse_number(*mcs, 0xffffffffu);
        if (!n) return usage_error("--max-concurrent-streams takes a number");
        o.driver.h2.max_concurrent_streams = static_cast<std::uint32_t>(*n);
    }
    if (window) {
        const auto n = parse_number(*window, h2::max_window_size);
        if (!n || *n == 0) return usage_error("--window takes a number from 1 to 2147483647");
        o.driver.h2.initial_window_size = static_cast<std::uint32_t>(*n);
        o.driver.h2.connection_window_size = std::max<std::uint32_t>(
            o.driver.h2.connection_window_size, static_cast<std::uint32_t>(*n));
    }
    if (cert.has_value() != key.has_value())
        return usage_error("--tls-cert and --tls-key go together");
    if (cert) {
        ha::tls_server_options t;
        t.credentials.cert_file = *cert;
        t.credentials.key_file = *key;
        auto ctx = ha::make_server_context(t);
        if (!ctx) {
            std::cerr << "h2pb serve: TLS: " << ctx.error() << '\n';
            return 1;
        }
        o.tls = *ctx;
    }
    std::string root = root_arg.value_or(".");
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return usage_error("--root " + root + " is not a directory");

    auto lock = std::make_shared<std::mutex>();
    const auto start = std::chrono::steady_clock::now();
    if ((topts.raw || topts.grpc) && !trace) return usage_error("--raw and --grpc need --trace");
    if (trace || !topts.save.empty()) {
        const std::uint32_t table = o.driver.h2.header_table_size;
        o.trace = [lock, start, table, topts](std::uint64_t n, const ha::tcp::endpoint& peer) {
            frame_trace_options per = topts;
            if (!per.save.empty()) per.save += "." + std::to_string(n);
            auto t =
                std::make_unique<frame_trace>(std::cout, lock, "#" + std::to_string(n) + " ", false,
                                              start, table, h2::default_header_table_size, per);
            std::ostringstream s;
            s << "connection from " << peer;
            t->note(s.str());
            return std::unique_ptr<ha::trace_sink>(std::move(t));
        };
    }

    ha::router routes;
    routes.add("/echo", ha::coroutine_handler(echo));
    // Files are answered once the request has ended (END_STREAM), as nghttpd
    // and nginx answer: a conformance tool pointed at this server sees every
    // rule about what follows the header section enforced (RFC 9113 §8.1,
    // §8.1.1, §6.9, §5.1), rather than a response and RST_STREAM(NO_ERROR).
    routes.set_fallback(
        ha::complete_request_handler{[root, content_cache](ha::request& req, ha::response& res) {
            serve_file(root, content_cache, req, res);
        }});

    ha::server srv(o, std::move(routes));
    if (auto e = srv.listen()) {
        std::cerr << "h2pb serve: " << *e << '\n';
        return 1;
    }
    {
        std::lock_guard<std::mutex> g(*lock);
        const auto ep = srv.local_endpoint();
        const std::string addr =
            ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
        std::cout << "listening on " << addr << ':' << ep.port()
                  << (o.tls ? " (TLS, ALPN h2)" : " (h2c)") << std::endl;
        if (trace) std::cout << frame_trace::legend(/*server=*/true) << std::flush;
    }

    run_until_signalled(srv, grace, [&] {
        std::lock_guard<std::mutex> g(*lock);
        std::cerr << "h2pb serve: shutting down (GOAWAY; " << grace.count()
                  << " s for streams in flight)" << std::endl;
    });
    return 0;
}

}  // namespace h2pb::cli
