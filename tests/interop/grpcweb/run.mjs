// The driver of the gRPC-Web tests (tests/interop/grpcweb/meson.build):
// prepares a work directory, starts the gRPC-Web server under test (or uses
// one given by URL), and runs node_client.mjs or browser_test.mjs against it.
// Needs no npm package itself, so it can say SKIP when they are missing.
//
// usage: node run.mjs node|browser --work DIR --node-modules DIR --proto FILE
//          [--protoc PATH] [--h2pb PATH] [--log-dir DIR] [--bulk N]
//          [--http-version 2|1.1 (node only)] [--chromium PATH]
//          [--server-url URL | -- SERVER_COMMAND...]
//
// The work directory (made anew) gets: a node_modules link to --node-modules
// (tests/interop/grpc/node/node_modules, installed by scripts/install-npm.sh),
// gen/analytics_service_pb.js made from --proto by protoc with
// protoc-gen-es (target=js), copies of this directory's scripts, page/ with
// main.js bundled by esbuild, and certs/ (a throwaway CA and a server
// certificate for 127.0.0.1 and localhost).
//
// The server under test:
//   --server-url URL    a running gRPC-Web server (TLS; Node trusts the CA
//                       of --ca FILE, by default certs/ca.pem, the browser
//                       ignores certificate errors)
//   -- COMMAND...       a server to start; in its arguments {cert}, {key},
//                       {ca}, {chain} (cert then CA) and {work} are
//                       replaced by the paths; it must
//                       print "listening on HOST:PORT" (as `h2pb serve`
//                       does) and serve TLS on it; the URL is then
//                       https://localhost:PORT
//   neither             connect-node: node {work}/server.mjs
// Exit status: the test's; 77 with "SKIP: reason" when node's packages,
// protoc or chromium are missing.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { makeCerts } from "./certs.mjs";
import { startServer, stopServer } from "./proc.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    work: { type: "string" },
    "node-modules": { type: "string" },
    proto: { type: "string" },
    protoc: { type: "string", default: "protoc" },
    h2pb: { type: "string" },
    "log-dir": { type: "string" },
    bulk: { type: "string", default: "1000" },
    "http-version": { type: "string", default: "2" },
    "server-url": { type: "string" },
    ca: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
const dash = process.argv.indexOf("--");
const serverCommand = dash >= 0 ? process.argv.slice(dash + 1) : null;
const mode = positionals[0];
if (!["node", "browser"].includes(mode) || !opt.work || !opt["node-modules"] || !opt.proto ||
    (mode === "browser" && (!opt.h2pb || !opt["log-dir"]))) {
  console.error("usage: node run.mjs node|browser --work DIR --node-modules DIR --proto FILE " +
                "[--h2pb PATH --log-dir DIR] [--server-url URL | -- SERVER_COMMAND...]");
  process.exit(2);
}

function skip(reason) {
  console.log(`SKIP: ${reason}`);
  process.exit(77);
}
const nodeModules = path.resolve(opt["node-modules"]);
for (const pkg of ["@connectrpc/connect-node", "@connectrpc/connect-web", "@bufbuild/protoc-gen-es",
                   "esbuild", "puppeteer-core"])
  if (!fs.existsSync(path.join(nodeModules, pkg, "package.json")))
    skip(`${pkg} is not in ${nodeModules} (scripts/install-npm.sh installs it)`);
if (mode === "browser" && !fs.existsSync(opt.chromium)) skip(`${opt.chromium} not found (Debian package chromium)`);

// ------------------------------------------------------- the work directory
const work = path.resolve(opt.work);
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(path.join(work, "gen"), { recursive: true });
fs.mkdirSync(path.join(work, "page"));
fs.symlinkSync(nodeModules, path.join(work, "node_modules"), "dir");
for (const f of fs.readdirSync(here)) if (f.endsWith(".mjs")) fs.copyFileSync(path.join(here, f), path.join(work, f));
fs.copyFileSync(path.join(here, "page", "index.html"), path.join(work, "page", "index.html"));
fs.copyFileSync(path.join(here, "page", "main.mjs"), path.join(work, "page", "main.mjs"));

const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
const proto = path.resolve(opt.proto);
try {
  run(opt.protoc, [`--plugin=protoc-gen-es=${path.join(nodeModules, ".bin", "protoc-gen-es")}`,
                   `--es_out=${path.join(work, "gen")}`, "--es_opt=target=js",
                   `-I${path.dirname(proto)}`, proto]);
} catch (e) {
  if (e.code === "ENOENT") skip(`${opt.protoc} not found`);
  throw e;
}
run(path.join(nodeModules, ".bin", "esbuild"),
    [path.join(work, "page", "main.mjs"), "--bundle", "--format=iife", "--target=chrome100",
     `--outfile=${path.join(work, "page", "main.js")}`, "--log-level=warning"]);
const certs = makeCerts(path.join(work, "certs"));
const logDir = opt["log-dir"] ? path.resolve(opt["log-dir"]) : work;
fs.mkdirSync(logDir, { recursive: true });

// ------------------------------------------------------ the server under test
let server = null;
let serverUrl = opt["server-url"];
let status = 1;
try {
  if (!serverUrl) {
    const argv = (serverCommand ?? [process.execPath, "{work}/server.mjs", "--cert", "{cert}", "--key", "{key}"])
      .map((a) => a.replaceAll("{cert}", certs.cert).replaceAll("{chain}", certs.chain).replaceAll("{key}", certs.key)
                   .replaceAll("{ca}", certs.ca).replaceAll("{work}", work));
    console.log(`server: ${argv.join(" ")}`);
    server = await startServer(argv, path.join(logDir, "grpcweb-server.log"));
    serverUrl = `https://localhost:${server.port}`;
  }
  console.log(`server url: ${serverUrl}`);

  const args = mode === "node"
    ? [path.join(work, "node_client.mjs"), "--server-url", serverUrl, "--ca", opt.ca ?? certs.ca, "--bulk", opt.bulk,
       "--http-version", opt["http-version"]]
    : [path.join(work, "browser_test.mjs"), "--server-url", serverUrl, "--h2pb", path.resolve(opt.h2pb),
       "--log-dir", logDir, "--cert", certs.cert, "--key", certs.key, "--chromium", opt.chromium,
       "--bulk", opt.bulk];
  status = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: "inherit" });
    child.on("exit", (code, sig) => resolve(code ?? (sig ? 1 : 0)));
  });
} catch (e) {
  console.log(`error: ${e?.stack ?? e}`);
  status = 1;
} finally {
  if (server) await stopServer(server.child);
}
if (server && fs.existsSync(path.join(logDir, "grpcweb-server.log")))
  console.log(`server log: ${path.join(logDir, "grpcweb-server.log")}`);
process.exit(status);
