// Reads a credentials file named in routes.yaml (a Vertex AI service-account key) once, at start. A missing
// or unreadable file stops start-up naming the provider; its contents are never printed.
import { readFileSync } from "node:fs";
import { StartupError } from "../env.ts";

export function readCredentialsFile(path: string, owner: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new StartupError(`cannot start: ${owner}: credentials file ${JSON.stringify(path)} cannot be read (${reason})`);
  }
}
