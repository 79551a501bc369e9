// A retry budget per route (Finagle's RetryBudget, gRPC's retry throttling): every request deposits
// `ratio` tokens, every retry withdraws one, so in a long outage retries add at most `ratio` to the
// traffic instead of multiplying it by max_attempts. The bucket starts full and holds `reserve` tokens,
// so a quiet route can still retry a short burst of failures. A ratio of 0 turns retries off.

/** Tokens a budget starts with and can hold: the retries allowed before the ratio takes over. */
export const RETRY_RESERVE = 10;

export class RetryBudget {
  private balance: number;
  private readonly reserve: number;

  constructor(
    private readonly ratio: number,
    reserve: number = RETRY_RESERVE,
  ) {
    this.reserve = ratio > 0 ? reserve : 0;
    this.balance = this.reserve;
  }

  /** One request arrived. */
  deposit(): void {
    const next = this.balance + this.ratio;
    this.balance = next > this.reserve ? this.reserve : next;
  }

  /** Takes one retry's token if there is one. */
  withdraw(): boolean {
    if (this.balance < 1) return false;
    this.balance -= 1;
    return true;
  }

  get tokens(): number {
    return this.balance;
  }
}
