// `switchyard keys …`: client keys in the store a gateway reads (runtime/store/), from the command line.
// The store is the one the gateway of the same routes.yaml and environment uses: --store, else
// SWITCHYARD_STORE, else routes.yaml's `store:` for --env (its ${VAR}s read from this shell), else the
// default sqlite:data/switchyard.db; relative SQLite paths resolve against the current directory, as the
// gateway's do. A running gateway picks a change up within about a second, with no restart.
import { existsSync } from "node:fs";
import { Command } from "commander";
import { openStore } from "../runtime/store/open.ts";
import type { Store } from "../runtime/store/types.ts";
import { createKey, KeyInputError, keyReport, keyView, parseDuration, parsePolicy, rotateKey, type KeyInput } from "../runtime/access/key-admin.ts";
import { DEFAULTS } from "./resolve.ts";
import { loadConfig } from "./load.ts";
import { resolveEnvString } from "./env-string.ts";

interface StoreOptions {
  store?: string;
  config: string;
  env: string;
}

interface PolicyOptions {
  name?: string;
  models?: string;
  rpm?: string;
  tpm?: string;
  budgetUsd?: string;
  budgetPeriod?: string;
  expires?: string;
}

/** Where the keys are, and why: the first of --store, SWITCHYARD_STORE, routes.yaml, the default. */
function storeUrl(options: StoreOptions): string {
  if (options.store) return options.store;
  if (process.env.SWITCHYARD_STORE) return process.env.SWITCHYARD_STORE;
  if (existsSync(options.config)) {
    const loaded = loadConfig(options.config, { env: options.env });
    if (loaded.ir === null) throw new KeyInputError(`cannot read the store setting: ${options.config} does not build (run \`switchyard check ${options.config}\`), or pass --store`);
    const url = resolveEnvString(loaded.ir.access.store);
    if ("missing" in url) throw new KeyInputError(`the store in ${options.config} names \${${url.missing}}, which is not set in this shell: set it, or pass --store`);
    return url.value;
  }
  return DEFAULTS.store;
}

/** CLI spellings of "no limit": none, never, * (models). */
function policyInput(options: PolicyOptions): KeyInput {
  const orNull = (value: string | undefined, words: readonly string[]) => (value !== undefined && words.includes(value.trim().toLowerCase()) ? null : value);
  return {
    name: options.name,
    models: options.models,
    rpm: orNull(options.rpm, ["none"]),
    tpm: orNull(options.tpm, ["none"]),
    budget_usd: orNull(options.budgetUsd, ["none"]),
    budget_period: options.budgetPeriod,
    expires: orNull(options.expires, ["never", "none"]),
  };
}

function money(usd: number): string {
  return usd >= 0.01 || usd === 0 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

function describePolicy(view: ReturnType<typeof keyView>): string {
  return [
    `models: ${view.models === null ? "all" : view.models.join(", ")}`,
    `rpm: ${view.rpm ?? "-"}`,
    `tpm: ${view.tpm ?? "-"}`,
    `budget: ${view.budget === null ? "-" : `${money(view.budget.usd)} per ${view.budget.period === "total" ? "lifetime" : view.budget.period}`}`,
    `expires: ${view.expires_at ?? "never"}`,
  ].join("   ");
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()).join("\n");
}

async function withStore<T>(options: StoreOptions, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeUrl(options));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Runs one subcommand; a KeyInputError is the user's to fix: printed plainly, exit 1. */
function action<A extends unknown[]>(run: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      if (error instanceof KeyInputError) {
        console.error(`switchyard keys: ${error.message}`);
        process.exit(1);
      }
      console.error(`switchyard keys: ${(error as Error).message}`);
      process.exit(1);
    }
  };
}

function notFound(id: string): never {
  throw new KeyInputError(`no key ${JSON.stringify(id)} in this store (\`switchyard keys list\` shows the ids)`);
}

