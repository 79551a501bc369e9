// The dashboard at /_switchyard/ in a real headless Chromium (Debian's package, driven by playwright-core)
// against a built bundle with loopback mock upstreams: the page loads without a console error, signs in
// with the admin key, its numbers and charts show exactly the requests the test sent (as the request log
// recorded them), a request drills down to its attempts and redacted bodies, and a key revoked from the
// keys page gets a 401 from the gateway. The overview's screenshot goes to test/.build/dashboard/.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, root, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

const UPSTREAM_KEY = "sk-upstream-dashboard-test-0123456789";
const ADMIN_KEY = "admin-key-for-the-dashboard-test-0123456789";
const CHROMIUM = "/usr/bin/chromium";
/** Without these, Chromium on a machine without network stalls on its background fetches. */
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const OUTPUT = path.join(root, "test/.build/dashboard");
/** A secret-shaped string a client pastes into a prompt: the drill-down must show it redacted. */
const PASTED_SECRET = "sk-pasted0123456789abcdefghij";

let oa: MockUpstream;
let an: MockUpstream;
let down: MockUpstream;
let gateway: RunningGateway;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
let alice: { id: string; key: string };
let bob: { id: string; key: string };
/** The request log's records of the requests the test sent: what the page must agree with. */
let sent: Array<Record<string, any>>;

async function admin(method: string, url: string, body?: object): Promise<any> {
  const res = await fetch(`${gateway.url}${url}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  expect(res.status, `${method} ${url}`).toBeLessThan(300);
  return res.json();
}

async function chat(key: string, model: string, content = "hi", extra: object = {}): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }], max_tokens: 10, ...extra }),
  });
}

async function messages(key: string, model: string): Promise<Response> {
  return fetch(`${gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: "user", content: "hello" }] }),
  });
}

/** The text of every legend entry of a chart: [x, series 1, series 2, …]. */
async function legend(chart: string): Promise<string[]> {
  return page.locator(`[data-chart="${chart}"] .u-legend .u-series .u-value`).allTextContents();
}

function usd(value: number): string {
  return "$" + String(Number(value.toPrecision(4)));
}

const sum = (records: Array<Record<string, any>>, pick: (r: Record<string, any>) => number) => records.reduce((total, r) => total + pick(r), 0);

