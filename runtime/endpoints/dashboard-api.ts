// The JSON the dashboard's API answers with (runtime/endpoints/dashboard.ts), as types only: the page
// (dashboard/src/) imports them too, so a renamed field breaks its type check instead of a chart.
import type { AttemptRecord, RequestLogRecord } from "../log/request-log.ts";

/** GET /_switchyard/api/session: what the page needs to know once signed in. */
export interface SessionInfo {
  readonly env: string;
  readonly recent_requests: number;
  readonly history_hours: number;
  /** Whether request and response bodies are kept (logs.bodies). */
  readonly bodies: boolean;
}

/** One number per minute of the window, oldest first, in columns (uPlot's data layout). */
export interface OverviewSeries {
  /** Start of each minute, seconds since the epoch. */
  t: number[];
  requests: number[];
  /** 4xx, including 499 (the client went away). */
  client_errors: number[];
  server_errors: number[];
  /** From a fixed-bucket histogram (runtime/observe/latency-histogram.ts); null: no request that minute. */
  p50_ms: Array<number | null>;
  p95_ms: Array<number | null>;
  /** Prompt tokens, cached ones included. */
  input_tokens: number[];
  output_tokens: number[];
  cost_usd: number[];
}

export interface OverviewTotals {
  requests: number;
  client_errors: number;
  server_errors: number;
  /** (client_errors + server_errors) / requests; 0 without requests. */
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface GroupTally {
  requests: number;
  /** Requests answered with a status >= 400. */
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** GET /_switchyard/api/overview?minutes=N. */
export interface OverviewWindow {
  /** The window, whole minutes, ISO times; `to` is the end of the current minute. */
  from: string;
  to: string;
  minutes: number;
  series: OverviewSeries;
  totals: OverviewTotals;
  /** By the public model the client asked for; "(none)" when there was none, "(other)" past the per-minute cap. */
  by_model: Array<{ model: string } & GroupTally>;
  /** By Switchyard key id; null: requests without a key. */
  by_key: Array<{ key_id: string | null; key_name: string | null } & GroupTally>;
}

/** One row of GET /_switchyard/api/requests: a finished request without its bodies. */
export interface RequestSummary {
  id: string;
  time: string;
  key_id: string | null;
  key_name: string | null;
  route: string | null;
  api: "openai" | "anthropic" | "responses";
  path: string;
  model: string | null;
  stream: boolean;
  status: number;
  latency_ms: number;
  ttfb_ms: number | null;
  /** The provider:model that answered (the last attempt), or null when no attempt was made. */
  served_by: string | null;
  attempts: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  error: string | null;
}

export interface RequestList {
  /** Newest first. */
  data: RequestSummary[];
  /** How many finished requests the view holds (at most `recent_requests`). */
  kept: number;
}

/** GET /_switchyard/api/requests/:id: the request's log record, redacted, bodies only when logs keep them. */
export type RequestDetail = Omit<RequestLogRecord, "attempts"> & {
  attempts: AttemptRecord[];
  /** Why a body the log would keep is not here (too large for the live view, or pushed out by newer ones). */
  bodies_omitted?: string;
};

/** GET /_switchyard/api/spend?days=N: the spend ledger (runtime/spend/ledger.ts) over the last N UTC days. */
export interface SpendReport {
  days: number;
  from: string;
  to: string;
  /** Every day of the window, oldest first, including days without spend. */
  by_day: Array<{ day: string } & SpendTally>;
  by_model: Array<{ model: string } & SpendTally>;
  /** key_id null: requests without a Switchyard key. */
  by_key: Array<{ key_id: string | null; key_name: string | null } & SpendTally>;
  totals: SpendTally;
}

export interface SpendTally {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
}
