// HTTPS on the gateway's own listener (server.tls, SWITCHYARD_TLS_CERT/KEY), with self-signed certificates
// made here by openssl and real TLS clients that trust only them: the openai SDK over undici, plain and
// streamed; which certificate a new connection is served, read from the handshake; SWITCHYARD_TLS_* winning
// over routes.yaml; SIGHUP serving new files to new connections while an open stream finishes on the old
// one (a single process) or through a reload (a supervisor); and clear refusals for a half or mismatched pair.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect } from "node:tls";
import OpenAI from "openai";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, logMessages, runToExit, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { waitForOutput } from "../support/wait.ts";

interface Pair {
  cert: string;
  key: string;
  fingerprint: string;
}

let bundle: string;
let mock: MockUpstream;
let dir: string;
const pairs: Record<string, Pair> = {};
const gateways: RunningGateway[] = [];

/** A self-signed P-256 certificate for 127.0.0.1, and its SHA-256 fingerprint as Node prints it. */
function makePair(name: string): Pair {
  const cert = path.join(dir, `${name}-cert.pem`);
  const key = path.join(dir, `${name}-key.pem`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", `/CN=switchyard-test-${name}`, "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  const fingerprint = execFileSync("openssl", ["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" }).trim().split("=")[1]!;
  return { cert, key, fingerprint };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "switchyard-tls-"));
  for (const name of ["a", "b", "c", "d"]) pairs[name] = makePair(name);
  mock = await startMockUpstream({ api: "openai" });
  ({ bundle } = await buildCase("tls", "test/e2e/tls.routes.yaml"));
}, 240_000);
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await mock?.close();
});

const baseEnv = { UPSTREAM_URL: "", UPSTREAM_KEY: "sk-tls-upstream-0123456789" };

async function gateway(env: Record<string, string>, args: string[] = []): Promise<RunningGateway> {
  const gw = await startGateway(bundle, { ...baseEnv, UPSTREAM_URL: mock.url, ...env }, { args });
  gateways.push(gw);
  return gw;
}

/** The fingerprint of the certificate a new TLS connection to `port` is served, trusting only `ca`. */
function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca: readFileSync(ca, "utf8") }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.once("error", reject);
  });
}

/** The openai SDK on undici, trusting only `ca` (one connection pool per client). */
function client(gw: RunningGateway, ca: string): { openai: OpenAI; agent: Agent } {
  const agent = new Agent({ connect: { ca: readFileSync(ca, "utf8") } });
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: undiciFetch as unknown as typeof fetch, fetchOptions: { dispatcher: agent } as unknown as NonNullable<ConstructorParameters<typeof OpenAI>[0]>["fetchOptions"] });
  return { openai, agent };
}