export function keysCommand(): Command {
  const keys = new Command("keys").description("create, list, show, change, revoke and rotate client keys (in the gateway's store)");
  const common = (command: Command) =>
    command
      .option("--store <url>", "sqlite:PATH or postgres://… (default: SWITCHYARD_STORE, else routes.yaml's store, else sqlite:data/switchyard.db)")
      .option("--config <file>", "routes.yaml whose store: to use", "routes.yaml")
      .option("--env <name>", "environment of routes.yaml", "dev")
      .option("--json", "print JSON");
  const policy = (command: Command) =>
    command
      .option("--models <globs>", "public models it may use, comma-separated globs (default: all)")
      .option("--rpm <n>", "requests per minute")
      .option("--tpm <n>", "tokens per minute")
      .option("--budget-usd <x>", "spending limit per period, in US dollars")
      .option("--budget-period <period>", "day, week, month or total (calendar periods, UTC)")
      .option("--expires <duration>", "stops working after this long: 30m, 12h, 30d, 2w");

  common(policy(keys.command("create").description("create a key and print it (once)").requiredOption("--name <name>", "who or what uses the key"))).action(
    action(async (options: StoreOptions & PolicyOptions & { json?: boolean }) => {
      const created = await withStore(options, (store) => createKey(store, policyInput(options)));
      if (options.json) return console.log(JSON.stringify({ id: created.record.id, key: created.key }));
      const view = keyView(created.record);
      console.log(`created ${view.id} (${view.name})\n\n  ${created.key}\n\nThis is the only time the key is shown: store it now.\n${describePolicy(view)}`);
    }),
  );

  common(keys.command("list").description("list keys: ids, names and policies (never the keys)")).action(
    action(async (options: StoreOptions & { json?: boolean }) => {
      const views = (await withStore(options, (store) => store.listKeys())).map((record) => keyView(record));
      if (options.json) return console.log(JSON.stringify(views));
      if (views.length === 0) return console.log("no keys yet: `switchyard keys create --name NAME`");
      const rows = [["ID", "NAME", "STATUS", "MODELS", "RPM", "TPM", "BUDGET", "EXPIRES"]];
      for (const v of views) {
        rows.push([v.id, v.name, v.status, v.models === null ? "all" : v.models.join(","), String(v.rpm ?? "-"), String(v.tpm ?? "-"), v.budget === null ? "-" : `${money(v.budget.usd)}/${v.budget.period}`, v.expires_at ?? "never"]);
      }
      console.log(table(rows));
    }),
  );

  common(keys.command("show").description("a key's policy, its budget this period and its spend over 30 days").argument("<id>")).action(
    action(async (id: string, options: StoreOptions & { json?: boolean }) => {
      const report = await withStore(options, async (store) => {
        const record = await store.getKey(id);
        return record === null ? notFound(id) : keyReport(store, record);
      });
      if (options.json) return console.log(JSON.stringify(report));
      const lines = [`${report.id} (${report.name}): ${report.status}`, describePolicy(report)];
      if (report.budget !== null) {
        const b = report.budget;
        lines.push(`budget this ${b.period === "total" ? "lifetime" : b.period}: ${money(b.spent_usd)} spent, ${money(b.reserved_usd)} held by requests in flight, ${money(b.remaining_usd)} left of ${money(b.usd)}${b.resets_at ? `; resets ${b.resets_at}` : ""}`);
      }
      lines.push(`spend over the last ${report.spend.days} days: ${money(report.spend.cost_usd)} in ${report.spend.requests} requests`);
      for (const m of report.spend.by_model) {
        lines.push(`  ${m.model}: ${money(m.cost_usd)}, ${m.requests} requests, ${m.input_tokens} input + ${m.output_tokens} output tokens (${m.cache_read_tokens} cache read, ${m.cache_write_tokens} cache write)`);
      }
      console.log(lines.join("\n"));
    }),
  );

  common(policy(keys.command("update").description("change a key's name or policy (none / never / * clear a limit)").argument("<id>").option("--name <name>", "new name"))).action(
    action(async (id: string, options: StoreOptions & PolicyOptions & { json?: boolean }) => {
      const record = await withStore(options, (store) => store.updateKey(id, parsePolicy(policyInput(options), Date.now())));
      if (record === null) notFound(id);
      const view = keyView(record);
      if (options.json) return console.log(JSON.stringify(view));
      console.log(`updated ${view.id} (${view.name})\n${describePolicy(view)}`);
    }),
  );

  common(keys.command("revoke").description("revoke a key: refused within seconds by every running gateway").argument("<id>")).action(
    action(async (id: string, options: StoreOptions & { json?: boolean }) => {
      const record = await withStore(options, (store) => store.revokeKey(id, Date.now()));
      if (record === null) notFound(id);
      if (options.json) return console.log(JSON.stringify(keyView(record)));
      console.log(`revoked ${record.id} (${record.name})`);
    }),
  );

  common(keys.command("rotate").description("issue a new key for the same id and policy; the old one works for a grace period").argument("<id>").option("--grace <duration>", "how long the old key keeps working", "24h")).action(
    action(async (id: string, options: StoreOptions & { json?: boolean; grace: string }) => {
      const grace = parseDuration(options.grace, "grace");
      const rotated = await withStore(options, (store) => rotateKey(store, id, grace));
      if (rotated === null) notFound(id);
      const oldKeyExpiresAt = new Date(rotated.oldKeyExpiresAt).toISOString();
      if (options.json) return console.log(JSON.stringify({ id, key: rotated.key, old_key_expires_at: oldKeyExpiresAt }));
      console.log(`rotated ${id}\n\n  ${rotated.key}\n\nThis is the only time the new key is shown. The old key stops working at ${oldKeyExpiresAt}.`);
    }),
  );
  return keys;
}
