// `switchyard logs tail|show` and `switchyard usage`: the request log read back from the sink a gateway of
// the same routes.yaml and environment writes (runtime/log/read/): --sink, else routes.yaml's `logs.sink` for
// --env (its ${VAR}s read from this shell), else the JSONL files in its `logs.dir` (default logs/). Relative
// paths resolve against the current directory, as the gateway's do. What is printed is what the sink holds:
// bodies already redacted.
import { existsSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { openLogReader } from "../runtime/log/read/open.ts";
import type { LogFilter, LogReader, StoredRecord } from "../runtime/log/read/types.ts";
import { parseSince, usageReport, type UsageBy, type UsageGroup } from "../runtime/log/read/usage.ts";
import { DEFAULTS } from "./resolve.ts";
import { loadConfig } from "./load.ts";
import { resolveEnvString } from "./env-string.ts";

interface SinkOptions {
  sink?: string;
  config: string;
  env: string;
  json?: boolean;
}

class UsageError extends Error {}

/** The sink to read and the JSONL folder, and why: the first of --sink, routes.yaml, the default. */
function sinkOf(options: SinkOptions): { sink: string; dir: string } {
  let dir: string = DEFAULTS.logs.dir;
  let sink = options.sink ?? null;
  if (existsSync(options.config)) {
    const loaded = loadConfig(options.config, { env: options.env });
    if (loaded.ir === null) {
      if (sink === null) throw new UsageError(`cannot read the log settings: ${options.config} does not build (run \`switchyard check ${options.config}\`), or pass --sink`);
    } else {
      dir = loaded.ir.logs.dir;
      if (sink === null && loaded.ir.logs.sink !== null) {
        const resolved = resolveEnvString(loaded.ir.logs.sink);
        if ("missing" in resolved) throw new UsageError(`logs.sink in ${options.config} names \${${resolved.missing}}, which is not set in this shell: set it, or pass --sink`);
        sink = resolved.value;
      }
    }
  }
  return { sink: sink || "jsonl", dir };
}

async function withReader<T>(options: SinkOptions, work: (reader: LogReader) => Promise<T>): Promise<T> {
  const { sink, dir } = sinkOf(options);
  const reader = await openLogReader(sink, dir);
  try {
    return await work(reader);
  } finally {
    await reader.close();
  }
}

function action<A extends unknown[]>(command: string, run: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      console.error(`switchyard ${command}: ${(error as Error).message}`);
      process.exit(1);
    }
  };
}

// ---- formatting ----

function money(usd: number | undefined | null): string {
  if (usd === undefined || usd === null) return "-";
  return usd >= 0.01 || usd === 0 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? "-" : `${Math.round(value * 10) / 10} ms`;
}

function table(rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd()).join("\n");
}

function keyLabel(record: StoredRecord): string {
  if (record.key_id === null || record.key_id === undefined) return "-";
  return record.key_name ? `${record.key_id} (${record.key_name})` : record.key_id;
}

function served(record: StoredRecord): string {
  const attempts: any[] = record.attempts ?? [];
  const last = [...attempts].reverse().find((a) => !a.skipped);
  return last === undefined ? "-" : `${last.provider}:${last.model}`;
}

/** One record on one line, fixed columns first so that a followed tail lines up. */
function tailLine(record: StoredRecord): string {
  const usage = record.usage;
  const tokens = usage ? `${usage.input_tokens ?? 0}+${usage.output_tokens ?? 0} tok` : "- tok";
  const tries = (record.attempts ?? []).length;
  const parts = [
    record.time,
    record.id,
    String(record.status),
    ms(record.latency_ms).padStart(10),
    tokens.padStart(12),
    money(record.cost_usd).padStart(8),
    `${record.model ?? "-"} → ${served(record)}${tries > 1 ? ` (${tries} attempts)` : ""}`,
    `key ${keyLabel(record)}`,
  ];
  if (record.error) parts.push(`error: ${record.error}`);
  return parts.join("  ");
}

