// Runs a scenario's checks against a request. Each check is prepared once, when its scenario is loaded (a
// bundled one at start, an uploaded one when it arrives): regular expressions become RegExp objects there,
// so a request only runs them. A check answers null when it passed, or the reason it failed.
import type { ScenarioCheck, TextTest } from "../types.ts";
import { redactSecrets } from "../../log/secrets.ts";
import { lastUserText, toolCallId, toolResult, type RequestApi } from "./request-view.ts";

export type CheckRun = (api: RequestApi, body: unknown) => string | null;

export interface PreparedCheck {
  readonly check: ScenarioCheck;
  /** Null for a skipped check (another runner's kind, or an unknown one): reported, never run. */
  readonly run: CheckRun | null;
}

/** How much of the text a failure quotes: enough to see what arrived instead. */
const EXCERPT_CHARS = 120;

function excerpt(text: string): string {
  const short = text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
  // Reports are read by people and CI logs: a key the agent echoed must not travel on in them.
  return JSON.stringify(redactSecrets(short));
}

type TextRun = (text: string) => string | null;

function prepareTest(test: TextTest): TextRun {
  if ("contains" in test) {
    const needle = test.contains;
    return (text) => (text.includes(needle) ? null : `does not contain ${JSON.stringify(needle)}`);
  }
  const pattern = new RegExp(test.matches.source, test.matches.flags);
  const shown = `/${test.matches.source}/${test.matches.flags}`;
  return (text) => (pattern.test(text) ? null : `does not match ${shown}`);
}

export function prepareCheck(check: ScenarioCheck): PreparedCheck {
  switch (check.check) {
    case "skipped":
      return { check, run: null };
    case "lastUserMessage": {
      const test = prepareTest(check.test);
      return {
        check,
        run: (_api, body) => {
          const text = lastUserText(body);
          if (text === null) return "the request has no user message with text";
          const failure = test(text);
          return failure === null ? null : `the last user message ${failure}: it reads ${excerpt(text)}`;
        },
      };
    }
    case "toolResult": {
      const tests = check.tests.map(prepareTest);
      const what = `${check.tool} (tool call ${check.call} of response ${check.response})`;
      return {
        check,
        run: (api, body) => {
          const id = toolCallId(api, body, check.response, check.call);
          if (id === null) return `the request's history has no ${what}: assistant turn ${check.response} is missing or has fewer tool calls`;
          const result = toolResult(api, body, id);
          if (result === null) return `no tool result for ${what}, id ${id}, arrived`;
          if (check.isError !== undefined && result.isError !== check.isError) {
            return `the result for ${what} is ${result.isError ? "an error" : "not an error"}, expected ${check.isError ? "an error" : "a success"}`;
          }
          for (const test of tests) {
            const failure = test(result.text);
            if (failure !== null) return `the result for ${what} ${failure}: it reads ${excerpt(result.text)}`;
          }
          return null;
        },
      };
    }
  }
}
