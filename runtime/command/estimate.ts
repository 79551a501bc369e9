// A CLI reports no token counts, so usage is estimated from characters (about four per token, the rule
// both vendors give for English), for the prompt as sent and the text received. The request log cannot
// tell these from real counts; they are good for rough totals, not billing.
import { estimateTokens } from "../usage/token-estimate.ts";

export { estimateTokens };
export { estimatedUsage } from "../usage/usage.ts";

