// Starting a server process and reading its address from its first
// "listening on HOST:PORT" line (what `h2pb serve` and server.mjs print).
import { spawn } from "node:child_process";
import * as fs from "node:fs";

/// How long a server may take to print its address (a loaded machine).
const START_TIMEOUT_MS = 30000;

/// Spawns argv; its output goes to logFile. Resolves {child, host, port}.
export function startServer(argv, logFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const log = fs.createWriteStream(logFile);
    let seen = "";
    let done = false;
    const timer = setTimeout(() => finish(new Error(`${argv[0]} printed no "listening on" line in ${START_TIMEOUT_MS} ms`)),
                             START_TIMEOUT_MS);
    function finish(err, value) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        child.kill("SIGKILL");
        reject(err);
      } else resolve(value);
    }
    child.stderr.pipe(log, { end: false });
    child.stdout.on("data", (d) => {
      log.write(d);
      if (done) return;
      seen += d.toString();
      const m = /listening on (\S+):(\d+)/.exec(seen);
      if (m) finish(null, { child, host: m[1], port: Number(m[2]) });
    });
    child.on("error", (e) => finish(e));
    child.on("exit", (code, sig) => finish(new Error(`${argv.join(" ")} exited (${code ?? sig}) before listening; see ${logFile}`)));
  });
}

/// SIGTERM, then SIGKILL if it has not gone after a second.
export function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill("SIGKILL"), 1000);
    child.on("exit", () => {
      clearTimeout(t);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
