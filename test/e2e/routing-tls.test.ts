// End to end: provider `tls:` against a loopback HTTPS upstream whose self-signed certificate is made at
// test time with openssl. verify: false accepts it, ca_file trusts it, and a provider without `tls:`
// refuses it (so verification is really on by default). This gateway has no server.cors: OPTIONS is not
// answered and responses carry no CORS headers.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, logMessages, runToExit, startGateway, type RunningGateway } from "../support/gateway.ts";

let certDir: string;
let server: Server;
let tlsUrl: string;
let bundle: string;
let gw: RunningGateway;
let openai: OpenAI;
const received: Array<{ path: string; authorization: string | undefined }> = [];

beforeAll(async () => {
  certDir = mkdtempSync(path.join(tmpdir(), "switchyard-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", path.join(certDir, "key.pem"), "-out", path.join(certDir, "cert.pem"),
  ], { stdio: "ignore" });
  server = createServer({ key: readFileSync(path.join(certDir, "key.pem")), cert: readFileSync(path.join(certDir, "cert.pem")) }, (req, res) => {
    received.push({ path: req.url ?? "", authorization: req.headers.authorization });
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({
        id: "chatcmpl-tls", object: "chat.completion", created: 1, model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "Hello over TLS." }, finish_reason: "stop", logprobs: null }],
        usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tlsUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ bundle } = await buildCase("routing-tls", "test/e2e/routing-tls.routes.yaml"));
  gw = await startGateway(bundle, { TLS_URL: tlsUrl, CERT_DIR: certDir });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "client-key", maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

describe("provider tls", () => {
  it("accepts the self-signed certificate with verify: false", async () => {
    const completion = await openai.chat.completions.create({ model: "via-insecure", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBe("Hello over TLS.");
    expect(received.at(-1)).toEqual({ path: "/v1/chat/completions", authorization: "Bearer key-insecure" });
  });

  it("trusts it through ca_file (path from ${CERT_DIR})", async () => {
    const completion = await openai.chat.completions.create({ model: "via-trusted", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBe("Hello over TLS.");
    expect(received.at(-1)!.authorization).toBe("Bearer key-trusted");
  });

  it("refuses it without tls settings: the certificate is verified by default", async () => {
    const before = received.length;
    const error = await openai.chat.completions.create({ model: "via-strict", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toMatch(/strict/);
    expect(received.length).toBe(before);
  });

  it("refuses to start when ca_file cannot be read", async () => {
    const result = await runToExit(bundle, { TLS_URL: tlsUrl, CERT_DIR: path.join(certDir, "missing") });
    expect(result.code).not.toBe(0);
    expect(logMessages(result.output)).toMatch(/provider trusted: cannot read tls\.ca_file ".*missing\/cert\.pem": ENOENT/);
  });
});

describe("without server.cors", () => {
  it("answers no preflight and adds no CORS headers", async () => {
    const preflight = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "http://allowed.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(405); // the path takes POST only, as without CORS support at all
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const post = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { origin: "http://allowed.example", "content-type": "application/json" },
      body: JSON.stringify({ model: "via-insecure", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });
});
