// The gRPC-Web calls of issue 14 from a real browser: Debian's chromium,
// headless, driven by puppeteer-core, loads page/index.html served by
// `h2pb serve` over TLS (ALPN h2) on one origin; the page's script calls the
// gRPC-Web server given by URL, another origin (so CORS is exercised), with
// connect-web and with fetch in the -text format. The test reads the
// results from the page, checks that the browser reached both servers over
// HTTP/2, and saves a screenshot, the results and the browser's console into
// the log directory.
//
// usage: node browser_test.mjs --server-url https://HOST:PORT --h2pb PATH
//          --log-dir DIR [--cert FILE --key FILE] [--page-root DIR]
//          [--chromium PATH] [--bulk N] [--expect-protocol h2|any]
// Without --cert/--key a certificate for 127.0.0.1 and localhost is made in
// a temporary directory. Exit status 0: all cases held; 1: one did not;
// 77: chromium is missing (SKIP).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import puppeteer from "puppeteer-core";
import { makeCerts } from "./certs.mjs";
import { startServer, stopServer } from "./proc.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    "server-url": { type: "string" },
    h2pb: { type: "string" },
    "log-dir": { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
    "page-root": { type: "string", default: path.join(here, "page") },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    bulk: { type: "string", default: "1000" },
    "expect-protocol": { type: "string", default: "h2" },
  },
});
if (!opt["server-url"] || !opt.h2pb || !opt["log-dir"]) {
  console.error("usage: node browser_test.mjs --server-url URL --h2pb PATH --log-dir DIR [--cert F --key F] ...");
  process.exit(2);
}
if (!fs.existsSync(opt.chromium)) {
  console.log(`SKIP: ${opt.chromium} not found (Debian package chromium)`);
  process.exit(77);
}

/// How long the page may take for all its calls (the paced streams take
/// about 3 s; a loaded machine and a cold browser much more).
const PAGE_TIMEOUT_MS = 120000;
/// Chromium's flags for this machine (closed network, root, no GPU):
/// without the background-networking ones its own connections to Google
/// are refused by the dozen.
const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--ignore-certificate-errors",
];

const logDir = opt["log-dir"];
fs.mkdirSync(logDir, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "h2pb-grpcweb-browser-"));
let cert = opt.cert, key = opt.key;
if (!cert || !key) ({ cert, key } = makeCerts(path.join(tmp, "certs")));

const failed = [];
let pageServer, browser;
try {
  // The page's origin: h2pb serve, TLS, its own port.
  pageServer = await startServer(
    [opt.h2pb, "serve", "--port", "0", "--host", "127.0.0.1", "--root", opt["page-root"],
     "--tls-cert", cert, "--tls-key", key],
    path.join(logDir, "page-server.log"));
  const pageOrigin = `https://127.0.0.1:${pageServer.port}`;
  const serverUrl = opt["server-url"].replace(/\/$/, "");
  const pageUrl = `${pageOrigin}/index.html?server=${encodeURIComponent(serverUrl)}&bulk=${opt.bulk}`;
  console.log(`page ${pageUrl}`);

  browser = await puppeteer.launch({
    executablePath: opt.chromium,
    headless: true,
    args: CHROMIUM_FLAGS,
    userDataDir: path.join(tmp, "profile"), // new and empty
  });
  console.log(`browser ${await browser.version()}`);
  const page = await browser.newPage();
  await page.setViewport({ width: 900, height: 700 });
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  // Which HTTP version each response came over (Chrome's own record).
  const cdp = await page.createCDPSession();
  await cdp.send("Network.enable");
  const responses = [];
  cdp.on("Network.responseReceived", (e) =>
    responses.push({ url: e.response.url, status: e.response.status, protocol: e.response.protocol }));

  await page.goto(pageUrl, { waitUntil: "load" });
  await page.waitForFunction("window.grpcWebDone === true", { timeout: PAGE_TIMEOUT_MS, polling: 100 });
  const out = await page.evaluate(() => window.grpcWebResults);
  await page.screenshot({ path: path.join(logDir, "browser.png"), fullPage: true });

  const grpcResponses = responses.filter((r) => r.url.startsWith(serverUrl + "/"));
  const pageResponses = responses.filter((r) => r.url.startsWith(pageOrigin + "/"));
  const protocols = {
    page: [...new Set(pageResponses.map((r) => r.protocol))],
    grpcWeb: [...new Set(grpcResponses.map((r) => r.protocol))],
    grpcWebResponses: grpcResponses.length,
  };
  failed.push(...out.failed);
  if (opt["expect-protocol"] !== "any") {
    for (const [what, seen] of [["page", protocols.page], ["grpcWeb", protocols.grpcWeb]])
      if (seen.length !== 1 || seen[0] !== opt["expect-protocol"]) failed.push(`protocol-${what}`);
  }
  const report = { pageUrl, serverUrl, browser: await browser.version(), userAgent: out.userAgent,
                   protocols, failed, results: out.results };
  fs.writeFileSync(path.join(logDir, "browser-results.json"), JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(logDir, "browser-console.log"), consoleLines.join("\n") + "\n");
  fs.writeFileSync(path.join(logDir, "browser-responses.json"), JSON.stringify(responses, null, 1));
  console.log(JSON.stringify(report, null, 2));
  console.log(`screenshot ${path.join(logDir, "browser.png")}`);
} catch (e) {
  console.log(`error: ${e?.stack ?? e}`);
  failed.push("harness");
} finally {
  if (browser) await browser.close().catch(() => {});
  if (pageServer) await stopServer(pageServer.child);
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(failed.length ? `FAIL: ${failed.join(", ")}` : "PASS");
process.exit(failed.length ? 1 : 0);
