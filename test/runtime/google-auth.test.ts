// Vertex AI service-account auth against a loopback token endpoint that checks what Google's checks: the
// form fields, and the JWT's RS256 signature (with the public half of a key pair made here) and claims.
import { createVerify, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createServiceAccountTokenSource, DEFAULT_SCOPE } from "../../runtime/google-auth/index.ts";

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const CLIENT_EMAIL = "switchyard@test-project.iam.gserviceaccount.com";
const PEM_BODY = privateKey.split("\n")[1]!; // a line of the key, to prove it never leaks into errors
const MINUTE = 60_000;

interface Claims {
  iss: string;
  scope: string;
  aud: string;
  iat: number;
  exp: number;
}

/** What the token endpoint does next: answer with a token, or fail. */
type Mode = { kind: "ok"; expiresIn: number; delayMs: number } | { kind: "fail"; status: number; body: string };

let server: ReturnType<typeof createServer>;
let tokenUri = "";
let issued = 0;
let mode: Mode = { kind: "ok", expiresIn: 3600, delayMs: 0 };
const seen: { header: Record<string, unknown>; claims: Claims; grantType: string | null }[] = [];

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const [header = "", claims = "", signature = ""] = (form.get("assertion") ?? "").split(".");
      const valid = createVerify("RSA-SHA256").update(`${header}.${claims}`).verify(publicKey, Buffer.from(signature, "base64url"));
      if (!valid || req.headers["content-type"] !== "application/x-www-form-urlencoded") {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "invalid_grant", error_description: "Invalid JWT Signature." }));
        return;
      }
      seen.push({ header: decode(header), claims: decode(claims) as unknown as Claims, grantType: form.get("grant_type") });
      const current = mode;
      if (current.kind === "fail") {
        res.writeHead(current.status, { "content-type": "application/json" });
        res.end(current.body);
        return;
      }
      const token = `ya29.token-${++issued}`;
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ access_token: token, expires_in: current.expiresIn, token_type: "Bearer" }));
      }, current.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tokenUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  issued = 0;
  seen.length = 0;
  mode = { kind: "ok", expiresIn: 3600, delayMs: 0 };
});

function keyFile(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: "service_account",
    project_id: "test-project",
    private_key_id: "kid-123",
    private_key: privateKey,
    client_email: CLIENT_EMAIL,
    token_uri: tokenUri,
    ...overrides,
  });
}

