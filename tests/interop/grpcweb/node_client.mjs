// The gRPC-Web calls of issue 14 from Node, without a browser: connect-node's
// gRPC-Web transport (binary application/grpc+proto framing in HTTP/2 bodies,
// trailers in the body's 0x80 frame) against any server given by URL.
//
// usage: node node_client.mjs --server-url https://HOST:PORT --ca FILE
//                             [--http-version 2|1.1] [--bulk N]
// Prints the results as JSON; exit status 1 when a case does not hold.
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { failures, runCases } from "./cases.mjs";

const { values: opt } = parseArgs({
  options: {
    "server-url": { type: "string" },
    ca: { type: "string" },
    "http-version": { type: "string", default: "2" },
    bulk: { type: "string", default: "1000" },
  },
});
if (!opt["server-url"]) {
  console.error("usage: node node_client.mjs --server-url URL [--ca FILE] [--http-version 2|1.1] [--bulk N]");
  process.exit(2);
}

const transport = createGrpcWebTransport({
  baseUrl: opt["server-url"],
  httpVersion: opt["http-version"],
  nodeOptions: opt.ca ? { ca: fs.readFileSync(opt.ca) } : {},
});
const results = await runCases(transport, { bulk: Number(opt.bulk) });
const failed = failures(results);
console.log(JSON.stringify({ serverUrl: opt["server-url"], httpVersion: opt["http-version"], failed, results },
                           null, 2));
console.log(failed.length ? `FAIL: ${failed.join(", ")}` : `PASS: ${Object.keys(results).length} cases`);
process.exit(failed.length ? 1 : 0);
