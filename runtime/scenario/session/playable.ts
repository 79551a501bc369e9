// A scenario ready to play, with the state of each session that plays it: which responses it was served, its
// logical time, and the outcome of every check. The reply itself stays a pure function of the request
// (runtime/scenario/play.ts); a session only watches, so retries and replays still get the same bytes.
import type { CompiledScenario, ScenarioResponse } from "../types.ts";
import { prepareCheck, type PreparedCheck } from "../checks/evaluate.ts";
import type { RequestApi } from "../checks/request-view.ts";

export type AssertionStatus = "passed" | "failed" | "pending" | "skipped";

export interface SessionStatus {
  readonly session: string;
  /** The 1-based number of the response last served (N: the Nth llmResponse). */
  readonly turn: number;
  /** Logical time: the scripted time of every response served once (thinking, text, tool delays, waits). */
  readonly timeMs: number;
  /** Responses after the furthest one served. */
  readonly eventsLeft: number;
  readonly assertions: { readonly passed: number; readonly failed: number; readonly pending: number; readonly skipped: number };
}

export interface AssertionReport {
  /** Null when no session has played the scenario yet. */
  readonly session: string | null;
  readonly at: string;
  readonly kind: string;
  readonly status: AssertionStatus;
  readonly message: string;
}

class Session {
  turn = 0;
  timeMs = 0;
  furthest = -1;
  readonly served: Uint8Array;
  readonly status: AssertionStatus[];
  readonly messages: string[];

  constructor(responses: number, checks: readonly PreparedCheck[]) {
    this.served = new Uint8Array(responses);
    this.status = checks.map((c) => (c.run === null ? "skipped" : "pending"));
    this.messages = checks.map((c) => (c.check.check === "skipped" ? c.check.reason : ""));
  }
}

/** Scripted milliseconds of one response; `waitMs` is the time the timeline waits before it (advanceMs and harness events). */
export function responseDurationMs(response: ScenarioResponse): number {
  let ms = response.waitMs ?? 0;
  for (const part of response.parts) {
    if (part.type === "tool") ms += part.delayMs;
    else for (const [chunkMs] of part.chunks) ms += chunkMs;
  }
  return ms;
}

export class PlayableScenario {
  /** Every check in file order: the responses' checks, then the final ones. */
  readonly checks: readonly PreparedCheck[];
  /** Indices into `checks` per request turn; index responses.length holds the final checks. */
  private readonly byTurn: readonly (readonly number[])[];
  private readonly durations: readonly number[];
  /** In least-recently-used order: the first is evicted when a new session would pass the limit. */
  private readonly sessions = new Map<string, Session>();
  private lastSession: string | null = null;

  constructor(
    readonly name: string,
    /** Where it came from, for the list: a file path, "yaml" (a request body), or "bundled (provider demo)". */
    readonly source: string,
    readonly scenario: CompiledScenario,
    private readonly maxSessions: number,
  ) {
    const checks: PreparedCheck[] = [];
    const byTurn: number[][] = [];
    const take = (list: CompiledScenario["finalChecks"]) => {
      const indices: number[] = [];
      for (const check of list ?? []) indices.push(checks.push(prepareCheck(check)) - 1);
      byTurn.push(indices);
    };
    for (const response of scenario.responses) take(response.checks);
    take(scenario.finalChecks);
    this.checks = checks;
    this.byTurn = byTurn;
    this.durations = scenario.responses.map(responseDurationMs);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Records a request of `session` whose history holds `turns` assistant turns: runs the checks on it and marks
   * the response it gets as served. A check that passed stays passed (a side request at the same turn, such as
   * an agent's title request, cannot undo it); one that failed is run again by the next request at its turn.
   */
  observe(sessionId: string, turns: number, api: RequestApi, body: unknown): void {
    const session = this.session(sessionId);
    const indices = this.byTurn[turns];
    if (indices !== undefined) {
      for (const index of indices) {
        const run = this.checks[index]!.run;
        if (run === null || session.status[index] === "passed") continue;
        const failure = run(api, body);
        session.status[index] = failure === null ? "passed" : "failed";
        session.messages[index] = failure ?? "";
      }
    }
    const served = Math.min(turns, this.durations.length - 1);
    session.turn = served + 1;
    if (served > session.furthest) session.furthest = served;
    if (session.served[served] === 0) {
      session.served[served] = 1;
      session.timeMs += this.durations[served]!;
    }
  }

  private session(id: string): Session {
    let session = this.sessions.get(id);
    if (session === undefined) {
      session = new Session(this.durations.length, this.checks);
      if (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
      this.sessions.set(id, session);
    } else if (id !== this.lastSession) {
      // Most recently used last; skipped when the same session asks again, the common case.
      this.sessions.delete(id);
      this.sessions.set(id, session);
    }
    this.lastSession = id;
    return session;
  }

  reset(): void {
    this.sessions.clear();
    this.lastSession = null;
  }

  status(): SessionStatus[] {
    return [...this.sessions].map(([id, session]) => {
      const assertions = { passed: 0, failed: 0, pending: 0, skipped: 0 };
      for (const status of session.status) assertions[status]++;
      return { session: id, turn: session.turn, timeMs: session.timeMs, eventsLeft: this.durations.length - 1 - session.furthest, assertions };
    });
  }

  /** Every check of every session; passed when none failed or is still pending (skipped ones do not count). */
  report(): { passed: boolean; assertions: AssertionReport[] } {
    const assertions: AssertionReport[] = [];
    const describe = (index: number) => {
      const check = this.checks[index]!.check;
      return { at: check.at, kind: check.kind };
    };
    if (this.sessions.size === 0) {
      this.checks.forEach((prepared, index) => {
        const skipped = prepared.check.check === "skipped";
        assertions.push({ session: null, ...describe(index), status: skipped ? "skipped" : "pending", message: skipped ? (prepared.check as { reason: string }).reason : "no request has played this scenario yet" });
      });
    } else {
      for (const [id, session] of this.sessions) {
        session.status.forEach((status, index) => {
          const message = status === "pending" ? this.waitingFor(index) : session.messages[index]!;
          assertions.push({ session: id, ...describe(index), status, message });
        });
      }
    }
    return { passed: assertions.every((a) => a.status === "passed" || a.status === "skipped"), assertions };
  }

  private waitingFor(index: number): string {
    const turn = this.byTurn.findIndex((indices) => indices.includes(index));
    return turn === this.durations.length
      ? `waiting for the request after the last response (${turn} assistant turns)`
      : `waiting for the request that response ${turn + 1} answers (${turn} assistant turn${turn === 1 ? "" : "s"} in its history)`;
  }
}
