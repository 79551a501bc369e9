// A throwaway PostgreSQL (Debian's package; .ci/run installs it) in a fresh temp directory on a free
// loopback port, for the store's tests: trust auth, fsync off, no state kept. `stop()` shuts it down and
// removes the directory. initdb refuses to run as root, so as root every binary runs as the `postgres`
// system user (created by Debian's package) and the directory is handed to it.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.ts";

const run = promisify(execFile);

export interface PostgresServer {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres: the superuser, no password (trust on loopback). */
  readonly url: string;
  /** The url of another database on this server. */
  urlOf(database: string): string;
  /** Stops it (immediate shutdown) and removes its directory. */
  stop(): Promise<void>;
  /** Stops the server but keeps its data, as an outage would; `resume()` starts it again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findBinDir();
  const dir = await mkdtemp(join(tmpdir(), "switchyard-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "postgres.log");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = async (flag: string) => Number((await run("id", [flag, "postgres"])).stdout.trim());
    await chown(dir, await id("-u"), await id("-g"));
  }
  // As root: `runuser -u postgres -- BIN ARGS`; otherwise BIN ARGS as ourselves.
  const argv = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, tool), ...args]] : [join(bin, tool), args];
  const pg = (tool: string, args: string[]) => run(...argv(tool, args));
  const failed = async (what: string, err: unknown): Promise<never> => {
    const output = (err as { stderr?: string }).stderr ?? "";
    const logText = await readFile(log, "utf8").catch(() => "");
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${what} failed: ${(err as Error).message}\n${output}\n${logText}`);
  };

  await pg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]).catch((e) =>
    failed("initdb", e),
  );
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-k ${dir}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
  ];
  const start = () => pg("pg_ctl", ["-D", data, "-l", log, "-o", options.join(" "), "-w", "-t", "60", "start"]);
  await start().catch((e) => failed("pg_ctl start", e));

  // pg_ctl leaves the server running on its own: should this process exit without stop() (an uncaught
  // error, process.exit), stop it on the way out rather than leave a postgres behind for every such run.
  const onExit = () => {
    try {
      execFileSync(...argv("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]), { stdio: "ignore" });
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  let stopped = false;
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url: urlOf("postgres"),
    urlOf,
    async pause() {
      // fast, not immediate: with synchronous_commit off, an immediate stop would lose the last commits.
      await pg("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
    },
    async resume() {
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off("exit", onExit);
      await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The directory with initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/N/bin (Debian puts them only there). */
function findBinDir(): string {
  const debian = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  const candidates = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...debian];
  const found = candidates.find((d) => existsSync(join(d, "initdb")) && existsSync(join(d, "pg_ctl")));
  if (found === undefined) {
    throw new Error("no initdb and pg_ctl on PATH or in /usr/lib/postgresql/*/bin: run bash test/support/ensure-postgres.sh");
  }
  return found;
}
