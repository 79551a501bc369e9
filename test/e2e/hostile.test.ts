// The hostile-input corpus (issue 15): bad requests, slow clients, smuggling attempts and upstream faults,
// one table against one built bundle and one gateway process. Each row states what the client must get
// (status, error type, whether the gateway closed the connection), and after every row a normal request
// must still be answered by the same process. Rows live in test/e2e/hostile/ by group.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { inputRows } from "./hostile/input.ts";
import { slowClientRows } from "./hostile/slow-clients.ts";
import { smugglingRows } from "./hostile/smuggling.ts";
import { upstreamRows, type Upstreams } from "./hostile/upstream.ts";
import { errorTypeOf, type HostileRow } from "./hostile/wire.ts";
import { until } from "../support/wait.ts";

let oa: MockUpstream;
let an: MockUpstream;
let faulty: MockUpstream;
let gw: RunningGateway;
/** Filled in beforeAll; the row lists read it only when a row runs. */
const upstreams = {} as Upstreams;

beforeAll(async () => {
  [oa, an, faulty] = await Promise.all([startMockUpstream({ api: "openai" }), startMockUpstream({ api: "anthropic" }), startMockUpstream({ api: "openai" })]);
  Object.assign(upstreams, { faulty, an });
  const { bundle } = await buildCase("hostile", "test/e2e/hostile.routes.yaml");
  gw = await startGateway(bundle, { KEY: "sk-upstream-0123456789abcdefghij", OA_URL: oa.url, AN_URL: an.url, FAULTY_URL: faulty.url });
}, 240_000);

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oa?.close(), an?.close(), faulty?.close()]);
});

/** The process is up and serving: a plain request on a fresh connection is answered. */
async function stillServing(): Promise<void> {
  expect(gw.process.exitCode, "the gateway process exited").toBeNull();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-x", messages: [{ role: "user", content: "still there?" }] }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).choices[0].message.content).toBe("Hello from the mock upstream.");
}

function runRows(rows: HostileRow[], timeout = 30_000): void {
  it.each(rows.map((row) => [row.name, row] as const))("%s", async (_, row) => {
    const result = await row.send(gw.port);
    expect({ status: result.status, closed: result.closed }, result.body.slice(0, 500)).toEqual({ status: row.expect.status, closed: row.expect.closed });
    if (row.expect.errorType !== undefined) expect(errorTypeOf(result.body), result.body.slice(0, 500)).toBe(row.expect.errorType);
    const logged = row.expect.logged;
    if (logged !== undefined) {
      const records = await until(`the log record of ${result.requestId}`, () => gw.logRecords(), (all) => all.some((r) => r.id === result.requestId));
      expect(records.find((r) => r.id === result.requestId)!.error).toMatch(logged);
    }
    await stillServing();
  }, timeout);
}

describe("bad input", () => runRows(inputRows));
describe("request smuggling", () => runRows(smugglingRows));
describe("upstream faults", () => runRows(upstreamRows(upstreams)));
describe("slow clients", () => runRows(slowClientRows(upstreams), 150_000));