function attemptLine(attempt: any, index: number): string {
  const notes: string[] = [];
  if (attempt.skipped) notes.push(`skipped: ${attempt.skipped}`);
  if (attempt.retry) notes.push(`retry ${attempt.retry} after ${attempt.backoff_ms ?? 0} ms backoff`);
  if (attempt.no_retry) notes.push(`not retried: ${attempt.no_retry}`);
  if (attempt.translated) notes.push(`translated to ${attempt.translated.to}${attempt.translated.dropped?.length ? ` (dropped ${attempt.translated.dropped.join(", ")})` : ""}`);
  if (attempt.error) notes.push(`error: ${attempt.error}`);
  return `  ${index + 1}. ${attempt.provider}:${attempt.model}  ${attempt.status ?? "-"}  ${ms(attempt.latency_ms)}${notes.length ? `  ${notes.join("; ")}` : ""}`;
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** One request in full: who, what, how long, each attempt, then the (redacted) bodies. */
function showText(r: StoredRecord): string {
  const usage = r.usage;
  const lines = [
    `${r.id}  ${r.time}  status ${r.status}  ${ms(r.latency_ms)} (upstream ${ms(r.upstream_latency_ms)}, first byte ${ms(r.ttfb_ms)})`,
    `  trace    ${r.trace_id}`,
    `  client   ${r.client_ip}, key ${keyLabel(r)}`,
    `  request  ${r.api} ${r.path}  model ${r.model ?? "-"}  route ${r.route ?? "-"}  ${r.stream ? "stream" : "no stream"}`,
    `  usage    ${usage ? `${usage.input_tokens} input + ${usage.output_tokens} output tokens (${usage.cache_read_input_tokens ?? 0} cache read, ${usage.cache_creation_input_tokens ?? 0} cache write)${r.usage_estimated ? ", estimated" : ""}` : "-"}`,
    `  cost     ${money(r.cost_usd)}${r.cost_estimated ? " (estimated)" : ""}`,
  ];
  if (r.estimate) lines.push(`  estimate ${r.estimate.input_tokens} input tokens (answered locally)`);
  if (r.error) lines.push(`  error    ${r.error}`);
  const attempts: any[] = r.attempts ?? [];
  lines.push(`attempts${attempts.length === 0 ? ": none" : ""}`, ...attempts.map(attemptLine));
  if (r.request_body !== undefined) lines.push("request body", pretty(r.request_body));
  if (r.response_body !== undefined) lines.push("response body", pretty(r.response_body));
  if (r.response !== undefined) lines.push("response (assembled from the stream)", pretty(r.response));
  return lines.join("\n");
}

function usageTable(by: UsageBy, groups: readonly UsageGroup[], total: UsageGroup): string {
  const label = (g: UsageGroup) => (g.group === null ? (by === "key" ? "(no key)" : "-") : by === "key" && g.key_name ? `${g.group} (${g.key_name})` : g.group);
  const row = (name: string, g: UsageGroup) => [
    name,
    String(g.requests),
    String(g.input_tokens),
    String(g.output_tokens),
    money(g.cost_usd),
    `${(g.error_rate * 100).toFixed(1)}%`,
    String(Math.round(g.p50_ms * 10) / 10),
    String(Math.round(g.p95_ms * 10) / 10),
  ];
  const rows = [[by.toUpperCase(), "REQUESTS", "INPUT TOKENS", "OUTPUT TOKENS", "COST", "ERRORS", "P50 MS", "P95 MS"], ...groups.map((g) => row(label(g), g)), row("total", total)];
  return table(rows, new Set([1, 2, 3, 4, 5, 6, 7]));
}

// ---- options ----

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}

function statusRange(value: string): readonly [number, number] {
  const cls = /^([1-5])xx$/i.exec(value);
  if (cls) return [Number(cls[1]) * 100, Number(cls[1]) * 100 + 99];
  const n = Number(value);
  if (/^\d{3}$/.test(value) && n >= 100 && n <= 599) return [n, n];
  throw new InvalidArgumentError("expected a status (404) or a class (4xx, 5xx)");
}

