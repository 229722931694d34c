// A throwaway CA and a server certificate signed by it, for 127.0.0.1 and
// localhost, made with openssl (no npm dependency). The gRPC-Web server and
// the page server use the same certificate; Node trusts the CA (--ca), the
// browser is told to ignore certificate errors.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/// How long the certificates are valid: a test run, with room for a clock
/// that is a little off.
const VALID_DAYS = 2;

export function makeCerts(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const f = (name) => path.join(dir, name);
  const openssl = (...args) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.pem"),
          "-days", String(VALID_DAYS), "-subj", "/CN=h2pb grpcweb test CA");
  openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("server.key"), "-out", f("server.csr"),
          "-subj", "/CN=localhost");
  fs.writeFileSync(f("server.ext"),
                   "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"),
          "-CAcreateserial", "-out", f("server.pem"), "-days", String(VALID_DAYS), "-extfile", f("server.ext"));
  // The chain (the server's certificate, then the CA's): for a server that
  // also calls itself and trusts its own --tls-cert file as the CA
  // (analytics_server_full's downstream call).
  fs.writeFileSync(f("chain.pem"), fs.readFileSync(f("server.pem"), "utf8") + fs.readFileSync(f("ca.pem"), "utf8"));
  return { ca: f("ca.pem"), cert: f("server.pem"), key: f("server.key"), chain: f("chain.pem") };
}
