#!/usr/bin/env node
// A grpc.testing.TestService server on @grpc/grpc-js + @grpc/proto-loader, so
// that h2pb's gRPC client (`h2pb interop-client`) is tested against grpc-js's
// server too. It implements the server features of
// interop-test-descriptions.md ("Server" section): EmptyCall, UnaryCall,
// StreamingInputCall, StreamingOutputCall, FullDuplexCall, HalfDuplexCall,
// Echo Status, Echo Metadata, ResponseParameters.interval_us and
// CompressedRequest. UnimplementedCall is left out of the implementation, so
// grpc-js answers it with UNIMPLEMENTED (12).
//
// CLI (the server contract at the top of run_clients.py):
//   node server.js --port N [--host ADDR] [--tls-cert F --tls-key F]
// The first stdout line is `listening on HOST:PORT` with the bound port.
// SIGTERM or SIGINT stop it (exit 0).
//
// Limits of grpc-js (1.14) as a server, which this server cannot work around:
//   - CompressedResponse: grpc-js's server never compresses a response
//     (server-interceptors.js serializeMessage(): "response compression is
//     currently not supported, so this compressed bit is always 0"). So
//     response_compressed=true and ResponseParameters.compressed=true are NOT
//     honoured: every response goes out with Compressed-Flag 0. The
//     server_compressed_* cases cannot pass against it (meson.build skips them).
//   - CompressedRequest: grpc-js decompresses requests before the handler sees
//     them and shows neither the per-message Compressed-Flag nor grpc-encoding
//     to it. This server reads the flag by wrapping grpc-js's internal
//     BaseServerInterceptingCall.prototype.decompressMessage(framed, encoding),
//     which gets each framed message and the encoding chosen from its
//     Compressed-Flag ('identity' when the flag is 0), and tagging the buffer it
//     returns; the request deserializer moves that tag onto the message. That is
//     an internal API of the pinned grpc-js version (package.json); if it is
//     gone the server refuses to start rather than silently skip the check.

'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const interceptors = require('@grpc/grpc-js/build/src/server-interceptors');

const PROTO_ROOT = '/usr/share/grpc-proto';
const PROTO_FILE = path.join(PROTO_ROOT, 'grpc/testing/test.proto');
// Largest message either way: large_unary's are ~300 KiB and slow_reader
// streams 64 KiB messages; grpc-js's default receive limit is 4 MiB.
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';
const EXIT_USAGE = 2;
// On SIGTERM, calls still running get this long before they are cancelled.
const SHUTDOWN_GRACE_MS = 1000;

// Property names carrying "arrived compressed" from decompressMessage()'s
// result buffer to the deserialized request (see the header comment).
const WAS_COMPRESSED = Symbol('h2pb.wasCompressed');

function patchDecompress() {
  const proto = interceptors.BaseServerInterceptingCall && interceptors.BaseServerInterceptingCall.prototype;
  if (!proto || typeof proto.decompressMessage !== 'function') {
    throw new Error('grpc-js internals changed: BaseServerInterceptingCall.decompressMessage is gone, ' +
                    'so the Compressed-Flag of requests cannot be observed');
  }
  const original = proto.decompressMessage;
  proto.decompressMessage = function(message, encoding) {
    const compressed = encoding !== 'identity';
    const tag = (buf) => {
      buf[WAS_COMPRESSED] = compressed;
      return buf;
    };
    const out = original.call(this, message, encoding);
    return out instanceof Promise ? out.then(tag) : tag(out);
  };
}

