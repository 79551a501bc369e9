// docs/library.md's example runs as a user runs it: `node examples/embed/server.mjs` (a plain node:http
// server that builds examples/embed/routes.yaml with createGateway and mounts it under /llm/), in a folder of
// its own for the gateway's logs/ and data/. Requests under /llm/ reach the gateway, streamed; the rest are
// the host's; SIGTERM closes both.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "../support/gateway.ts";

const cwd = mkdtempSync(path.join(tmpdir(), "switchyard-embed-"));
const child = spawn(process.execPath, [path.join(root, "examples/embed/server.mjs")], { cwd, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? cwd, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
let output = "";
child.stdout.on("data", (d) => (output += d));
child.stderr.on("data", (d) => (output += d));
const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
let url: string;

beforeAll(async () => {
  // The build inside (load, validate, emit, type-check, bundle) takes a minute or two on a loaded machine.
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example did not start:\n${output}`)), 280_000);
    child.stdout.on("data", () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+) \(Switchyard under \/llm\/\)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`the example exited ${code}:\n${output}`)));
  });
}, 300_000);

afterAll(() => {
  child.kill("SIGKILL");
  rmSync(cwd, { recursive: true, force: true });
});

describe("examples/embed/server.mjs", () => {
  it("answers a chat completion under /llm/ from the embedded gateway, and its own routes elsewhere", async () => {
    const answer = await fetch(`${url}/llm/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hello", messages: [{ role: "user", content: "Hi" }] }) });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe("Hello from Switchyard, embedded under /llm/ of another server.");
    const own = await fetch(`${url}/`);
    expect(await own.text()).toBe("the host app; the LLM gateway is under /llm/\n");
    // The gateway's own errors come through in the client's format.
    const unknown = await fetch(`${url}/llm/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "nope", messages: [{ role: "user", content: "Hi" }] }) });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain("nope");
  });

  it("streams to the Anthropic SDK pointed at the mount", async () => {
    const anthropic = new Anthropic({ baseURL: `${url}/llm`, apiKey: "unused", maxRetries: 0 });
    let text = "";
    let events = 0;
    const stream = anthropic.messages.stream({ model: "hello", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] }).on("text", (delta) => {
      text += delta;
      events++;
    });
    await stream.finalMessage();
    expect(text).toBe("Hello from Switchyard, embedded under /llm/ of another server.");
    expect(events).toBeGreaterThan(1);
  });

  it("stops on SIGTERM after closing the gateway, its request log written in the folder it ran in", async () => {
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("closed");
    expect(existsSync(path.join(cwd, "logs"))).toBe(true);
  }, 30_000);
});
