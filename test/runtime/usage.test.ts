import { describe, expect, it } from "vitest";
import { usageFromAnthropic, usageFromOpenAI, usageFromResponses, type Usage, usageFromBody, usageFromBodyTail } from "../../runtime/usage/usage.ts";

describe("usageFromOpenAI", () => {
  const cases: Array<[string, { given: unknown; want: Usage | null }]> = [
    [
      "plain counts",
      {
        given: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
        want: {
          prompt_tokens: 12, completion_tokens: 5, total_tokens: 17,
          input_tokens: 12, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0,
        },
      },
    ],
    [
      "cached prompt tokens are split out of input_tokens",
      {
        given: { prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306, prompt_tokens_details: { cached_tokens: 1920 } },
        want: {
          prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306,
          input_tokens: 86, output_tokens: 300, cache_read_input_tokens: 1920, cache_creation_input_tokens: 0,
        },
      },
    ],
    [
      "cached larger than prompt clamps input_tokens at 0",
      {
        given: { prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 64 } },
        want: {
          prompt_tokens: 10, completion_tokens: 1, total_tokens: 11,
          input_tokens: 0, output_tokens: 1, cache_read_input_tokens: 64, cache_creation_input_tokens: 0,
        },
      },
    ],
    [
      "wrong types are ignored and missing total is computed",
      {
        given: { prompt_tokens: "7", completion_tokens: 3, prompt_tokens_details: null },
        want: {
          prompt_tokens: 0, completion_tokens: 3, total_tokens: 3,
          input_tokens: 0, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0,
        },
      },
    ],
    ["not an object", { given: "usage", want: null }],
    ["null", { given: null, want: null }],
    ["no known counts", { given: { foo: 1 }, want: null }],
  ];
  it.each(cases)("%s", (_name, { given, want }) => {
    expect(usageFromOpenAI(given)).toEqual(want);
  });
});

describe("usageFromAnthropic", () => {
  const cases: Array<[string, { given: unknown; want: Usage | null }]> = [
    [
      "plain counts",
      {
        given: { input_tokens: 25, output_tokens: 90 },
        want: {
          prompt_tokens: 25, completion_tokens: 90, total_tokens: 115,
          input_tokens: 25, output_tokens: 90, cache_read_input_tokens: 0, cache_creation_input_tokens: 0,
        },
      },
    ],
    [
      "cache reads and writes count toward prompt_tokens",
      {
        given: { input_tokens: 4, output_tokens: 50, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 },
        want: {
          prompt_tokens: 1204, completion_tokens: 50, total_tokens: 1254,
          input_tokens: 4, output_tokens: 50, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200,
        },
      },
    ],
    [
      "null cache fields (as the API sends them) count as 0",
      {
        given: { input_tokens: 3, output_tokens: 1, cache_read_input_tokens: null, cache_creation_input_tokens: null },
        want: {
          prompt_tokens: 3, completion_tokens: 1, total_tokens: 4,
          input_tokens: 3, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0,
        },
      },
    ],
    ["array", { given: [1, 2], want: null }],
    ["empty object", { given: {}, want: null }],
  ];
  it.each(cases)("%s", (_name, { given, want }) => {
    expect(usageFromAnthropic(given)).toEqual(want);
  });
});

describe("usageFromResponses", () => {
  it("input_tokens include the cached ones, as chat's prompt_tokens do", () => {
    expect(usageFromResponses({ input_tokens: 100, input_tokens_details: { cached_tokens: 40 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 110 })).toEqual({
      prompt_tokens: 100,
      completion_tokens: 10,
      total_tokens: 110,
      input_tokens: 60,
      output_tokens: 10,
      cache_read_input_tokens: 40,
      cache_creation_input_tokens: 0,
    });
  });

  it("null without counts; missing fields count as 0", () => {
    expect(usageFromResponses(null)).toBeNull();
    expect(usageFromResponses({ foo: 1 })).toBeNull();
    expect(usageFromResponses({ output_tokens: 3 })).toMatchObject({ prompt_tokens: 0, completion_tokens: 3, total_tokens: 3 });
  });

  it("read from a whole body's tail, as the log does without bodies", () => {
    const body = JSON.stringify({ id: "resp_1", output: [{ type: "message", content: [{ type: "output_text", text: '"usage": {' }] }], usage: { input_tokens: 7, output_tokens: 2, total_tokens: 9 } });
    expect(usageFromBodyTail("responses", body)).toMatchObject({ prompt_tokens: 7, completion_tokens: 2 });
    expect(usageFromBody("responses", body).usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2 });
  });
});

describe("usageFromBodyTail", () => {
  const bodies: Array<[string, "openai" | "anthropic", string]> = [
    ["openai compact", "openai", JSON.stringify({ id: "x", choices: [{ message: { content: 'say "usage": {"prompt_tokens": 999}' } }], usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 } } })],
    ["openai pretty", "openai", JSON.stringify({ usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }, choices: [] }, null, 2)],
    ["anthropic", "anthropic", JSON.stringify({ content: [{ type: "text", text: "}{\"usage\"" }], usage: { input_tokens: 7, output_tokens: 2, cache_read_input_tokens: 1, cache_creation_input_tokens: 0 } })],
    ["usage inside text only", "openai", JSON.stringify({ choices: [{ message: { content: '"usage": {"prompt_tokens": 1}' } }] })],
    ["no usage", "anthropic", JSON.stringify({ content: [] })],
    ["not json", "openai", "<html>"],
  ];
  it.each(bodies)("%s: the same as parsing the whole body", (_, api, text) => {
    expect(usageFromBodyTail(api, text)).toEqual(usageFromBody(api, text).usage);
  });
});
