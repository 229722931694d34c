// The gRPC-Web calls of issue 14, shared by node_client.mjs (Node, no
// browser) and page/main.mjs (the page in Chromium): each case makes its
// calls and compares what it saw with what the article's AnalyticsService
// must answer.
//
// What the server must do (the contract every server under test keeps; it
// is docs/examples/analytics_server_full.cpp's behaviour, the one
// test-only request "bulk:N" included):
//   - every call needs `authorization: Bearer <more than 43 characters>`
//     (the article's _validate_token: "Bearer " and more than 50 in all),
//     else UNAUTHENTICATED "Invalid or missing auth token";
//   - StreamEvents(EventFilter{event_type}) streams the four stored events
//     (STORED_EVENTS below) whose type equals event_type (all of them when it
//     is empty), one every 100 ms;
//   - StreamEvents(EventFilter{event_type: "bulk:N"}) streams N events at
//     once, the i-th (from 0) {event_id: "bulk-i", event_type: "bulk",
//     timestamp: i, properties: {seq: "i"}} (the issue's "server stream of
//     1,000 messages": the article's store has four);
//   - GetReport(ReportRequest) answers {report_id, the stored events with
//     start_timestamp <= timestamp < end_timestamp}, after reading them at
//     the same pace (at least 400 ms), so a shorter deadline expires;
//     an empty report_id is INVALID_ARGUMENT "report_id is empty".
// Status codes are the numbers of grpc's doc/statuscodes.md.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  AnalyticsService,
  ReportRequestSchema,
  ReportResponseSchema,
} from "./gen/analytics_service_pb.js";

/// A token the article's rule accepts: "Bearer " and 51 characters in all.
export const TOKEN = "Bearer " + "h2pb-grpcweb-test-".padEnd(44, "0");
export const AUTH = { authorization: TOKEN };

export const STORED_EVENTS = [
  { eventId: "abc123", eventType: "click", timestamp: 1710000000 },
  { eventId: "abd456", eventType: "view", timestamp: 1720000000 },
  { eventId: "abe789", eventType: "click", timestamp: 1730000000 },
  { eventId: "abf012", eventType: "purchase", timestamp: 1740000000 },
];

/// The report request of the unary case and its expected events.
const REPORT = { reportId: "q3", startTimestamp: 1710000000n, endTimestamp: 1735000000n };
const REPORT_EVENTS = STORED_EVENTS.slice(0, 3);

/// The deadline of the deadline case: well under GetReport's 400 ms.
export const SHORT_DEADLINE_MS = 150;

