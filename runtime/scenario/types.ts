// A scenario compiled into the bundle by the generator (generator/scenario.ts). The runtime never parses YAML:
// it receives this plain data, already validated, as a module constant.

/** `[ms, text]`: text that takes `ms` milliseconds to arrive (real time, before the speed factor). */
export type TimedText = readonly [number, string];

export type ScenarioPart =
  | { readonly type: "think"; readonly chunks: readonly TimedText[] }
  | { readonly type: "text"; readonly chunks: readonly TimedText[] }
  | {
      readonly type: "tool";
      /** Tool name as the client declared it (e.g. "Bash"), or as written for agentToolUse. */
      readonly name: string;
      readonly input: Readonly<Record<string, unknown>>;
      readonly delayMs: number;
    };

/** One API response (one `llmResponse` of the scenario's timeline). */
export interface ScenarioResponse {
  readonly parts: readonly ScenarioPart[];
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
}
