import { readdirSync, readFileSync } from 'node:fs';

/** A server's metrics endpoint and the prefix of its metric names (`parley_`, `baseline_`). */
export interface MetricsSource {
  url: string;
  prefix: string;
}

export interface ResourceSummary {
  /** Average CPU of each server node over the window, in % of one core. */
  nodeCpuPercent: number[];
  /** Highest resident memory of each node seen in the window, bytes. */
  nodeRssMaxBytes: number[];
  /** Resident memory of each node at the last sample, bytes. */
  nodeRssLastBytes: number[];
  /** Highest event-loop delay p99 any node reported for a sample interval, ms. */
  eventLoopP99MaxMs: number;
  /** This load generator's CPU, % of one core. */
  generatorCpuPercent: number;
  /** PostgreSQL processes' CPU (every database on the server, not only the bench's), % of one core. */
  postgresCpuPercent: number;
  /** Whole machine, busy share of all cores in % (includes whatever else runs on the box). */
  machineBusyPercent: number;
}

interface NodeSample {
  cpuSeconds: number;
  rss: number;
  lagP99: number;
}

/** Reads `<prefix>process_resident_memory_bytes` etc. from a Prometheus text page. */
export async function scrapeNode(source: MetricsSource): Promise<NodeSample | undefined> {
  try {
    const response = await fetch(`${source.url}/metrics`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return undefined;
    const text = await response.text();
    const value = (name: string) => {
      const match = new RegExp(`^${source.prefix}${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)`, 'm').exec(
        text,
      );
      return match ? Number(match[1]) : NaN;
    };
    return {
      cpuSeconds: value('process_cpu_seconds_total'),
      rss: value('process_resident_memory_bytes'),
      lagP99: value('nodejs_eventloop_lag_p99_seconds'),
    };
  } catch {
    return undefined;
  }
}

function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const numbers = fields.map(Number);
  const total = numbers.reduce((sum, value) => sum + value, 0);
  const idle = (numbers[3] ?? 0) + (numbers[4] ?? 0);
  return { busy: total - idle, total };
}

/** utime + stime of every process named `postgres`, by pid, in clock ticks. */
function postgresTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return ticks;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const rest = stat.slice(close + 2).split(' ');
      ticks.set(Number(entry), Number(rest[11]) + Number(rest[12]));
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks;
}

const CLOCK_TICKS_PER_SEC = 100;

/** utime + stime of a process in clock ticks, 0 when it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

/**
 * Samples the servers' metrics endpoints, this process and the machine every `intervalMs`
 * during a measurement window. CPU counters are summed over positive steps, so a node restarted
 * inside the window (its counter starts again from zero) is still counted.
 */
export class ResourceSampler {
  private timer?: NodeJS.Timeout;
  private startedAt = 0;
  private readonly cpuSeconds: number[];
  private readonly lastCpu: (number | undefined)[];
  private readonly rssMax: number[];
  private readonly rssLast: number[];
  private lagMax = 0;
  private generatorStart = process.cpuUsage();
  private machineStart = machineTicks();
  private postgresLast = postgresTicks();
  private postgresTicksSum = 0;
  private sampling?: Promise<void>;

  private helperTicksStart = 0;

  /**
   * @param helperPids other processes of the load generator (connection agents): their CPU
   * counts as the generator's.
   */
  constructor(
    private readonly sources: MetricsSource[],
    private readonly helperPids: number[] = [],
  ) {
    this.cpuSeconds = sources.map(() => 0);
    this.lastCpu = sources.map(() => undefined);
    this.rssMax = sources.map(() => 0);
    this.rssLast = sources.map(() => 0);
  }

  async start(intervalMs = 1_000): Promise<void> {
    this.startedAt = performance.now();
    this.generatorStart = process.cpuUsage();
    this.helperTicksStart = this.helperTicks();
    this.machineStart = machineTicks();
    this.postgresLast = postgresTicks();
    // The first sample's event-loop delay covers the time before the window: not counted.
    await this.sample(false);
    this.timer = setInterval(() => {
      this.sampling ??= this.sample().finally(() => (this.sampling = undefined));
    }, intervalMs);
  }

  async stop(): Promise<ResourceSummary> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const generator = process.cpuUsage(this.generatorStart);
    const machine = machineTicks();
    return {
      nodeCpuPercent: this.cpuSeconds.map((cpu) => (100 * cpu) / seconds),
      nodeRssMaxBytes: [...this.rssMax],
      nodeRssLastBytes: [...this.rssLast],
      eventLoopP99MaxMs: this.lagMax * 1000,
      generatorCpuPercent:
        (100 *
          ((generator.user + generator.system) / 1e6 +
            (this.helperTicks() - this.helperTicksStart) / CLOCK_TICKS_PER_SEC)) /
        seconds,
      postgresCpuPercent: (100 * this.postgresTicksSum) / CLOCK_TICKS_PER_SEC / seconds,
      machineBusyPercent:
        (100 * (machine.busy - this.machineStart.busy)) /
        Math.max(1, machine.total - this.machineStart.total),
    };
  }

  private helperTicks(): number {
    return this.helperPids.reduce((sum, pid) => sum + processTicks(pid), 0);
  }

  private async sample(countLag = true): Promise<void> {
    const samples = await Promise.all(this.sources.map(scrapeNode));
    samples.forEach((sample, index) => {
      if (!sample) return;
      const last = this.lastCpu[index];
      if (last !== undefined && Number.isFinite(sample.cpuSeconds)) {
        const step = sample.cpuSeconds - last;
        this.cpuSeconds[index]! += step >= 0 ? step : sample.cpuSeconds;
      }
      this.lastCpu[index] = sample.cpuSeconds;
      if (Number.isFinite(sample.rss)) {
        this.rssMax[index] = Math.max(this.rssMax[index]!, sample.rss);
        this.rssLast[index] = sample.rss;
      }
      if (countLag && Number.isFinite(sample.lagP99))
        this.lagMax = Math.max(this.lagMax, sample.lagP99);
    });
    const postgres = postgresTicks();
    for (const [pid, ticks] of postgres) {
      this.postgresTicksSum += ticks - (this.postgresLast.get(pid) ?? 0);
    }
    this.postgresLast = postgres;
  }
}
