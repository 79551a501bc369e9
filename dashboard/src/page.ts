import type { SessionInfo } from "../../runtime/endpoints/dashboard-api.ts";

/** Renders a page into `root`; returns what stops it (timers, charts) when the page is left. */
export type Page = (root: HTMLElement, session: SessionInfo, param: string | undefined) => () => void;
