// Request fields the OpenAI chat completions API cannot express, handled by the route's policy: `drop`
// leaves them out and records their dotted paths for the request log; `reject` turns the first one into
// a 400 naming its JSON pointer.
import type { TranslationProblem, UnsupportedPolicy } from "../translator.ts";

export type FieldPath = readonly (string | number)[];

function pointer(path: FieldPath): string {
  return path.map((segment) => `/${String(segment).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

export class UnsupportedFields {
  readonly dropped: string[] = [];
  problem: TranslationProblem | undefined;

  constructor(private readonly policy: UnsupportedPolicy) {}

  /** `label` names what cannot be expressed, for the reject message: "top_k", "document blocks". */
  note(path: FieldPath, label: string): void {
    if (this.policy === "drop") this.dropped.push(path.join("."));
    else this.problem ??= { path: pointer(path), message: `${label} cannot be expressed by the OpenAI chat completions API` };
  }
}