function loadService() {
  const def = protoLoader.loadSync(PROTO_FILE, {
    includeDirs: [PROTO_ROOT],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const service = grpc.loadPackageDefinition(def).grpc.testing.TestService.service;
  // Carry the WAS_COMPRESSED tag from the (decompressed) bytes to the message.
  const wrapped = {};
  for (const [name, method] of Object.entries(service)) {
    const deserialize = method.requestDeserialize;
    wrapped[name] = Object.assign({}, method, {
      requestDeserialize: (buf) => {
        const msg = deserialize(buf);
        msg[WAS_COMPRESSED] = buf[WAS_COMPRESSED] === true;
        return msg;
      },
    });
  }
  return wrapped;
}

class Status extends Error {
  constructor(code, details) {
    super(details);
    this.code = code;
    this.details = details;
  }
}

// CompressedRequest: a message with expect_compressed true must have arrived
// compressed, one with expect_compressed false plain; else INVALID_ARGUMENT.
// proto-loader (defaults: true) gives an unset message field as null.
function checkExpectCompressed(req) {
  if (!req.expect_compressed) return;
  const compressed = req[WAS_COMPRESSED] === true;
  if (req.expect_compressed.value && !compressed) {
    throw new Status(grpc.status.INVALID_ARGUMENT, 'expect_compressed is set but the request is not compressed');
  }
  if (!req.expect_compressed.value && compressed) {
    throw new Status(grpc.status.INVALID_ARGUMENT, 'expect_compressed is false but the request is compressed');
  }
}

function checkResponseType(req) {
  if (req.response_type && req.response_type !== 'COMPRESSABLE') {
    throw new Status(grpc.status.INVALID_ARGUMENT, `unsupported response_type ${req.response_type}`);
  }
}

// Echo Status: a non-zero response_status ends the call with it.
function echoStatus(req) {
  if (req.response_status && req.response_status.code !== 0) {
    throw new Status(req.response_status.code, req.response_status.message);
  }
}

// Echo Metadata: x-grpc-test-echo-initial back as initial metadata (sent now),
// x-grpc-test-echo-trailing-bin returned for the trailers.
function echoMetadata(call) {
  const initial = new grpc.Metadata();
  const trailing = new grpc.Metadata();
  let any = false;
  for (const v of call.metadata.get(ECHO_INITIAL)) {
    initial.add(ECHO_INITIAL, v);
    any = true;
  }
  for (const v of call.metadata.get(ECHO_TRAILING)) trailing.add(ECHO_TRAILING, v);
  if (any) call.sendMetadata(initial);
  return trailing;
}

function payload(size) {
  // Payloads of type COMPRESSABLE are zeros (messages.proto, PayloadType).
  return {type: 'COMPRESSABLE', body: Buffer.alloc(size)};
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Writes one response, waiting for 'drain' when grpc-js's buffer is full (so a
// slow reader's flow-control window bounds what we hold). False: call gone.
function write(call, msg) {
  if (call.cancelled || call.destroyed) return Promise.resolve(false);
  if (call.write(msg)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok) => {
      call.off('drain', onDrain);
      call.off('cancelled', onCancel);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onCancel = () => done(false);
    call.on('drain', onDrain);
    call.on('cancelled', onCancel);
  });
}

// The responses one StreamingOutputCallRequest asks for, with interval_us
// before each. ResponseParameters.compressed cannot be honoured (header).
async function respond(call, req) {
  checkResponseType(req);
  for (const params of req.response_parameters) {
    if (params.interval_us > 0) await sleep(params.interval_us / 1000);
    if (!(await write(call, {payload: payload(params.size)}))) return false;
  }
  return true;
}

// Ends a streaming call with err's status (or OK) and the trailers.
function finish(call, err, trailing) {
  if (call.cancelled) return;
  if (err) {
    if (!(err instanceof Status)) err = new Status(grpc.status.INTERNAL, String(err && err.stack || err));
    call.emit('error', {code: err.code, details: err.details, metadata: trailing});
  } else {
    call.end(trailing);
  }
}

// Collects a client stream's messages as a promise of an array.
function readAll(call) {
  return new Promise((resolve, reject) => {
    const out = [];
    call.on('data', (m) => out.push(m));
    call.on('end', () => resolve(out));
    call.on('error', reject);
  });
}

const handlers = {
  EmptyCall(call, callback) {
    const trailing = echoMetadata(call);
    callback(null, {}, trailing);
  },

  UnaryCall(call, callback) {
    const trailing = echoMetadata(call);
    try {
      const req = call.request;
      checkExpectCompressed(req);
      echoStatus(req);
      checkResponseType(req);
      // response_compressed cannot be honoured (header comment).
      callback(null, {payload: payload(req.response_size)}, trailing);
    } catch (err) {
      if (!(err instanceof Status)) throw err;
      callback({code: err.code, details: err.details, metadata: trailing});
    }
  },

  StreamingInputCall(call, callback) {
    const trailing = echoMetadata(call);
    let total = 0;
    let failed = false;
    call.on('data', (req) => {
      if (failed) return;
      try {
        checkExpectCompressed(req);
        total += req.payload ? req.payload.body.length : 0;
      } catch (err) {
        failed = true;
        callback({code: err.code, details: err.details, metadata: trailing});
      }
    });
    call.on('end', () => {
      if (!failed) callback(null, {aggregated_payload_size: total}, trailing);
    });
  },

  async StreamingOutputCall(call) {
    const trailing = echoMetadata(call);
    try {
      checkExpectCompressed(call.request);
      if (!(await respond(call, call.request))) return;
      echoStatus(call.request);
      finish(call, null, trailing);
    } catch (err) {
      finish(call, err, trailing);
    }
  },

  FullDuplexCall(call) {
    const trailing = echoMetadata(call);
    // Requests are answered one at a time, in order, each after the last.
    let chain = Promise.resolve(true);
    let failed = false;
    call.on('data', (req) => {
      chain = chain.then(async (alive) => {
        if (!alive || failed) return false;
        try {
          checkExpectCompressed(req);
          echoStatus(req);
          return await respond(call, req);
        } catch (err) {
          failed = true;
          finish(call, err, trailing);
          return false;
        }
      });
    });
    call.on('end', () => {
      chain.then((alive) => {
        if (alive && !failed) finish(call, null, trailing);
      });
    });
  },

  async HalfDuplexCall(call) {
    const trailing = echoMetadata(call);
    try {
      const requests = await readAll(call);
      for (const req of requests) {
        checkExpectCompressed(req);
        echoStatus(req);
        if (!(await respond(call, req))) return;
      }
      finish(call, null, trailing);
    } catch (err) {
      finish(call, err, trailing);
    }
  },
};

function usage() {
  process.stderr.write('usage: server.js --port N [--host ADDR] [--tls-cert F --tls-key F]\n');
  process.exit(EXIT_USAGE);
}

function parseArgs(argv) {
  const args = {host: '127.0.0.1'};
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (!a.startsWith('--')) usage();
    a = a.slice(2);
    const eq = a.indexOf('=');
    let value;
    if (eq >= 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    } else {
      if (i + 1 >= argv.length) usage();
      value = argv[++i];
    }
    if (!['port', 'host', 'tls-cert', 'tls-key'].includes(a)) usage();
    args[a] = value;
  }
  if (args.port === undefined || !!args['tls-cert'] !== !!args['tls-key']) usage();
  return args;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  patchDecompress();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(loadService(), handlers);
  const creds = args['tls-cert']
    ? grpc.ServerCredentials.createSsl(null, [{
      private_key: fs.readFileSync(args['tls-key']),
      cert_chain: fs.readFileSync(args['tls-cert']),
    }])
    : grpc.ServerCredentials.createInsecure();
  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  server.bindAsync(`${host}:${args.port}`, creds, (err, port) => {
    if (err) {
      process.stderr.write(`server.js: cannot listen on ${host}:${args.port}: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`listening on ${args.host}:${port}\n`);
  });
  const stop = () => {
    const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(force);
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
