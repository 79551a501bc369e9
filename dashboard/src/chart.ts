// Time-series charts on uPlot (about 50 kB, canvas, no dependencies): one per metric, resized with their
// card. The legend names each series' figure for the whole window while the pointer is away, and its value
// at the pointer's minute (or day) while it is over the chart.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** One value, as the legend shows it. */
  readonly format: (value: number) => string;
  readonly fill?: boolean;
  readonly bars?: boolean;
  /** Draw a dot at each value: for sparse series (latency has none in minutes without requests). */
  readonly points?: boolean;
}

export interface Chart {
  /** New data (x in seconds since the epoch) and the legend's figures for the whole window. */
  update(x: number[], ys: Array<Array<number | null>>, idle: string[]): void;
  destroy(): void;
}

const HEIGHT = 200;

function compact(value: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${Number((value / 1e9).toPrecision(3))}G`;
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

export function timeChart(container: HTMLElement, series: readonly ChartSeries[], options: { daily?: boolean; idleX: () => string }): Chart {
  let idle: string[] = series.map(() => "–");
  const clock = (seconds: number) => {
    const date = new Date(seconds * 1000);
    return options.daily ? date.toISOString().slice(0, 10) : date.toLocaleTimeString("en-GB", { hour12: false, hour: "2-digit", minute: "2-digit" });
  };
  const plot = new uPlot(
    {
      width: Math.max(280, container.clientWidth),
      height: HEIGHT,
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      legend: { live: true },
      scales: {
        // Days are UTC dates (the ledger's), placed as plain numbers so no time zone shifts them; half a day
        // either side keeps the first and last bars whole.
        x: options.daily ? { time: false, range: (_u, min, max) => [min - 43_200, max + 43_200] } : { time: true },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        options.daily
          ? {
              splits: (u) => {
                const days = u.data[0] as number[];
                const step = Math.max(1, Math.ceil(days.length / 10));
                return days.filter((_, i) => (days.length - 1 - i) % step === 0);
              },
              values: (_u, splits) => splits.map((s) => new Date(s * 1000).toISOString().slice(5, 10)),
            }
          : { values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleTimeString("en-GB", { hour12: false, hour: "2-digit", minute: "2-digit" })) },
        { values: (_u, splits) => splits.map(compact), size: 50 },
      ],
      series: [
        { label: options.daily ? "Day" : "Minute", value: (_u, value) => (value === null ? options.idleX() : clock(value)) },
        ...series.map((s, i): uPlot.Series => ({
          label: s.label,
          stroke: s.color,
          width: s.bars ? 0 : 2,
          ...(s.fill ? { fill: `${s.color}22` } : {}),
          ...(s.bars ? { paths: uPlot.paths.bars!({ size: [0.7, 40] }), fill: `${s.color}99` } : {}),
          points: { show: s.points ?? false, size: 5 },
          spanGaps: false,
          value: (_u, value, _sidx, idx) => (idx === null ? idle[i]! : value === null ? "–" : s.format(value)),
        })),
      ],
    },
    [[], ...series.map(() => [])],
    container,
  );
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, container.clientWidth), height: HEIGHT }));
  resize.observe(container);
  return {
    update(x, ys, figures) {
      idle = figures;
      plot.setData([x, ...ys] as uPlot.AlignedData);
      // Refreshes the legend's figures when the pointer is away (setData only does while it is over the chart).
      const idx = plot.cursor.idx ?? null;
      plot.setLegend({ idxs: plot.series.map(() => idx) });
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}