/// Events as plain, comparable values (bigint timestamps as numbers).
function plain(e) {
  const out = { eventId: e.eventId, eventType: e.eventType, timestamp: Number(e.timestamp) };
  const keys = Object.keys(e.properties ?? {});
  if (keys.length) out.properties = Object.fromEntries(keys.sort().map((k) => [k, e.properties[k]]));
  return out;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/// One case's verdict: ok when got equals want.
function verdict(got, want, extra = {}) {
  return { ok: same(got, want), got, want, ...extra };
}

function errorOf(e) {
  const ce = ConnectError.from(e);
  return { code: ce.code, codeName: Code[ce.code], message: ce.rawMessage };
}

async function caught(fn) {
  try {
    await fn();
    return { code: 0, codeName: "OK", message: "" };
  } catch (e) {
    return errorOf(e);
  }
}

export function bulkEvents(n) {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push({ eventId: `bulk-${i}`, eventType: "bulk", timestamp: i, properties: { seq: String(i) } });
  return out;
}

/// Runs the five calls of issue 14 (and a few close relatives) on `transport`
/// (connect-web's or connect-node's createGrpcWebTransport). `bulk` is the
/// length of the long stream (0: not run). Returns {case: verdict}.
export async function runCases(transport, { bulk = 1000 } = {}) {
  const client = createClient(AnalyticsService, transport);
  const results = {};
  const run = async (name, fn) => {
    const t0 = Date.now();
    try {
      results[name] = await fn();
    } catch (e) {
      results[name] = { ok: false, thrown: String(e?.stack ?? e) };
    }
    results[name].ms = Date.now() - t0;
  };

  // 1. Unary.
  await run("unary", async () => {
    const r = await client.getReport(REPORT, { headers: AUTH });
    return verdict({ reportId: r.reportId, events: r.events.map(plain) },
                   { reportId: REPORT.reportId, events: REPORT_EVENTS });
  });

  // 2. Server streams: the article's store (paced), one type of it, and
  // the long stream.
  await run("stream", async () => {
    const got = [];
    for await (const e of client.streamEvents({}, { headers: AUTH })) got.push(plain(e));
    return verdict(got, STORED_EVENTS);
  });
  await run("stream_filtered", async () => {
    const got = [];
    for await (const e of client.streamEvents({ eventType: "click" }, { headers: AUTH }))
      got.push(plain(e));
    return verdict(got, STORED_EVENTS.filter((e) => e.eventType === "click"));
  });
  if (bulk > 0) {
    await run("stream_bulk", async () => {
      const got = [];
      for await (const e of client.streamEvents({ eventType: `bulk:${bulk}` }, { headers: AUTH }))
        got.push(plain(e));
      const want = bulkEvents(bulk);
      // Only the count and the first wrong message go into the log.
      const bad = got.findIndex((e, i) => !same(e, want[i]));
      return verdict({ count: got.length, firstMismatch: bad < 0 ? null : got[bad] },
                     { count: bulk, firstMismatch: null });
    });
  }

  // 3. Calls whose status is not OK: the page sees code and message.
  await run("error_unauthenticated", async () =>
    verdict(await caught(() => client.getReport(REPORT)),
            { code: 16, codeName: "Unauthenticated", message: "Invalid or missing auth token" }));
  await run("error_invalid_argument", async () =>
    verdict(await caught(() => client.getReport({ ...REPORT, reportId: "" }, { headers: AUTH })),
            { code: 3, codeName: "InvalidArgument", message: "report_id is empty" }));
  await run("error_stream_unauthenticated", async () =>
    verdict(await caught(async () => {
      for await (const _ of client.streamEvents({})) { /* none expected */ }
    }), { code: 16, codeName: "Unauthenticated", message: "Invalid or missing auth token" }));

  // 4. A deadline that expires (grpc-timeout sent; whichever side notices
  // first, the call ends DEADLINE_EXCEEDED). The message is the
  // implementation's own, so only the code is compared.
  await run("deadline", async () => {
    const e = await caught(() =>
      client.getReport(REPORT, { headers: AUTH, timeoutMs: SHORT_DEADLINE_MS }));
    return verdict({ code: e.code, codeName: e.codeName }, { code: 4, codeName: "DeadlineExceeded" },
                   { message: e.message });
  });

  // 5. A cancelled stream: the client aborts after the first event; the
  // stream ends CANCELED with one event read.
  await run("cancel", async () => {
    const abort = new AbortController();
    const got = [];
    const e = await caught(async () => {
      for await (const ev of client.streamEvents({}, { headers: AUTH, signal: abort.signal })) {
        got.push(plain(ev));
        abort.abort();
      }
    });
    return verdict({ events: got, code: e.code, codeName: e.codeName },
                   { events: STORED_EVENTS.slice(0, 1), code: 1, codeName: "Canceled" });
  });
  return results;
}

// ------------------------------------------------ the -text format by hand

/// Standard base64 of bytes (btoa is in browsers and Node >= 16).
function base64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/// Decodes a grpc-web-text body: base64 in which padding may end any
/// 4-character group, not only the last (PROTOCOL-WEB.md: the server "may
/// send base64-encoded chunks with potential padding"). So it is decoded
/// group by group, never as one string.
export function decodeTextBody(text) {
  const chars = text.replace(/\s+/g, "");
  if (chars.length % 4 !== 0) throw new Error(`grpc-web-text body of ${chars.length} characters`);
  const out = [];
  for (let i = 0; i < chars.length; i += 4) {
    const group = atob(chars.slice(i, i + 4));
    for (let j = 0; j < group.length; j++) out.push(group.charCodeAt(j));
  }
  return new Uint8Array(out);
}

/// Splits a gRPC-Web body into its frames: flag octet, 4-octet big-endian
/// length, payload (0x80 in the flag: the trailer frame).
export function splitFrames(bytes) {
  const frames = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 5) throw new Error(`truncated frame header at ${at}`);
    const flag = bytes[at];
    const len = ((bytes[at + 1] << 24) >>> 0) + (bytes[at + 2] << 16) + (bytes[at + 3] << 8) + bytes[at + 4];
    if (bytes.length - at - 5 < len) throw new Error(`truncated frame at ${at}`);
    frames.push({ flag, payload: bytes.slice(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return frames;
}

/// The trailer frame's "name: value" lines (CRLF separated) as a map.
export function parseTrailerBlock(bytes) {
  const text = new TextDecoder().decode(bytes);
  const out = {};
  for (const line of text.split("\r\n")) {
    if (!line) continue;
    const colon = line.indexOf(":");
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

/// One unary call in application/grpc-web-text through fetch: the request
/// framed and base64-encoded by hand, the response decoded by hand. The
/// status is the trailer frame's grpc-status, or, for a Trailers-Only
/// answer, the grpc-status response header (readable from another origin
/// only when the server's CORS exposes it).
export async function textCall(baseUrl, method, request, headers) {
  const payload = toBinary(ReportRequestSchema, create(ReportRequestSchema, request));
  const frame = new Uint8Array(5 + payload.length);
  new DataView(frame.buffer).setUint32(1, payload.length);
  frame.set(payload, 5);
  const res = await fetch(`${baseUrl}/analytics.v1.AnalyticsService/${method}`, {
    method: "POST",
    headers: {
      "content-type": "application/grpc-web-text",
      accept: "application/grpc-web-text",
      "x-grpc-web": "1",
      "x-user-agent": "h2pb-grpcweb-test",
      ...headers,
    },
    body: base64(frame),
  });
  const out = { httpStatus: res.status, contentType: res.headers.get("content-type") };
  const body = await res.text();
  out.bodyChars = body.length;
  // Padding inside the body: the server flushed base64 segments separately.
  out.innerPadding = (body.replace(/=+$/, "").match(/=+/g) ?? []).length;
  const frames = splitFrames(decodeTextBody(body));
  out.messages = frames.filter((f) => f.flag === 0).map((f) => {
    const r = fromBinary(ReportResponseSchema, f.payload);
    return { reportId: r.reportId, events: r.events.map(plain) };
  });
  const trailerFrames = frames.filter((f) => f.flag === 0x80);
  out.trailerFrames = trailerFrames.length;
  const trailers = trailerFrames.length ? parseTrailerBlock(trailerFrames[0].payload) : {};
  const status = trailers["grpc-status"] ?? res.headers.get("grpc-status");
  const message = trailers["grpc-message"] ?? res.headers.get("grpc-message") ?? "";
  out.grpcStatus = status === null || status === undefined ? null : Number(status);
  out.grpcMessage = decodeURIComponent(message);
  return out;
}

/// The -text cases (browser only: they need fetch to trust the server).
export async function runTextCases(baseUrl) {
  const results = {};
  const run = async (name, fn) => {
    try {
      results[name] = await fn();
    } catch (e) {
      results[name] = { ok: false, thrown: String(e?.stack ?? e) };
    }
  };
  await run("text_unary", async () => {
    const r = await textCall(baseUrl, "GetReport", REPORT, AUTH);
    return verdict(
      { httpStatus: r.httpStatus, text: /^application\/grpc-web-text/.test(r.contentType ?? ""),
        messages: r.messages, trailerFrames: r.trailerFrames, grpcStatus: r.grpcStatus },
      { httpStatus: 200, text: true, messages: [{ reportId: REPORT.reportId, events: REPORT_EVENTS }],
        trailerFrames: 1, grpcStatus: 0 },
      { bodyChars: r.bodyChars, innerPadding: r.innerPadding });
  });
  await run("text_error", async () => {
    const r = await textCall(baseUrl, "GetReport", REPORT, {});
    return verdict(
      { httpStatus: r.httpStatus, messages: r.messages, grpcStatus: r.grpcStatus, grpcMessage: r.grpcMessage },
      { httpStatus: 200, messages: [], grpcStatus: 16, grpcMessage: "Invalid or missing auth token" },
      { trailerFrames: r.trailerFrames });
  });
  return results;
}

/// Failed case names of a results object.
export function failures(results) {
  return Object.entries(results).filter(([, v]) => !v.ok).map(([k]) => k);
}