beforeAll(async () => {
  const usage = { input: 5, output: 10, cacheRead: 0, cacheCreation: 0 };
  [oa, an, down] = await Promise.all([
    startMockUpstream({ api: "openai", default: { kind: "reply", usage } }),
    startMockUpstream({ api: "anthropic", default: { kind: "reply", usage } }),
    startMockUpstream({ api: "openai", default: { kind: "error", status: 503 } }),
  ]);
  const { bundle } = await buildCase("dashboard", "test/e2e/dashboard.routes.yaml");
  const store = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "switchyard-dashboard-")), "store.db")}`;
  gateway = await startGateway(bundle, { OA_URL: oa.url, AN_URL: an.url, DOWN_URL: down.url, UPSTREAM_KEY, SWITCHYARD_STORE: store, SWITCHYARD_ADMIN_KEY: ADMIN_KEY });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`page error: ${error.message}`));
  mkdirSync(OUTPUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await Promise.all([oa?.close(), an?.close(), down?.close()]);
});

describe("the page and its API", () => {
  it("serves the page publicly with its content types and caching, and the data only with the admin key", async () => {
    const html = await fetch(`${gateway.url}/_switchyard/`);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html.headers.get("cache-control")).toBe("no-cache");
    expect(html.headers.get("content-security-policy")).toContain("script-src 'self'");
    const text = await html.text();
    const assets = [...text.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.map((a) => path.extname(a)).sort()).toEqual([".css", ".js", ".svg"]);
    // Nothing from another origin: every URL in the page is one of its own files.
    expect(text).not.toMatch(/https?:\/\//);
    const types: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml" };
    for (const asset of assets) {
      const res = await fetch(`${gateway.url}/_switchyard/${asset}`, { headers: { "accept-encoding": "gzip" } });
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("content-type")).toBe(types[path.extname(asset)]);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("content-encoding")).toBe("gzip");
      expect((await res.text()).length).toBeGreaterThan(100);
      const again = await fetch(`${gateway.url}/_switchyard/${asset}`, { headers: { "if-none-match": res.headers.get("etag")! } });
      expect(again.status).toBe(304);
    }
    expect((await fetch(`${gateway.url}/_switchyard`, { redirect: "manual" })).headers.get("location")).toBe("/_switchyard/");
    expect((await fetch(`${gateway.url}/_switchyard/assets/nope.js`)).status).toBe(404);

    for (const api of ["session", "overview", "requests", "requests/req_0", "spend"]) {
      expect((await fetch(`${gateway.url}/_switchyard/api/${api}`)).status, api).toBe(401);
      expect((await fetch(`${gateway.url}/_switchyard/api/${api}`, { headers: { authorization: "Bearer wrong-admin-key" } })).status, api).toBe(401);
    }
    const session = await admin("GET", "/_switchyard/api/session");
    expect(session).toEqual({ env: "dev", recent_requests: 50, history_hours: 2, bodies: true });
  });
});

describe("in Chromium", { timeout: 90_000 }, () => {
  it("signs in with the admin key, and the overview shows the requests sent", async () => {
    alice = await admin("POST", "/admin/keys", { name: "alice", budget_usd: 1, budget_period: "month" });
    bob = await admin("POST", "/admin/keys", { name: "bob" });
    // The chart test reads the current minute: start well away from its end.
    const second = new Date().getSeconds();
    if (second > 35) await new Promise((r) => setTimeout(r, (61 - second) * 1000));

    const before = await gateway.settledLogCount();
    const answers = await Promise.all([
      chat(alice.key, "gpt-4o"),
      chat(alice.key, "gpt-4o", `my old key was ${PASTED_SECRET} and the provider's is ${UPSTREAM_KEY}, admin ${ADMIN_KEY}`),
      chat(alice.key, "gpt-4o", "stream please", { stream: true, stream_options: { include_usage: true } }),
      messages(bob.key, "claude-sonnet"),
      messages(bob.key, "claude-sonnet"),
      chat(bob.key, "broken"),
      chat("sk-sy-not-a-key-at-all-0000000000", "gpt-4o"),
    ]);
    await Promise.all(answers.map((a) => a.text()));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 502, 401]);
    sent = (await gateway.waitForLogRecords(before + 7)).slice(before);
    expect(sent).toHaveLength(7);
    // The ledger writes once a second: let the spend reach the store.
    await new Promise((r) => setTimeout(r, 1500));

    await page.goto(`${gateway.url}/_switchyard/`);
    await page.getByLabel("admin key").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("window").selectOption("15");
    const stat = (name: string) => page.locator(`[data-stat="${name}"] .stat-value`);
    await expect.poll(() => stat("requests").textContent()).toBe("7");

    const input = sum(sent, (r) => r.usage?.prompt_tokens ?? 0);
    const output = sum(sent, (r) => r.usage?.completion_tokens ?? 0);
    const cost = sum(sent, (r) => r.cost_usd ?? 0);
    // Known from the mocks and prices: 5 answered requests of 5 + 10 tokens; gpt-4o at $100/$1000 per
    // million, claude-sonnet at $200/$2000.
    expect([input, output]).toEqual([25, 50]);
    expect(cost).toBeCloseTo(3 * 0.0105 + 2 * 0.021, 12);
    expect(await stat("tokens").textContent()).toBe(String(input + output));
    expect(await stat("cost").textContent()).toBe(usd(cost));
    // A 401 and a 502 (every target failed) of 7.
    expect(await stat("errors").textContent()).toBe("28.6%");
    expect(await page.locator('[data-stat="errors"] .stat-detail').textContent()).toBe("1 4xx · 1 5xx");
    const latencies = sent.map((r) => r.latency_ms as number).sort((a, b) => a - b);
    const p50 = parseFloat((await stat("p50").textContent())!);
    // From a histogram with ~1.5× buckets: within a bucket of the true median.
    expect(p50).toBeGreaterThan(latencies[3]! / 2);
    expect(p50).toBeLessThan(latencies[3]! * 2 + 1);

    // The charts: away from the plot their legends give the window's figures; over the current minute, that minute's.
    await page.mouse.move(0, 0);
    expect(await legend("requests")).toEqual(["last 15 min", "7", "1", "1"]);
    expect(await legend("tokens")).toEqual(["last 15 min", String(input), String(output)]);
    const plot = (await page.locator('[data-chart="requests"] .u-over').boundingBox())!;
    await page.mouse.move(plot.x + plot.width - 1, plot.y + plot.height / 2);
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000).toLocaleTimeString("en-GB", { hour12: false, hour: "2-digit", minute: "2-digit" });
    expect(await legend("requests")).toEqual([minute, "7", "1", "1"]);
    // One minute earlier there was nothing.
    await page.mouse.move(plot.x + plot.width * (12.5 / 14), plot.y + plot.height / 2);
    expect((await legend("requests")).slice(1)).toEqual(["0", "0", "0"]);
    await page.mouse.move(0, 0);

    const row = (table: string, attribute: string, value: string) => page.locator(`[data-table="${table}"] tr[${attribute}="${value}"] td`).allTextContents();
    const gpt = sent.filter((r) => r.model === "gpt-4o" && r.status === 200);
    expect(await row("by-model", "data-model", "gpt-4o")).toEqual(["gpt-4o", "3", "0", "15", "30", usd(sum(gpt, (r) => r.cost_usd))]);
    // The unknown key was refused before its body was read: no model.
    expect(await row("by-model", "data-model", "(none)")).toEqual(["(none)", "1", "1", "0", "0", "$0.00"]);
    expect(await row("by-model", "data-model", "broken")).toEqual(["broken", "1", "1", "0", "0", "$0.00"]);
    expect(await row("by-model", "data-model", "claude-sonnet")).toEqual(["claude-sonnet", "2", "0", "10", "20", "$0.042"]);
    expect(await row("by-key", "data-key", alice.id)).toEqual([`alice (${alice.id})`, "3", "0", "15", "30", usd(sum(gpt, (r) => r.cost_usd))]);
    // The ledger (spend over days) agrees.
    expect(await legend("spend")).toEqual(["last 30 days", usd(cost)]);
    // Bob's failed request spent nothing, so the ledger counts his two answered ones.
    expect((await row("spend-by-key", "data-key", bob.id)).slice(0, 2)).toEqual([`bob (${bob.id})`, "2"]);

    await page.screenshot({ path: path.join(OUTPUT, "overview.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("lists the latest requests and drills down into one: attempts, timings, usage, cost, redacted bodies", async () => {
    await page.getByRole("link", { name: "Requests" }).click();
    const rows = page.locator('[data-table="requests"] tbody tr');
    await expect.poll(() => rows.count()).toBe(7);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-request")));
    // Newest first, as the log finished them.
    expect(new Set(ids)).toEqual(new Set(sent.map((r) => r.id)));

    await page.getByTestId("outcome").selectOption("error");
    await expect.poll(() => rows.count()).toBe(2);
    const broken = sent.find((r) => r.model === "broken")!;
    await page.locator(`tr[data-request="${broken.id}"]`).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe(`Request ${broken.id}`);
    const attempts = page.locator("[data-attempt]");
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).locator("td").allTextContents()).toEqual(expect.arrayContaining(["1", "down", "gpt-4o", "503"]));
    expect((await attempts.nth(1).locator("td").allTextContents()).join(" ")).toContain("retry 1 after");
    expect(await page.locator(".timeline .bar").count()).toBe(2);
    expect(await page.locator('[data-fact="Status"]').textContent()).toBe("502");

    await page.getByRole("link", { name: "← Latest requests" }).click();
    await page.getByTestId("outcome").selectOption("");
    const pasted = sent.find((r) => JSON.stringify(r.request_body ?? null).includes("my old key"))!;
    await page.locator(`tr[data-request="${pasted.id}"] a`).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe(`Request ${pasted.id}`);
    const requestBody = (await page.locator('[data-body="Request body"]').textContent())!;
    expect(requestBody).toContain("my old key was [REDACTED]");
    expect(requestBody).not.toContain(PASTED_SECRET);
    expect(requestBody).not.toContain(UPSTREAM_KEY);
    expect(requestBody).not.toContain(ADMIN_KEY);
    expect(await page.locator('[data-body="Response body"]').textContent()).toContain("Hello from the mock upstream.");
    expect(await page.locator('[data-fact="Cost"]').textContent()).toBe(usd(pasted.cost_usd));
    expect(await page.locator('[data-fact="Output tokens"]').textContent()).toBe("10");
    expect(await page.locator('[data-fact="Key"]').textContent()).toBe(`alice (${alice.id})`);
    expect(await page.content()).not.toContain(alice.key);
    await page.screenshot({ path: path.join(OUTPUT, "request.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("shows each key's spend against its budget, creates a key, and revokes one so the gateway refuses it", async () => {
    await page.getByRole("link", { name: "Keys" }).click();
    const keyRow = (id: string) => page.locator(`[data-table="keys"] tr[data-key="${id}"]`);
    await expect.poll(() => keyRow(alice.id).count()).toBe(1);
    const aliceSpent = sum(sent.filter((r) => r.key_id === alice.id), (r) => r.cost_usd ?? 0);
    expect(await page.locator(`[data-budget="${alice.id}"] > div`).first().textContent()).toBe(`${usd(aliceSpent)} of $1.00 per month`);
    expect(await keyRow(bob.id).locator("[data-key-status]").textContent()).toBe("active");

    const form = page.getByTestId("create-key");
    await form.getByLabel("Name").fill("carol");
    await form.getByLabel("Models").fill("gpt-4o");
    await form.getByRole("button", { name: "Create key" }).click();
    const created = (await page.getByTestId("new-key").textContent())!;
    expect(created).toMatch(/^sk-sy-/);
    expect((await chat(created, "gpt-4o")).status).toBe(200);
    expect((await chat(created, "broken")).status).toBe(403);

    expect((await messages(bob.key, "claude-sonnet")).status).toBe(200);
    const revoke = keyRow(bob.id).getByRole("button", { name: "Revoke" });
    await revoke.click();
    await keyRow(bob.id).getByRole("button", { name: "Confirm revoke" }).click();
    await expect.poll(() => keyRow(bob.id).locator("[data-key-status]").textContent()).toBe("revoked");
    const refused = await messages(bob.key, "claude-sonnet");
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as any).error.message).toContain("was revoked");
    await page.screenshot({ path: path.join(OUTPUT, "keys.png"), fullPage: true });
    expect((await chat(alice.key, "gpt-4o")).status).toBe(200);
    expect(consoleErrors).toEqual([]);
  });

  it("refuses a wrong admin key on the sign-in form, and signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("admin key").fill("not-the-admin-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByTestId("login-error").textContent()).toBe("invalid admin key");
    expect(await page.evaluate("sessionStorage.getItem('switchyard.adminKey')")).toBeNull();
  });
});
