import hdr from 'hdr-histogram-js';

type Histogram = ReturnType<typeof hdr.build>;

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * A latency histogram in microseconds (HdrHistogram, 3 significant digits), read in
 * milliseconds.
 */
export class LatencyHistogram {
  private readonly histogram: Histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 10 * 60 * 1_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });

  recordMs(milliseconds: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(milliseconds * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): LatencySummary {
    const at = (percentile: number) =>
      this.count === 0 ? NaN : this.histogram.getValueAtPercentile(percentile) / 1000;
    return {
      count: this.count,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: this.count === 0 ? NaN : this.histogram.maxValue / 1000,
    };
  }
}

/** Counts by key, e.g. ack errors by code. */
export class Counter {
  readonly counts: Record<string, number> = {};

  add(key: string, amount = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + amount;
  }

  get total(): number {
    return Object.values(this.counts).reduce((sum, count) => sum + count, 0);
  }

  toString(): string {
    const entries = Object.entries(this.counts);
    return entries.length === 0 ? '0' : entries.map(([key, count]) => `${key}:${count}`).join(' ');
  }
}
