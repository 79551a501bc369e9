// A scenario compiled into the bundle by the generator (generator/scenario.ts). The runtime never parses YAML:
// it receives this plain data, already validated, as a module constant.

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

/** One API response (one `llmResponse` of the scenario's timeline). */
export interface ScenarioResponse {
  readonly parts: readonly ScenarioPart[];
  /**
   * Scenario time that passes before this response starts: `advanceMs` and other harnesses' events written
   * since the previous response (absent when none). Scaled by the playback speed like every other wait.
   */
  readonly waitMs?: number;
}

export interface CompiledScenario {
  readonly name: string;
  /** Response N answers the request whose history holds N assistant turns (clamped to the last). */
  readonly responses: readonly ScenarioResponse[];
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
