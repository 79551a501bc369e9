import { describe, expect, it } from "vitest";
import { createAnsiStripper, stripAnsi } from "../../../runtime/command/ansi.ts";

const cases: Array<[string, { given: string; want: string }]> = [
  ["plain text, unicode included", { given: "héllo wörld 🚀\n", want: "héllo wörld 🚀\n" }],
  ["SGR colours", { given: "\x1b[31mred\x1b[0m and \x1b[1;32;40mbold green\x1b[m", want: "red and bold green" }],
  ["private-mode CSI", { given: "\x1b[?25lworking\x1b[?25h\x1b[2K\x1b[1G", want: "working" }],
  ["OSC title ended by BEL", { given: "\x1b]0;my title\x07text", want: "text" }],
  ["OSC 8 hyperlink ended by ST", { given: "see \x1b]8;;https://example.com\x1b\\the docs\x1b]8;;\x1b\\.", want: "see the docs." }],
  ["DCS ended by ST", { given: "\x1bPq#0;2;0;0;0\x1b\\after", want: "after" }],
  ["single-character escapes", { given: "\x1b7saved\x1b8\x1bM\x1bc", want: "saved" }],
  ["charset selection (nF)", { given: "\x1b(Bascii\x1b)0", want: "ascii" }],
  ["a CSI cut by a newline ends there", { given: "\x1b[12\nnext", want: "\nnext" }],
  ["an OSC cut by another escape ends there", { given: "\x1b]0;title\x1b[31mred", want: "red" }],
  ["a lone ESC before a control character", { given: "a\x1b\x01b", want: "a\x01b" }],
  ["an unfinished sequence at the end is dropped", { given: "done\x1b[3", want: "done" }],
];

describe("stripAnsi", () => {
  it.each(cases)("%s", (_name, { given, want }) => {
    expect(stripAnsi(given)).toBe(want);
  });

  it.each(cases)("%s: the same when cut at any point", (_name, { given, want }) => {
    for (let at = 0; at <= given.length; at++) {
      const stripper = createAnsiStripper();
      expect(stripper.push(given.slice(0, at)) + stripper.push(given.slice(at)) + stripper.end(), `cut at ${at}`).toBe(want);
    }
  });

  it.each(cases)("%s: the same one character at a time", (_name, { given, want }) => {
    const stripper = createAnsiStripper();
    let out = "";
    for (const char of given) out += stripper.push(char);
    expect(out + stripper.end()).toBe(want);
  });

  it("holds back only the unfinished sequence", () => {
    const stripper = createAnsiStripper();
    expect(stripper.push("ready\x1b[3")).toBe("ready");
    expect(stripper.push("2mgo")).toBe("go");
  });

  it("gives up on a sequence that never ends, rather than swallowing the output", () => {
    const stripper = createAnsiStripper();
    let out = stripper.push("\x1b]" + "a".repeat(3000));
    expect(out).toBe("");
    out += stripper.push("b".repeat(3000));
    expect(out).toBe("]" + "a".repeat(3000) + "b".repeat(3000));
  });
});
