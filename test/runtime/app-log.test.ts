// The application log: JSON lines with level names by default, a readable line on a terminal or when asked,
// SWITCHYARD_LOG_LEVEL, and no secret in any line whatever a caller passes.
import { describe, expect, it } from "vitest";
import { createAppLog, prettyLine } from "../../runtime/log/app-log.ts";
import { registerSecret } from "../../runtime/log/secrets.ts";

function capture(env: Record<string, string> = {}, isTTY = false) {
  const lines: string[] = [];
  const log = createAppLog({ env, out: { write: (text: string) => lines.push(text), isTTY } });
  return { log, lines };
}

/** pino writes asynchronously only to real file descriptors; a custom `out` gets each line at once. */
function json(lines: string[]): Array<Record<string, unknown>> {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("application log", () => {
  it("writes one JSON line per event, with the level's name, an ISO time and the fields given", () => {
    const { log, lines } = capture();
    log.info({ env: "dev", url: "http://127.0.0.1:8787" }, "switchyard (dev) listening on http://127.0.0.1:8787");
    log.warn("careful");
    const [first, second] = json(lines);
    expect(first).toMatchObject({ level: "info", name: "switchyard", env: "dev", msg: "switchyard (dev) listening on http://127.0.0.1:8787" });
    expect(first!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(second).toMatchObject({ level: "warn", msg: "careful" });
    expect(lines.every((line) => line.endsWith("\n") && !line.slice(0, -1).includes("\n"))).toBe(true);
  });

  it("SWITCHYARD_LOG_LEVEL leaves out less severe lines; an unknown level is said once and info applies", () => {
    const quiet = capture({ SWITCHYARD_LOG_LEVEL: "warn" });
    quiet.log.info("hidden");
    quiet.log.warn("shown");
    expect(json(quiet.lines).map((l) => l.msg)).toEqual(["shown"]);
    const wrong = capture({ SWITCHYARD_LOG_LEVEL: "loud" });
    wrong.log.debug("hidden");
    wrong.log.info("shown");
    expect(json(wrong.lines).map((l) => [l.level, l.msg])).toEqual([
      ["warn", expect.stringContaining('SWITCHYARD_LOG_LEVEL "loud" is not one of')],
      ["info", "shown"],
    ]);
  });

  it("is readable on a terminal, and when SWITCHYARD_LOG_FORMAT=pretty", () => {
    const tty = capture({}, true);
    tty.log.warn({ provider: "openai", retry_ms: 250 }, "provider openai has an empty api key");
    expect(tty.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \x1b\[33mWARN \x1b\[0m provider openai has an empty api key retry_ms=250\n$/);
    const asked = capture({ SWITCHYARD_LOG_FORMAT: "pretty" });
    asked.log.info({ providers: ["a", "b"] }, "config");
    // Not a terminal: no colour codes.
    expect(asked.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  config providers=\["a","b"\]\n$/);
    const forced = capture({ SWITCHYARD_LOG_FORMAT: "json" }, true);
    forced.log.info("x");
    expect(JSON.parse(forced.lines[0]!)).toMatchObject({ msg: "x" });
  });

  it("never writes a secret: registered keys and key-shaped text are redacted, credential fields censored", () => {
    registerSecret("upstream-secret-value-123456");
    for (const format of ["json", "pretty"]) {
      const { log, lines } = capture({ SWITCHYARD_LOG_FORMAT: format });
      log.warn({ url: "https://x/?key=upstream-secret-value-123456", api_key: "plain-text-key", headers: { authorization: "Bearer abcdefghijklmnop" } }, "upstream-secret-value-123456 then sk-abcdefghijklmnopqrstuvwx");
      log.error("Bearer zyxwvutsrqponmlk failed");
      const text = lines.join("");
      for (const secret of ["upstream-secret-value-123456", "sk-abcdefghijklmnopqrstuvwx", "plain-text-key", "abcdefghijklmnop", "zyxwvutsrqponmlk"]) expect(text).not.toContain(secret);
      expect(text).toContain("[REDACTED]");
    }
  });

  it("formats a line it cannot parse as it is", () => {
    expect(prettyLine("not json\n", false)).toBe("not json\n");
  });
});
