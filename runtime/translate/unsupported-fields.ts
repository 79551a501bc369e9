// Request fields the target API cannot express. A translation notes each one where it finds it; the route's
// policy then decides: `drop` leaves them out and lists them (dotted paths, for the request log), `reject`
// answers 400 naming the first one (a JSON pointer, as validation errors do).
import type { TranslationProblem } from "./translator.ts";

export type FieldPath = readonly (string | number)[];

export class UnsupportedFields {
  private readonly found: { path: FieldPath; what: string }[] = [];

  /** `target` ends the client's message: "cannot be expressed by <target>", e.g. "the Gemini API". */
  constructor(private readonly target: string) {}

  /** `what` names the field or value for the client, e.g. `n=2`, `input_audio content`. */
  note(path: FieldPath, what: string): void {
    this.found.push({ path, what });
  }

  /** A field set to a value: `name=<json>` for scalars and arrays, the bare name for objects. */
  noteValue(path: FieldPath, value: unknown): void {
    const name = String(path[path.length - 1]);
    const shown = typeof value === "object" && value !== null && !Array.isArray(value) ? name : `${name}=${JSON.stringify(value)}`;
    this.note(path, shown);
  }

  get dropped(): string[] {
    return this.found.map((f) => f.path.join("."));
  }

  /** The first field found, as the 400 the `reject` policy answers with. */
  problem(): TranslationProblem | undefined {
    const first = this.found[0];
    return first && { path: `/${first.path.join("/")}`, message: `${first.what} cannot be expressed by ${this.target}` };
  }
}
