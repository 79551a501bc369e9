// The gateway's own log (start, configuration, warnings, trouble with the store, Redis or the request log,
// shutdown), as opposed to the request log: pino, one line per event with a level. JSON by default, for
// whatever collects the process's output; a short readable line when stdout is a terminal or
// SWITCHYARD_LOG_FORMAT=pretty. SWITCHYARD_LOG_LEVEL picks the least severe level written (default info).
//
// Nothing here is on the request path: these lines are rare (start, stop, the first failure of an outage).
// JSON goes to stdout through pino's asynchronous destination, flushed when the process exits, so a slow
// pipe never blocks the event loop. Every string logged, message or field, goes through the request log's
// secret redaction (known provider keys, key-shaped text), and fields named like credentials are censored.
import pino, { type DestinationStream, type Logger } from "pino";
import { redactSecrets } from "./secrets.ts";

export type AppLog = Logger;

const LEVELS: readonly string[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** Fields that must never carry a secret, whatever a caller passes. */
const CENSORED = ["api_key", "apiKey", "authorization", "password", "token", "secret", "*.api_key", "*.authorization", "*.password", "*.token", "headers.*"];

export interface AppLogOptions {
  /** SWITCHYARD_LOG_LEVEL and SWITCHYARD_LOG_FORMAT (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where lines go (default stdout); its `isTTY` picks the format when none is asked for. */
  readonly out?: { write(text: string): unknown; readonly isTTY?: boolean };
}

export function createAppLog(options: AppLogOptions = {}): AppLog {
  const env = options.env ?? process.env;
  const out = options.out ?? process.stdout;
  const askedLevel = env.SWITCHYARD_LOG_LEVEL?.trim().toLowerCase() || "info";
  const level = LEVELS.includes(askedLevel) ? askedLevel : "info";
  const askedFormat = env.SWITCHYARD_LOG_FORMAT?.trim().toLowerCase() || (out.isTTY ? "pretty" : "json");
  const pretty = askedFormat === "pretty";
  const destination: DestinationStream =
    options.out === undefined && !pretty
      ? pino.destination({ dest: 1, sync: false })
      : pretty
        ? prettyStream(out, out.isTTY === true && env.NO_COLOR === undefined)
        : { write: (line: string) => void out.write(line) };
  const logger = pino(
    {
      name: "switchyard",
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: CENSORED, censor: "[REDACTED]" },
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redactFields(fields),
      },
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) if (typeof args[i] === "string") args[i] = redactSecrets(args[i] as string);
          method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  if (level !== askedLevel) logger.warn(`SWITCHYARD_LOG_LEVEL ${JSON.stringify(env.SWITCHYARD_LOG_LEVEL)} is not one of ${LEVELS.join(", ")}; logging at info`);
  if (askedFormat !== "pretty" && askedFormat !== "json") logger.warn(`SWITCHYARD_LOG_FORMAT ${JSON.stringify(env.SWITCHYARD_LOG_FORMAT)} is not json or pretty; writing json`);
  return logger;
}

function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  for (const name in fields) {
    const value = fields[name];
    if (typeof value === "string") fields[name] = redactSecrets(value);
  }
  return fields;
}

const COLOURS: Readonly<Record<string, string>> = { trace: "90", debug: "90", info: "32", warn: "33", error: "31", fatal: "35" };
/** What every JSON line has that a terminal reader does not need. */
const PRETTY_SKIPPED = new Set(["level", "time", "pid", "hostname", "name", "msg"]);

/** `12:00:01.234 WARN  message key=value …`, coloured by level on a terminal. */
export function prettyLine(line: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry.time === "string" ? entry.time.slice(11, 23) : "";
  const level = String(entry.level ?? "info");
  const label = level.toUpperCase().padEnd(5);
  const message = String(entry.msg ?? "");
  let text = `${time} ${colour ? `\x1b[${COLOURS[level] ?? "0"}m${label}\x1b[0m` : label} ${message}`;
  for (const name in entry) {
    if (PRETTY_SKIPPED.has(name)) continue;
    let value = entry[name];
    // The message usually says it already (`provider openai has …`): a field only adds what it does not.
    if ((typeof value === "string" || typeof value === "number") && message.includes(String(value))) continue;
    // pino's serialised error: its message is what a reader needs here; the JSON line keeps the stack.
    if (name === "err" && typeof value === "object" && value !== null && "message" in value) value = (value as { message: unknown }).message;
    text += ` ${name}=${typeof value === "string" && !/[\s"=]/.test(value) ? value : JSON.stringify(value)}`;
  }
  return text + "\n";
}

function prettyStream(out: { write(text: string): unknown }, colour: boolean): DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line, colour)) };
}

/** The process's application log. */
export const appLog: AppLog = createAppLog();
