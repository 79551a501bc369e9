// Metric storage the request path can afford. prom-client's own `inc`/`observe` rebuild a label-hash
// string and validate label names on every call (about 1 µs each here, ten or so per request); instead
// each label set is a series object made once, on first use, and held by the caller, so counting a request
// is a few additions to plain numbers. prom-client still owns the registry and the text format: at scrape
// time each family copies its series into a prom-client metric (counters through their public API,
// histograms through `get`, the hook the registry formats from).
import { Counter, Histogram, type Registry } from "prom-client";

export type Labels = Readonly<Record<string, string>>;

/** One label set of a counter; the request path adds to `value`. */
export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
}

/** A counter family: its series, and the prom-client Counter that reports them. */
export class CounterFamily {
  private readonly all: CounterSeries[] = [];

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    const all = this.all;
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const series of all) this.inc(series.labels, series.value);
      },
    });
  }

  /** A new series; call once per label set and keep it. */
  series(labels: Labels): CounterSeries {
    const series = new CounterSeries(labels);
    this.all.push(series);
    return series;
  }
}

/** One label set of a histogram: a count per bucket (not cumulative; the last is +Inf), their sum and count. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    // A dozen or so bounds: a linear scan beats a binary search at this size.
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

type Sample = { labels: Record<string, string>; value: number; metricName: string };

/** A prom-client Histogram whose values come from HistogramSeries rather than its own bookkeeping. */
class SeriesHistogram extends Histogram<string> {
  constructor(
    private readonly family: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[]; registry: Registry },
    private readonly all: readonly HistogramSeries[],
  ) {
    super({ name: family.name, help: family.help, labelNames: [...family.labelNames], buckets: [...family.buckets], registers: [family.registry] });
  }

  private samples() {
    const { name, help, buckets } = this.family;
    const bucket = `${name}_bucket`;
    const values: Sample[] = [];
    for (const series of this.all) {
      let cumulative = 0;
      for (let i = 0; i <= buckets.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ labels: { ...series.labels, le: i < buckets.length ? String(buckets[i]) : "+Inf" }, value: cumulative, metricName: bucket });
      }
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${name}_sum` });
      values.push({ labels: { ...series.labels }, value: series.count, metricName: `${name}_count` });
    }
    return { name, help, type: "histogram" as const, values, aggregator: "sum" as const };
  }

  /** What the registry formats as text (prom-client looks for this before `get`). */
  async getForPromString() {
    return this.samples();
  }

  override async get() {
    return this.samples() as unknown as Awaited<ReturnType<Histogram<string>["get"]>>;
  }
}

/** A histogram family: its bucket bounds, series, and the prom-client Histogram that reports them. */
export class HistogramFamily {
  private readonly all: HistogramSeries[] = [];

  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
  ) {
    new SeriesHistogram({ name, help, labelNames, buckets, registry }, this.all);
  }

  series(labels: Labels): HistogramSeries {
    const series = new HistogramSeries(labels, this.buckets);
    this.all.push(series);
    return series;
  }
}
