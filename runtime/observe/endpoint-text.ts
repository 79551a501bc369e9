// How an OTLP endpoint is printed (start-up line, export failures): without the credentials or query string
// a collector URL may carry. Kept apart from tracing.ts so printing it does not pull OpenTelemetry in.

/** scheme://host[:port]/path of `endpoint`: safe to print. */
export function endpointText(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "(not a URL)";
  }
}
