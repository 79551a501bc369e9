// The dashboard page's built files (dashboard/, built by generator/dashboard.ts). Run from source (the
// unit tests) this module has none; `switchyard build` replaces it inside the server bundle with one that
// holds the built files (generator/bundle.ts), so a bundle serves its dashboard with nothing beside it on
// disk and nothing fetched from the network.

export interface DashboardFile {
  /** A Content-Type value. */
  readonly type: string;
  readonly text: string;
}

export interface DashboardAssets {
  /** index.html: names the other files by their content-hashed names, relative to /_switchyard/. */
  readonly index: string;
  /** Content-hashed file names (app-5MXRQ3LZ.js) → file, served under /_switchyard/assets/. */
  readonly files: Readonly<Record<string, DashboardFile>>;
}

export const DASHBOARD_ASSETS: DashboardAssets | null = null;
