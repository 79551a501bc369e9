// A provider that never completes the TCP handshake is given up after its connect timeout, and the
// request falls back to the next target: the client never sees the dead provider.
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { startBlackhole, type Blackhole } from "../support/blackhole.ts";

let hole: Blackhole;
let upstream: MockUpstream;
let gw: RunningGateway;

beforeAll(async () => {
  [hole, upstream] = await Promise.all([startBlackhole(), startMockUpstream({ api: "openai" })]);
  const { bundle } = await buildCase("connect-timeout", "test/e2e/connect-timeout.routes.yaml");
  gw = await startGateway(bundle, { BLACKHOLE_PORT: String(hole.port), UPSTREAM_URL: upstream.url, UPSTREAM_KEY: "sk-up-0123456789abcdef" });
});

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
  await hole?.close();
});

it("a connect that hangs times out after connect_ms and falls back to the next target", async () => {
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "client", maxRetries: 0 });
  const completion = await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
  expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
  const [record] = await gw.waitForLogRecords(1);
  expect(record!.attempts[0]).toMatchObject({ provider: "blackhole", status: null, error: "connect timeout" });
  // Bounded by connect_ms (300), with generous room for a loaded CI machine.
  expect(record!.attempts[0].latency_ms).toBeGreaterThanOrEqual(250);
  expect(record!.attempts[0].latency_ms).toBeLessThan(3000);
  expect(record!.attempts[1]).toMatchObject({ provider: "upstream", status: 200 });
});
