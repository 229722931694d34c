// The article's AnalyticsService on connect-node (a third-party gRPC-Web
// server), with the behaviour of docs/examples/analytics_server_full.cpp
// and the test-only "bulk:N" stream (the contract is in cases.mjs). It
// serves gRPC-Web over TLS with ALPN h2 (and HTTP/1.1), answers CORS
// preflights for pages of other origins, and, since connect-node serves
// only the binary gRPC-Web formats, translates application/grpc-web-text
// itself (base64 in and out, each response chunk padded on its own).
//
// usage: node server.mjs --cert FILE --key FILE [--port N] [--host ADDR]
//                        [--cors-origin ORIGIN|*]
// The first line of standard output is "listening on HOST:PORT" (as
// `h2pb serve` prints it). SIGTERM or SIGINT stops it.
import * as fs from "node:fs";
import * as http2 from "node:http2";
import { parseArgs } from "node:util";
import { Code, ConnectError, cors as connectCors, createConnectRouter } from "@connectrpc/connect";
import {
  connectNodeAdapter,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import { AnalyticsService } from "./gen/analytics_service_pb.js";

const { values: opt } = parseArgs({
  options: {
    cert: { type: "string" },
    key: { type: "string" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "cors-origin": { type: "string", default: "*" },
  },
});
if (!opt.cert || !opt.key) {
  console.error("usage: node server.mjs --cert FILE --key FILE [--port N] [--host ADDR] [--cors-origin O]");
  process.exit(2);
}

// ------------------------------------------------------------ the service

const STORED_EVENTS = [
  { id: "abc123", type: "click", timestamp: 1710000000n },
  { id: "abd456", type: "view", timestamp: 1720000000n },
  { id: "abe789", type: "click", timestamp: 1730000000n },
  { id: "abf012", type: "purchase", timestamp: 1740000000n },
];
/// One stored event per EVENT_PACE_MS, as analytics_server_full.cpp.
const EVENT_PACE_MS = 100;
/// GetReport does not start with less time left than this (as the C++ one).
const MIN_TIME_FOR_REPORT_MS = 20;
/// The longest "bulk:N" stream served (a bound on one request's work).
const MAX_BULK = 100000;

/// Waits ms, or rejects with the signal's reason (the client cancelled or
/// the deadline passed).
function pace(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

async function* storedEvents(eventType, signal) {
  for (const e of STORED_EVENTS) {
    if (eventType && eventType !== e.type) continue;
    await pace(EVENT_PACE_MS, signal);
    yield { eventId: e.id, eventType: e.type, timestamp: e.timestamp };
  }
}

function classifyEvent(type) {
  if (type === "purchase") return ["conversion", 0.95];
  if (type === "page_view") return ["browsing", 0.8];
  if (type === "click") return ["interaction", 0.7];
  return ["unknown", 0];
}

const service = {
  async *streamEvents(filter, ctx) {
    const bulk = /^bulk:(\d+)$/.exec(filter.eventType);
    if (bulk) {
      const n = Number(bulk[1]);
      if (n > MAX_BULK) throw new ConnectError(`bulk:N is at most ${MAX_BULK}`, Code.InvalidArgument);
      for (let i = 0; i < n; i++)
        yield { eventId: `bulk-${i}`, eventType: "bulk", timestamp: BigInt(i), properties: { seq: String(i) } };
      return;
    }
    yield* storedEvents(filter.eventType, ctx.signal);
  },

  async getReport(req, ctx) {
    if (!req.reportId) throw new ConnectError("report_id is empty", Code.InvalidArgument);
    const left = ctx.timeoutMs();
    if (left !== undefined && left < MIN_TIME_FOR_REPORT_MS)
      throw new ConnectError("no time left for a report", Code.DeadlineExceeded);
    // The C++ example reads them from StreamEvents downstream; here in
    // process, at the same pace, stopped by the same deadline.
    const events = [];
    for await (const e of storedEvents("", ctx.signal))
      if (e.timestamp >= req.startTimestamp && e.timestamp < req.endTimestamp) events.push(e);
    return { reportId: req.reportId, events };
  },

  async uploadBatch(reqs) {
    let received = 0n;
    for await (const _ of reqs) received++;
    return { received };
  },

  async *processPipeline(reqs) {
    for await (const raw of reqs) {
      const payload = new TextDecoder().decode(raw.payload);
      const space = payload.indexOf(" ");
      const id = space < 0 ? payload : payload.slice(0, space);
      const [category, confidence] = classifyEvent(space < 0 ? "" : payload.slice(space + 1));
      yield { eventId: id, category, confidence };
    }
  },
};

/// The article's AuthInterceptor: every call, before its handler.
const requireToken = (next) => async (req) => {
  const token = req.header.get("authorization");
  if (!token || !token.startsWith("Bearer ") || token.length <= 50)
    throw new ConnectError("Invalid or missing auth token", Code.Unauthenticated);
  return next(req);
};

const routerOptions = {
  routes: (router) => router.service(AnalyticsService, service),
  interceptors: [requireToken],
  grpc: false, // gRPC-Web only (and Connect, which is connect-node's own)
};
const adapter = connectNodeAdapter(routerOptions);

// ---------------------------------------------- application/grpc-web-text

const textRouter = createConnectRouter(routerOptions);
routerOptions.routes(textRouter);
const textHandlers = new Map(textRouter.handlers.map((h) => [h.requestPath, h]));

/// Base64 text chunks in, bytes out, 4 characters at a time (a group may
/// carry its own padding anywhere in the stream).
async function* fromBase64(chunks) {
  let pending = "";
  for await (const chunk of chunks) {
    pending += Buffer.from(chunk).toString("latin1").replace(/\s+/g, "");
    const whole = pending.length - (pending.length % 4);
    for (let i = 0; i < whole; i += 4) yield Buffer.from(pending.slice(i, i + 4), "base64");
    pending = pending.slice(whole);
  }
  if (pending) throw new ConnectError("grpc-web-text request ends inside a base64 group", Code.InvalidArgument);
}

/// Bytes in, base64 out: every chunk encoded (and padded) on its own.
async function* toBase64(chunks) {
  for await (const chunk of chunks) yield new Uint8Array(Buffer.from(Buffer.from(chunk).toString("base64")));
}

function serveText(req, res) {
  const handler = textHandlers.get((req.url ?? "").split("?")[0]);
  if (!handler) {
    res.writeHead(404);
    res.end();
    return;
  }
  const uReq = universalRequestFromNodeRequest(req, res, undefined, undefined);
  const header = new Headers(uReq.header);
  header.set("content-type", uReq.header.get("content-type").replace(/^application\/grpc-web-text/i, "application/grpc-web"));
  handler({ ...uReq, header, body: fromBase64(uReq.body) })
    .then((uRes) => {
      const h = new Headers(uRes.header);
      const ct = h.get("content-type");
      if (ct) h.set("content-type", ct.replace(/^application\/grpc-web/, "application/grpc-web-text"));
      return universalResponseToNodeResponse(
        { ...uRes, header: h, body: uRes.body ? toBase64(uRes.body) : undefined }, res);
    })
    .catch((e) => console.error("grpc-web-text call failed", e));
}

// ------------------------------------------------------------------- CORS

const ALLOWED_HEADERS = [...connectCors.allowedHeaders, "authorization"].join(", ");
const EXPOSED_HEADERS = connectCors.exposedHeaders.join(", ");
/// How long a browser may cache a preflight's answer.
const CORS_MAX_AGE_S = 600;

function allowedOrigin(origin) {
  if (!origin) return null;
  if (opt["cors-origin"] === "*" || opt["cors-origin"] === origin) return origin;
  return null;
}

function handle(req, res) {
  const origin = allowedOrigin(req.headers.origin);
  if (origin) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("vary", "origin");
  }
  if (req.method === "OPTIONS") {
    if (origin) {
      res.setHeader("access-control-allow-methods", connectCors.allowedMethods.join(", "));
      res.setHeader("access-control-allow-headers", ALLOWED_HEADERS);
      res.setHeader("access-control-max-age", String(CORS_MAX_AGE_S));
    }
    res.writeHead(204);
    res.end();
    return;
  }
  if (origin) res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
  if (/^application\/grpc-web-text/i.test(req.headers["content-type"] ?? "")) serveText(req, res);
  else adapter(req, res);
}

const server = http2.createSecureServer(
  { cert: fs.readFileSync(opt.cert), key: fs.readFileSync(opt.key), allowHTTP1: true },
  handle);
server.listen(Number(opt.port), opt.host, () => {
  const a = server.address();
  console.log(`listening on ${a.address}:${a.port}`);
});
const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 1000).unref();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