const sinkOptions = (command: Command) =>
  command
    .option("--sink <sink>", "jsonl, jsonl:DIR, sqlite:PATH or postgres://… (default: routes.yaml's logs.sink, else the JSONL files in its logs.dir)")
    .option("--config <file>", "routes.yaml whose logs: settings to use", "routes.yaml")
    .option("--env <name>", "environment of routes.yaml", "dev")
    .option("--json", "print JSON (one record a line for tail)");

interface TailOptions extends SinkOptions {
  follow?: boolean;
  key?: string;
  model?: string;
  status?: readonly [number, number];
  route?: string;
  lines: number;
  interval: number;
}

export function logsCommand(): Command {
  const logs = new Command("logs").description("read the request log: the latest requests, or one in full (from the configured sink)");

  sinkOptions(
    logs
      .command("tail")
      .description("the latest requests, oldest first; --follow keeps printing new ones")
      .option("-f, --follow", "keep printing requests as they are logged (Ctrl-C stops)")
      .option("--key <id>", "only requests with this key (id or name)")
      .option("--model <model>", "only requests for this model (as the client named it)")
      .option("--status <status>", "only this status (404) or class (4xx, 5xx)", statusRange)
      .option("--route <id>", "only requests served by this route")
      .option("-n, --lines <n>", "how many", positiveInt, 20)
      .option("--interval <ms>", "how often --follow looks for new requests", positiveInt, 1000),
  ).action(
    action("logs tail", async (options: TailOptions) => {
      const filter: LogFilter = {
        ...(options.key === undefined ? {} : { key: options.key }),
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(options.route === undefined ? {} : { route: options.route }),
        ...(options.status === undefined ? {} : { status: options.status }),
      };
      const print = (records: readonly StoredRecord[]) => {
        if (records.length > 0) process.stdout.write(records.map((r) => (options.json ? JSON.stringify(r) : tailLine(r))).join("\n") + "\n");
      };
      await withReader(options, async (reader) => {
        let { records, cursor } = await reader.tail(filter, options.lines);
        print(records);
        if (!options.follow) return;
        let stopped = false;
        const stop = () => (stopped = true);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        while (!stopped) {
          await new Promise((resolve) => setTimeout(resolve, options.interval));
          if (stopped) break;
          ({ records, cursor } = await reader.after(cursor, filter));
          print(records);
        }
      });
    }),
  );

  sinkOptions(logs.command("show").description("one request in full: attempts, timings, usage, cost and its (redacted) bodies").argument("<request-id>")).action(
    action("logs show", async (id: string, options: SinkOptions) => {
      const record = await withReader(options, (reader) => reader.get(id));
      if (record === null) throw new UsageError(`no request ${JSON.stringify(id)} in the request log (\`switchyard logs tail\` shows the latest ids)`);
      console.log(options.json ? JSON.stringify(record) : showText(record));
    }),
  );
  return logs;
}

export function usageCommand(): Command {
  return sinkOptions(
    new Command("usage")
      .description("requests, tokens, cost, error rate and p50/p95 latency by key, model or day, from the request log")
      .option("--by <group>", "key, model or day", (value: string) => {
        if (value !== "key" && value !== "model" && value !== "day") throw new InvalidArgumentError("expected key, model or day");
        return value;
      }, "key")
      .option("--since <when>", "a duration back from now (30m, 24h, 7d, 2w) or a UTC date (2026-12-01) or time", "7d"),
  ).action(
    action("usage", async (options: SinkOptions & { by: UsageBy; since: string }) => {
      const since = parseSince(options.since);
      if (since === null) throw new UsageError(`--since ${JSON.stringify(options.since)}: expected a duration (30m, 24h, 7d, 2w) or a date (2026-12-01)`);
      const report = usageReport(await withReader(options, (reader) => reader.usage(since)), options.by, since);
      if (options.json) return console.log(JSON.stringify(report));
      if (report.groups.length === 0) return console.log(`no requests since ${report.since}`);
      console.log(`requests since ${report.since}, by ${report.by}\n${usageTable(report.by, report.groups, report.total)}`);
    }),
  );
}