describe("HTTPS listener", () => {
  it("serves routes.yaml's certificate to the openai SDK, plain and streamed, and says https:// with what it serves", async () => {
    const gw = await gateway({ TLS_CERT_FILE: pairs.a!.cert, TLS_KEY_FILE: pairs.a!.key });
    expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const messages = logMessages(gw.output());
    expect(messages).toContain(`HTTPS with the certificate in ${pairs.a!.cert} (CN=switchyard-test-a`);
    expect(messages).toContain("from server.tls (test/e2e/tls.routes.yaml:5:16)");
    // Only the file's name and facts reach the log, never the PEM.
    expect(gw.output()).not.toContain("BEGIN");
    expect(await servedFingerprint(gw.port, pairs.a!.cert)).toBe(pairs.a!.fingerprint);

    const { openai, agent } = client(gw, pairs.a!.cert);
    const completion = await openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    const stream = await openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("Hello from the mock upstream.");
    await agent.close();

    // A client that does not trust the certificate is refused by its own TLS check, and plain HTTP gets no answer.
    await expect(undiciFetch(`${gw.url}/health`)).rejects.toThrow();
    await expect(undiciFetch(`http://127.0.0.1:${gw.port}/health`)).rejects.toThrow();
  });

  it("takes SWITCHYARD_TLS_CERT / SWITCHYARD_TLS_KEY over routes.yaml's files", async () => {
    const gw = await gateway({ TLS_CERT_FILE: pairs.a!.cert, TLS_KEY_FILE: pairs.a!.key, SWITCHYARD_TLS_CERT: pairs.b!.cert, SWITCHYARD_TLS_KEY: pairs.b!.key });
    expect(logMessages(gw.output())).toContain("from SWITCHYARD_TLS_CERT/SWITCHYARD_TLS_KEY");
    expect(await servedFingerprint(gw.port, pairs.b!.cert)).toBe(pairs.b!.fingerprint);
  });

  it("serves plain HTTP when both paths resolve empty", async () => {
    const gw = await gateway({});
    expect(gw.url).toMatch(/^http:\/\//);
    expect((await undiciFetch(`${gw.url}/health`)).status).toBe(200);
  });

  it("on SIGHUP serves the files' new certificate to new connections; a stream on an old connection finishes", async () => {
    const cert = path.join(dir, "hup-cert.pem");
    const key = path.join(dir, "hup-key.pem");
    copyFileSync(pairs.a!.cert, cert);
    copyFileSync(pairs.a!.key, key);
    const gw = await gateway({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    expect(await servedFingerprint(gw.port, pairs.a!.cert)).toBe(pairs.a!.fingerprint);

    const { openai, agent } = client(gw, pairs.a!.cert);
    mock.script({ kind: "slowStream", chunks: 8, intervalMs: 100 });
    const stream = await openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "slow" }], stream: true });
    const collected = (async () => {
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      return text;
    })();

    // A key that does not match the certificate: refused, and the old pair is still served.
    copyFileSync(pairs.c!.cert, cert);
    gw.process.kill("SIGHUP");
    await waitForOutput(gw, "SIGHUP: kept the previous certificate");
    expect(logMessages(gw.output())).toContain(`the key in ${key} does not belong to the certificate in ${cert}`);
    expect(await servedFingerprint(gw.port, pairs.a!.cert)).toBe(pairs.a!.fingerprint);

    copyFileSync(pairs.c!.key, key);
    gw.process.kill("SIGHUP");
    await waitForOutput(gw, `SIGHUP: serving the certificate in ${cert} (CN=switchyard-test-c`);
    expect(await servedFingerprint(gw.port, pairs.c!.cert)).toBe(pairs.c!.fingerprint);

    expect(await collected).toBe(Array.from({ length: 8 }, (_, i) => `t${i} `).join(""));
    await agent.close();
    const fresh = client(gw, pairs.c!.cert);
    const completion = await fresh.openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    await fresh.agent.close();
    expect(await gw.stop()).toBe(0);
  });

  it("under a supervisor (--workers 1 --watch), SIGHUP reloads the worker, which reads the new files", async () => {
    const cert = path.join(dir, "sup-cert.pem");
    const key = path.join(dir, "sup-key.pem");
    copyFileSync(pairs.a!.cert, cert);
    copyFileSync(pairs.a!.key, key);
    const gw = await gateway({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key }, ["--workers", "1", "--watch"]);
    expect(gw.url).toMatch(/^https:\/\//);
    expect(await servedFingerprint(gw.port, pairs.a!.cert)).toBe(pairs.a!.fingerprint);
    copyFileSync(pairs.d!.cert, cert);
    copyFileSync(pairs.d!.key, key);
    gw.process.kill("SIGHUP");
    await waitForOutput(gw, "reloaded (SIGHUP): generation 2 serving https://");
    // Once the old worker has closed its listener (within a turn of saying so), every new connection reaches
    // the new one. A connection the kernel queues on the old listener in the microseconds before it closes is
    // reset: docs/operating.md says so, and how net.ipv4.tcp_migrate_req avoids it.
    await waitForOutput(gw, "retiring: draining for the new bundle");
    await new Promise((r) => setTimeout(r, 200));
    expect(await servedFingerprint(gw.port, pairs.d!.cert)).toBe(pairs.d!.fingerprint);
    expect(await gw.stop()).toBe(0);
  });

  it("refuses to start with half a pair, or a key that does not match, saying which", async () => {
    const half = await runToExit(bundle, { ...baseEnv, UPSTREAM_URL: "http://127.0.0.1:9", SWITCHYARD_TLS_CERT: pairs.a!.cert });
    expect(half.code).toBe(1);
    expect(logMessages(half.output)).toContain("cannot start: SWITCHYARD_TLS_CERT is set but SWITCHYARD_TLS_KEY is not");
    const mismatched = await runToExit(bundle, { ...baseEnv, UPSTREAM_URL: "http://127.0.0.1:9", TLS_CERT_FILE: pairs.a!.cert, TLS_KEY_FILE: pairs.b!.key });
    expect(mismatched.code).toBe(1);
    expect(logMessages(mismatched.output)).toContain(`cannot start: server.tls (test/e2e/tls.routes.yaml:5:16): the key in ${pairs.b!.key} does not belong to the certificate in ${pairs.a!.cert}`);
    const missing = await runToExit(bundle, { ...baseEnv, UPSTREAM_URL: "http://127.0.0.1:9", TLS_CERT_FILE: path.join(dir, "nope.pem"), TLS_KEY_FILE: pairs.a!.key });
    expect(missing.code).toBe(1);
    expect(logMessages(missing.output)).toContain(`cannot read the certificate file ${path.join(dir, "nope.pem")}: ENOENT`);
  });
});
