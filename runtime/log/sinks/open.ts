// Which sink a `logs.sink` value names. Each driver is imported only by the sink that uses it (when it
// opens), so a gateway logging to files never loads better-sqlite3 or pg for its log.
import { resolve } from "node:path";
import { redactUrl } from "../../store/open.ts";
import { JsonlSink } from "./jsonl.ts";
import { PostgresSink } from "./postgres.ts";
import { SqliteSink } from "./sqlite.ts";
import type { LogSink } from "./types.ts";

export const SINK_FORMS = "jsonl (files in logs.dir), sqlite:PATH, or postgres://user:password@host:port/database";

export type SinkTarget =
  | { readonly kind: "jsonl"; readonly dir: string }
  | { readonly kind: "sqlite"; readonly file: string }
  | { readonly kind: "postgres"; readonly url: string; readonly where: string };

/**
 * `jsonl` (files in `dir`), `jsonl:DIR`, `sqlite:PATH` (relative to the working directory) or
 * `postgres://…` / `postgresql://…`; anything else throws, naming what is accepted.
 */
export function parseSink(url: string, dir: string): SinkTarget {
  if (url === "" || url === "jsonl") return { kind: "jsonl", dir };
  if (url.startsWith("jsonl:") && url.length > "jsonl:".length) return { kind: "jsonl", dir: url.slice("jsonl:".length) };
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path !== "" && !path.startsWith("//") && path !== ":memory:") return { kind: "sqlite", file: resolve(path) };
  }
  if (/^postgres(ql)?:\/\/[^/]/.test(url)) return { kind: "postgres", url, where: redactUrl(url) };
  throw new Error(`logs.sink ${JSON.stringify(redactUrl(url))} is not one Switchyard can write: expected ${SINK_FORMS}`);
}

export function createSink(target: SinkTarget, options: { maxSizeBytes: number; report: (message: string) => void }): LogSink {
  switch (target.kind) {
    case "jsonl":
      return new JsonlSink(target.dir, options.maxSizeBytes);
    case "sqlite":
      return new SqliteSink(target.file);
    case "postgres":
      return new PostgresSink(target.url, target.where, options.report);
  }
}
