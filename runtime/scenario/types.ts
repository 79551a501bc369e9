// A scenario compiled by generator/scenario.ts: into the bundle as a module constant, or, for one loaded at run
// time through /_switchyard/scenarios, by the same compiler bundled into the server. Playback only ever sees
// this plain data, already validated.

/** `[ms, text]`: text that takes `ms` milliseconds to arrive (real time, before the speed factor). */
export type TimedText = readonly [number, string];

/** The agents whose tools named tool events map to (runtime/scenario/profiles/). */
export type ToolsProfileName = "claude-code" | "codex" | "openai-generic";
/** A profile, or `auto`: picked per request from the tools the client declares. */
export type ToolsProfileSetting = ToolsProfileName | "auto";

export type ScenarioPart =
  | { readonly type: "think"; readonly chunks: readonly TimedText[] }
  | { readonly type: "text"; readonly chunks: readonly TimedText[] }
  | {
      readonly type: "tool";
      /** The tool name as written: agentToolUse's `toolName`, or the named event (`runCmd`) when no profile maps it. */
      readonly name: string;
      /** The input as written in the scenario. */
      readonly input: Readonly<Record<string, unknown>>;
      readonly delayMs: number;
      /** For a named tool event (`runCmd`, `readFile`, …): the tools profile maps it to the client's own tool. */
      readonly event?: string;
      /** `file:line` of the event, for strict-mode errors. */
      readonly at?: string;
    };

/** A regular expression as data (the bundle holds scenarios as JSON); made a RegExp once, when the scenario is loaded. */
export interface RegexSource {
  readonly source: string;
  readonly flags: string;
}

/** One text test: a substring, or a regular expression (`/…/flags` or a bare source in the file). */
export type TextTest = { readonly contains: string } | { readonly matches: RegexSource };

/**
 * One check of an `assert` event (generator/scenario-assert.ts), on the request that the next response answers.
 * `kind` is as the file names it, for the report; `check` says what the gateway does with it.
 */
export type ScenarioCheck = {
  /** e.g. "request.lastUserMessage.contains", "request.toolResult", "fs.exists". */
  readonly kind: string;
  /** "file:line" of the check in the scenario file. */
  readonly at: string;
} & (
  | {
      /** The text of the request's last user message (tool results left out) passes `test`. */
      readonly check: "lastUserMessage";
      readonly test: TextTest;
    }
  | {
      /**
       * The request carries the result of the `call`-th tool call (0-based) of response `response`, found by the
       * id the client received in that assistant turn; its text passes every test, and its error flag is `isError`.
       */
      readonly check: "toolResult";
      readonly response: number;
      readonly call: number;
      /** The tool event as written (e.g. "runCmd"), for messages. */
      readonly tool: string;
      readonly tests: readonly TextTest[];
      readonly isError?: boolean;
    }
  | {
      /** Another runner's kind (fs.exists, text.contains, …) or one this version does not know: reported, never run. */
      readonly check: "skipped";
      readonly reason: string;
    }
);

/** One API response (one `llmResponse` of the scenario's timeline). */
export interface ScenarioResponse {
  readonly parts: readonly ScenarioPart[];
  /** The `assert` events written after the previous llmResponse: they check the request this response answers. */
  readonly checks?: readonly ScenarioCheck[];
  /**
   * Scenario time that passes before this response starts: `advanceMs` and other harnesses' events written
   * since the previous response (absent when none). Scaled by the playback speed like every other wait.
   */
  readonly waitMs?: number;
  /**
   * The exact response a recording captured (runtime/scenario/record/): played verbatim when the client's API
   * and stream flag match, else `parts` are rendered as for any scripted response.
   */
  readonly recorded?: RecordedResponse;
}

/** A response as the client received it when it was recorded (the `recorded:` key of a timeline item). */
export interface RecordedResponse {
  readonly api: "openai" | "anthropic";
  readonly stream: boolean;
  readonly contentType: string;
  /** The whole body, exactly (a stream's events joined). */
  readonly body: string;
  /**
   * Streams: the body as it arrived, `[ms after the previous piece (the first: after the request), text]`;
   * joined they are `body`. A whole body arrives `frames[0][0]` ms after the request.
   */
  readonly frames: readonly TimedText[];
}

export interface CompiledScenario {
  readonly name: string;
  /** Response N answers the request whose history holds N assistant turns (clamped to the last). */
  readonly responses: readonly ScenarioResponse[];
  /** `assert` events after the last llmResponse: they check the request that follows it (answered by the last response again). */
  readonly finalChecks?: readonly ScenarioCheck[];
  /**
   * `server.coalesceThinkingWithToolUse: false`: what Anthropic clients are played instead of `responses`,
   * with each response that holds thinking and tool calls split in two (the thinking, then the rest).
   * Absent when the flag is true (the default) or nothing needs splitting.
   */
  readonly anthropicResponses?: readonly ScenarioResponse[];
  /** `server.toolsProfile`; absent: the provider's `tools_profile`, else auto. */
  readonly toolsProfile?: ToolsProfileSetting;
  /** `server.strict`; absent: the provider's `strict`, else false. */
  readonly strict?: boolean;
}
