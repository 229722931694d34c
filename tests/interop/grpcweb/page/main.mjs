// The page's script (bundled by esbuild into main.js): the calls of
// cases.mjs through @connectrpc/connect-web's gRPC-Web transport (fetch,
// binary framing), then the -text format through fetch by hand. The gRPC-Web
// server is the page's ?server= parameter (another origin: CORS); ?bulk=N
// sets the long stream's length. The results go into window.grpcWebResults
// and the page; window.grpcWebDone is set when all is over.
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { failures, runCases, runTextCases } from "../cases.mjs";

const params = new URLSearchParams(location.search);
const server = params.get("server");
const bulk = Number(params.get("bulk") ?? "1000");
document.getElementById("origin").textContent = location.origin;
document.getElementById("server").textContent = server;

function show(results) {
  const table = document.getElementById("table");
  for (const [name, r] of Object.entries(results)) {
    const row = table.insertRow();
    row.className = r.ok ? "ok" : "fail";
    row.insertCell().textContent = name;
    row.insertCell().textContent = r.ok ? "ok" : "FAIL";
    row.insertCell().textContent = r.ms ?? "";
  }
}

async function main() {
  const transport = createGrpcWebTransport({ baseUrl: server });
  const results = await runCases(transport, { bulk });
  Object.assign(results, await runTextCases(server));
  show(results);
  const failed = failures(results);
  document.getElementById("results").textContent = JSON.stringify(results, null, 1);
  document.getElementById("state").textContent =
    failed.length ? `FAIL: ${failed.join(", ")}` : `PASS: ${Object.keys(results).length} cases`;
  window.grpcWebResults = { failed, results, userAgent: navigator.userAgent };
}

main()
  .catch((e) => {
    document.getElementById("state").textContent = `FAIL: ${e?.stack ?? e}`;
    window.grpcWebResults = { failed: ["page"], results: { page: { ok: false, thrown: String(e?.stack ?? e) } } };
  })
  .finally(() => {
    window.grpcWebDone = true;
  });
