// Builds an HTTP provider once at start: resolved URL split into the pool's origin and the request path,
// a keep-alive undici Pool, and the auth/extra headers as one frozen object that every request copies from.
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Pool } from "undici";
import type { DynamicAuth, HttpUpstream } from "../contract.ts";
import type { UpstreamApi } from "../translate/translator.ts";
import type { PathsFactory } from "./paths.ts";
import type { AnyEmbeddingsTranslator } from "../translate/embeddings.ts";
import { registerSecret } from "../log/secrets.ts";
import { StartupError } from "../env.ts";
import { ConnectionQueue } from "./connection-queue.ts";

export interface HttpUpstreamOptions {
  name: string;
  api: UpstreamApi;
  /** Resolved base URL, e.g. https://api.openai.com/v1 */
  baseUrl: string;
  /** The kind's endpoints below the base URL (runtime/upstream/paths.ts). */
  paths: PathsFactory;
  auth?: DynamicAuth | null;
  /** The kind's embeddings translator, for provider-native embeddings APIs. */
  embeddings?: AnyEmbeddingsTranslator | null;
  /** Resolved API key ("" disables the provider). */
  apiKey: string | null;
  /** The environment variables `api_key` is read from, named when an empty key disables the provider. */
  apiKeyVariables?: readonly string[];
  /** Auth and extra headers, lower-case names, values resolved. */
  headers: Record<string, string>;
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  /** Longest gap between body chunks; defaults to firstByteTimeoutMs. */
  idleTimeoutMs?: number;
  /** Whole-attempt bound; 0 or absent = none. */
  totalTimeoutMs?: number;
  maxConnections: number;
  /** The provider's `queue`: how many requests may wait for a connection, and for how long. */
  queue: { max: number; timeoutMs: number };
  /** The provider's `body_limit`: larger requests skip its targets. */
  bodyLimitBytes?: number;
  /** The provider's `response_limit`; absent: DEFAULT_RESPONSE_LIMIT_BYTES. */
  responseLimitBytes?: number;
  /** The provider's `tls:`; absent keeps Node's defaults. `caFile` is read here, once, at start. */
  tls?: { verify: boolean; caFile: string | null };
}

/**
 * A response the gateway holds whole (translated, or rewritten by body rules) may be this large unless the
 * provider's `response_limit` says otherwise. Far above any chat answer (128k output tokens are well under
 * 1 MB; base64 images a few MB), while bounding the memory one request can take: parsing, translating and
 * serialising a held body costs about ten times its size (a 20 MB answer took 250 MB).
 */
export const DEFAULT_RESPONSE_LIMIT_BYTES = 32 * 1024 * 1024;

/** TLS options for the pool's connector: extra CAs are added to Node's bundled ones, not instead of them. */
function tlsOptions(name: string, tls: HttpUpstreamOptions["tls"]): { rejectUnauthorized?: boolean; ca?: string[] } {
  if (tls === undefined) return {};
  const options: { rejectUnauthorized?: boolean; ca?: string[] } = {};
  if (!tls.verify) options.rejectUnauthorized = false;
  if (tls.caFile !== null && tls.caFile !== "") {
    let pem: string;
    try {
      pem = readFileSync(tls.caFile, "utf8");
    } catch (error) {
      throw new StartupError(`cannot start: provider ${name}: cannot read tls.ca_file ${JSON.stringify(tls.caFile)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new StartupError(`cannot start: provider ${name}: tls.ca_file ${JSON.stringify(tls.caFile)} holds no PEM certificate`);
    }
    options.ca = [...rootCertificates, pem];
  }
  return options;
}

/** The skip reason of a provider whose key is empty: which variable to set, since that is the fix. */
function disabledReason(variables: readonly string[]): string {
  if (variables.length === 0) return "provider disabled: its api_key is empty in routes.yaml";
  const names = variables.join(", ");
  return `provider disabled: its api key is empty; set ${names} in the gateway's environment and restart it`;
}

export function createHttpUpstream(options: HttpUpstreamOptions): HttpUpstream {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new StartupError(`cannot start: provider ${options.name}: base_url ${JSON.stringify(options.baseUrl)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new StartupError(`cannot start: provider ${options.name}: base_url must be http(s), got ${url.protocol}`);
  }
  if (options.apiKey) registerSecret(options.apiKey);
  const basePath = url.pathname.replace(/\/+$/, "");
  const dispatcher = new Pool(url.origin, {
    connections: options.maxConnections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: { timeout: options.connectTimeoutMs, ...tlsOptions(options.name, options.tls) },
    headersTimeout: options.firstByteTimeoutMs,
    // undici re-arms one timer per request as chunks arrive: the idle timeout costs no timer per chunk.
    bodyTimeout: options.idleTimeoutMs ?? options.firstByteTimeoutMs,
  });
  return Object.freeze({
    kind: "http" as const,
    name: options.name,
    api: options.api,
    origin: url.origin,
    basePath,
    paths: options.paths(basePath),
    auth: options.auth ?? null,
    embeddings: options.embeddings ?? null,
    headers: Object.freeze({ ...options.headers }),
    enabled: options.apiKey !== "",
    disabledReason: options.apiKey === "" ? disabledReason(options.apiKeyVariables ?? []) : null,
    dispatcher,
    queue: new ConnectionQueue(options.maxConnections, options.queue.max, options.queue.timeoutMs),
    connectTimeoutMs: options.connectTimeoutMs,
    firstByteTimeoutMs: options.firstByteTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? options.firstByteTimeoutMs,
    totalTimeoutMs: options.totalTimeoutMs ?? 0,
    bodyLimitBytes: options.bodyLimitBytes ?? Infinity,
    responseLimitBytes: options.responseLimitBytes ?? DEFAULT_RESPONSE_LIMIT_BYTES,
  });
}
