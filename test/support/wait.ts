// Waiting in e2e tests for something the gateway does on its own time (a sink drains, a worker restarts,
// a reload lands): poll until it is so, and on timeout say what was awaited and what was last seen.
import { logMessages, type RunningGateway } from "./gateway.ts";

/** Polls `read` every 50 ms until `check` accepts its value, which is returned; throws after `ms`. */
export async function until<T>(what: string, read: () => T | Promise<T>, check: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the gateway's log messages include `text`; on timeout the error shows them all. */
export async function waitForOutput(gw: RunningGateway, text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!logMessages(gw.output()).includes(text)) {
    if (Date.now() > deadline) throw new Error(`expected "${text}" in the output:\n${logMessages(gw.output())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