/** A clock the test moves by hand. */
function clock(start = 1_750_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Lets a background refresh (a loopback round trip) reach the endpoint and its answer reach the source. */
async function settle(exchanges: number): Promise<void> {
  await vi.waitFor(() => expect(seen.length).toBe(exchanges), { timeout: 2000, interval: 5 });
  await new Promise((r) => setTimeout(r, 50));
}

describe("service-account token source", () => {
  it("signs an RS256 assertion Google accepts, and caches the token", async () => {
    const time = clock();
    const source = createServiceAccountTokenSource(keyFile(), { now: time.now });
    expect(source.cached()).toBeNull();
    expect(await source.headers()).toEqual({ authorization: "Bearer ya29.token-1" });
    expect(source.cached()).toEqual({ authorization: "Bearer ya29.token-1" });
    time.advance(30 * MINUTE);
    expect(await source.headers()).toEqual({ authorization: "Bearer ya29.token-1" });
    expect(issued).toBe(1);

    const [{ header, claims, grantType }] = seen as [(typeof seen)[number]];
    expect(grantType).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
    expect(header).toEqual({ alg: "RS256", typ: "JWT", kid: "kid-123" });
    const iat = Math.floor(1_750_000_000_000 / 1000);
    expect(claims).toEqual({ iss: CLIENT_EMAIL, scope: DEFAULT_SCOPE, aud: tokenUri, iat, exp: iat + 3600 });
  });

  it("takes a custom scope", async () => {
    await createServiceAccountTokenSource(keyFile(), { scope: "https://www.googleapis.com/auth/generative-language" }).headers();
    expect(seen[0]?.claims.scope).toBe("https://www.googleapis.com/auth/generative-language");
  });

  it("runs one exchange for 20 concurrent callers", async () => {
    mode = { kind: "ok", expiresIn: 3600, delayMs: 50 };
    const source = createServiceAccountTokenSource(keyFile());
    const all = await Promise.all(Array.from({ length: 20 }, () => source.headers()));
    expect(issued).toBe(1);
    expect(new Set(all.map((h) => h.authorization))).toEqual(new Set(["Bearer ya29.token-1"]));
  });

  it("refreshes in the background before expiry, without making callers wait", async () => {
    const time = clock();
    const source = createServiceAccountTokenSource(keyFile(), { now: time.now });
    await source.headers();
    time.advance(49 * MINUTE); // before the refresh point (10 minutes before expiry)
    expect(source.cached()?.authorization).toBe("Bearer ya29.token-1");
    expect(issued).toBe(1);

    time.advance(2 * MINUTE); // 51 minutes: still usable, refresh due
    mode = { kind: "ok", expiresIn: 3600, delayMs: 30 };
    const during = await Promise.all(Array.from({ length: 5 }, () => source.headers()));
    expect(during.map((h) => h.authorization)).toEqual(Array(5).fill("Bearer ya29.token-1"));
    await vi.waitFor(() => expect(source.cached()?.authorization).toBe("Bearer ya29.token-2"), { timeout: 2000, interval: 5 });
    expect(issued).toBe(2); // one background refresh for all five
  });

  it("waits for a new token once the current one is within 5 minutes of expiry", async () => {
    const time = clock();
    const source = createServiceAccountTokenSource(keyFile(), { now: time.now });
    await source.headers();
    time.advance(56 * MINUTE);
    expect(source.cached()).toBeNull();
    expect((await source.headers()).authorization).toBe("Bearer ya29.token-2");
  });

  it("keeps the current token when a background refresh fails, and retries", async () => {
    const time = clock();
    const source = createServiceAccountTokenSource(keyFile(), { now: time.now });
    await source.headers();
    time.advance(51 * MINUTE);
    mode = { kind: "fail", status: 503, body: "{}" };
    expect((await source.headers()).authorization).toBe("Bearer ya29.token-1");
    await settle(2);
    mode = { kind: "ok", expiresIn: 3600, delayMs: 0 };
    expect((await source.headers()).authorization).toBe("Bearer ya29.token-1");
    await vi.waitFor(() => expect(source.cached()?.authorization).toBe("Bearer ya29.token-2"), { timeout: 2000, interval: 5 });
    expect(seen).toHaveLength(3);
  });

  it("scales the margins down for short-lived tokens", async () => {
    const time = clock();
    mode = { kind: "ok", expiresIn: 600, delayMs: 0 }; // usable for 7.5 minutes, refresh from 5
    const source = createServiceAccountTokenSource(keyFile(), { now: time.now });
    await source.headers();
    time.advance(7 * MINUTE);
    expect(source.cached()?.authorization).toBe("Bearer ya29.token-1");
    time.advance(1 * MINUTE);
    expect(source.cached()).toBeNull();
  });
});

describe("errors", () => {
  it("names the account and the endpoint's reason, never the key or a token", async () => {
    mode = { kind: "fail", status: 400, body: JSON.stringify({ error: "invalid_grant", error_description: "Invalid grant: account not found" }) };
    const source = createServiceAccountTokenSource(keyFile());
    const error = await source.headers().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe(`Google service account ${CLIENT_EMAIL}: access token request to ${tokenUri} failed: HTTP 400 invalid_grant: Invalid grant: account not found`);
    expect(error?.message).not.toContain(PEM_BODY);
    expect(error?.message).not.toContain("eyJ"); // no JWT
  });

  it("lets every waiting caller see the same failure, then tries again", async () => {
    mode = { kind: "fail", status: 500, body: "not json" };
    const source = createServiceAccountTokenSource(keyFile());
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => source.headers()));
    expect(results.every((r) => r.status === "rejected" && (r.reason as Error).message.endsWith("failed: HTTP 500"))).toBe(true);
    expect(seen).toHaveLength(1);
    mode = { kind: "ok", expiresIn: 3600, delayMs: 0 };
    expect((await source.headers()).authorization).toBe("Bearer ya29.token-1");
  });

  it("rejects a 200 without a token, without quoting the body", async () => {
    mode = { kind: "fail", status: 200, body: JSON.stringify({ id_token: "secret-id-token" }) };
    const error = await createServiceAccountTokenSource(keyFile())
      .headers()
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain("HTTP 200 without an access_token");
    expect((error as Error).message).not.toContain("secret-id-token");
  });

  it("reports an unreachable endpoint", async () => {
    const error = await createServiceAccountTokenSource(keyFile({ token_uri: "http://127.0.0.1:1/token" }))
      .headers()
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(new RegExp(`^Google service account ${CLIENT_EMAIL}: access token request to http://127.0.0.1:1/token failed: `));
  });

  it("fails at creation on a broken key file, without quoting it", () => {
    const broken = keyFile().slice(0, -5);
    expect(() => createServiceAccountTokenSource(broken)).toThrow("Google service account key: the credentials file is not JSON");
    try {
      createServiceAccountTokenSource(broken);
    } catch (e) {
      expect((e as Error).message).not.toContain(PEM_BODY);
    }
    expect(() => createServiceAccountTokenSource(keyFile({ client_email: undefined }))).toThrow('"client_email" is missing');
    expect(() => createServiceAccountTokenSource(keyFile({ private_key: undefined }))).toThrow(`Google service account ${CLIENT_EMAIL}: "private_key" is missing`);
    const garbled = keyFile({ private_key: "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n" });
    expect(() => createServiceAccountTokenSource(garbled)).toThrow(`Google service account ${CLIENT_EMAIL}: "private_key" is not a usable PEM private key`);
  });

  it("defaults token_uri to Google's", () => {
    // No request is made: creation only parses and checks the key.
    expect(() => createServiceAccountTokenSource(keyFile({ token_uri: undefined }))).not.toThrow();
  });
});
