// Summarizes what bench/scripts/pg-wait-sampler.sh collected: per second of every bench step,
// the ack p99 beside what PostgreSQL's backends were waiting on, CPU run-queue delay, GC, pool
// wait and Redis latency; then which of those the stall seconds share. Markdown on stdout.
//
//   node bench/scripts/stall-report.mjs OUT_DIR
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const read = (name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '');

/** ms since midnight UTC of "HH:MM:SS(.mmm)" or of an ISO time. */
function dayMs(text) {
  const match = /(\d\d):(\d\d):(\d\d)(?:\.(\d+))?/.exec(text);
  if (!match) return NaN;
  const [, h, m, s, frac = '0'] = match;
  return (
    ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3))
  );
}

const table = (header, rows) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const percentile = (values, p) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
    : NaN;
};
const median = (values) => percentile(values, 50);
function pearson(xs, ys) {
  const pairs = xs
    .map((x, i) => [x, ys[i]])
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pairs.length < 3) return NaN;
  const mean = (k) => pairs.reduce((sum, pair) => sum + pair[k], 0) / pairs.length;
  const [mx, my] = [mean(0), mean(1)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : NaN;
}

// --- the bench's seconds -------------------------------------------------------------------
const bench = existsSync(join(dir, 'bench.json'))
  ? JSON.parse(read('bench.json'))
  : { messaging: [] };
const seconds = [];
for (const step of bench.messaging ?? []) {
  for (const second of step.ackPerSecond ?? []) {
    const start = dayMs(second.at);
    seconds.push({
      ...second,
      rate: step.rate,
      start,
      end: start + 1000,
      at: second.at.slice(11, 19),
    });
  }
}
const secondAt = (ms) => seconds.find((second) => ms >= second.start && ms < second.end);

// --- pg_stat_activity samples --------------------------------------------------------------
const statementKind = (text) => {
  const query = text.trim();
  if (/^with membership as/.test(query)) return 'send';
  if (/^with previous as/.test(query)) return 'watermarks';
  return query.replace(/"/g, '').slice(0, 40) || '-';
};
const sampleTimes = new Set();
const events = new Map(); // "kind|wait" -> samples, all client backends of the bench database
const windowEvents = new Map();
for (const second of seconds) {
  Object.assign(second, {
    samples: new Set(),
    active: 0,
    lock: 0,
    lwlock: 0,
    io: 0,
    cpu: 0,
    client: 0,
    checkpointing: 0,
    autovacuum: 0,
    longestMs: 0,
  });
}
for (const line of read('activity.txt').split('\n')) {
  const [time, database, , backendType, state, waitType, waitEvent, queryMs, query = ''] =
    line.split('|');
  if (!waitEvent) continue;
  const ms = dayMs(time);
  const second = secondAt(ms);
  sampleTimes.add(time);
  second?.samples.add(time);
  if (backendType === 'checkpointer') {
    if (second && waitEvent !== 'CheckpointerMain') second.checkpointing++;
    continue;
  }
  if (backendType === 'autovacuum worker') {
    if (second) second.autovacuum++;
    continue;
  }
  if (backendType !== 'client backend' || database === '-') continue;
  const key = `${statementKind(query)}|${waitType}:${waitEvent}|${state}`;
  events.set(key, (events.get(key) ?? 0) + 1);
  if (!second) continue;
  windowEvents.set(key, (windowEvents.get(key) ?? 0) + 1);
  if (state !== 'active') continue;
  second.active++;
  second.longestMs = Math.max(second.longestMs, Number(queryMs));
  if (waitType === 'Lock') second.lock++;
  else if (waitType === 'LWLock') second.lwlock++;
  else if (waitType === 'IO') second.io++;
  else if (waitType === 'CPU') second.cpu++;
  else if (waitType === 'Client') second.client++;
}

// --- run-queue delay, GC, pool wait, Redis ---------------------------------------------------
for (const line of read('sched.jsonl').split('\n').slice(1)) {
  if (!line) continue;
  const sample = JSON.parse(line);
  const second = secondAt(dayMs(sample.at) - 500);
  if (!second) continue;
  second.pgRunQueueMs = sample.postgres?.runQueueMs;
  second.pgRanMs = sample.postgres?.ranMs;
  second.nodeRunQueueMs = sample.node?.runQueueMs;
  second.redisRunQueueMs = sample.redis?.runQueueMs;
  second.cpuPressure = sample.cpuPressureSomePercent;
}
let previousMetrics;
for (const block of read('metrics.txt').split('# ').slice(1)) {
  const [time, ...lines] = block.split('\n');
  const value = (pattern) =>
    lines
      .filter((line) => pattern.test(line))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  const current = {
    ms: dayMs(time),
    gc: value(/^parley_nodejs_gc_duration_seconds_sum/),
    poolSum: value(/^parley_db_pool_wait_seconds_sum/),
    poolCount: value(/^parley_db_pool_wait_seconds_count/),
    poolUnder10ms: value(/^parley_db_pool_wait_seconds_bucket\{le="0.01"\}/),
    waiting: value(/^parley_db_pool_waiting /),
    loopP99: value(/^parley_nodejs_eventloop_lag_p99_seconds/),
  };
  const second = secondAt(current.ms - 500);
  if (previousMetrics && second && current.gc >= previousMetrics.gc) {
    second.gcMs = (current.gc - previousMetrics.gc) * 1000;
    const count = current.poolCount - previousMetrics.poolCount;
    second.poolWaitAvgMs =
      count > 0 ? ((current.poolSum - previousMetrics.poolSum) / count) * 1000 : NaN;
    second.poolWaitOver10ms = count - (current.poolUnder10ms - previousMetrics.poolUnder10ms);
    second.poolWaiting = current.waiting;
    second.loopP99Ms = current.loopP99 * 1000;
  }
  previousMetrics = current;
}
for (const line of read('redis-latency.txt').split('\n')) {
  const all = [...line.matchAll(/max: (\d+)/g)];
  if (!all.length) continue;
  const second = secondAt(dayMs(line) - 500);
  if (second) second.redisMaxMs = Number(all.at(-1)[1]);
}

// --- report -------------------------------------------------------------------------------
const out = [];
out.push(`# Stall report for ${dir}\n`);
const activeTotal = [...windowEvents.entries()].filter(([key]) => key.endsWith('|active'));
const activeSum = activeTotal.reduce((sum, [, count]) => sum + count, 0);
const windowSamples = seconds.reduce((sum, second) => sum + second.samples.size, 0);
out.push(
  `## What the bench database's backends were doing (measurement windows)\n\n` +
    `${windowSamples} pg_stat_activity samples (every ~${fixed((1000 * seconds.length) / Math.max(1, windowSamples), 1)} ms), ` +
    `${activeSum} active-backend observations, ${fixed(activeSum / Math.max(1, windowSamples), 2)} active backends on average. ` +
    `"CPU" means active with no wait event: running or waiting for a CPU.\n`,
);
out.push(
  table(
    ['statement', 'wait event', 'state', 'samples', '% of active'],
    [...windowEvents.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([key, count]) => {
        const [kind, wait, state] = key.split('|');
        return [
          kind,
          wait,
          state,
          String(count),
          state === 'active' ? fixed((100 * count) / activeSum, 1) : '',
        ];
      }),
  ),
);

const columns = [
  ['second', (s) => s.at],
  ['rate', (s) => String(s.rate)],
  ['acks', (s) => String(s.count)],
  ['ack p99', (s) => fixed(s.p99, 1)],
  ['ack max', (s) => fixed(s.max, 1)],
  ['active avg', (s) => fixed(s.active / Math.max(1, s.samples.size), 2)],
  ['Lock', (s) => String(s.lock)],
  ['LWLock', (s) => String(s.lwlock)],
  ['IO', (s) => String(s.io)],
  ['CPU', (s) => String(s.cpu)],
  ['longest stmt ms', (s) => fixed(s.longestMs)],
  ['ckpt', (s) => String(s.checkpointing)],
  ['autovac', (s) => String(s.autovacuum)],
  ['pg run-queue ms', (s) => fixed(s.pgRunQueueMs)],
  ['node run-queue ms', (s) => fixed(s.nodeRunQueueMs)],
  ['cpu pressure %', (s) => fixed(s.cpuPressure)],
  ['GC ms', (s) => fixed(s.gcMs, 1)],
  ['loop p99', (s) => fixed(s.loopP99Ms, 1)],
  ['pool wait avg ms', (s) => fixed(s.poolWaitAvgMs, 2)],
  ['pool waits >10ms', (s) => fixed(s.poolWaitOver10ms)],
  ['redis max ms', (s) => fixed(s.redisMaxMs)],
];
out.push(`\n## Per second\n`);
out.push(
  table(
    columns.map(([name]) => name),
    seconds.map((second) => columns.map(([, cell]) => cell(second))),
  ),
);

const factors = {
  'active backends': (s) => s.active / Math.max(1, s.samples.size),
  'Lock samples': (s) => s.lock,
  'LWLock samples': (s) => s.lwlock,
  'IO samples': (s) => s.io,
  'longest statement': (s) => s.longestMs,
  'checkpointer busy': (s) => s.checkpointing,
  autovacuum: (s) => s.autovacuum,
  'PostgreSQL run-queue ms': (s) => s.pgRunQueueMs,
  'node run-queue ms': (s) => s.nodeRunQueueMs,
  'CPU pressure': (s) => s.cpuPressure,
  'GC ms': (s) => s.gcMs,
  'event-loop p99': (s) => s.loopP99Ms,
  'pool wait avg': (s) => s.poolWaitAvgMs,
  'Redis max': (s) => s.redisMaxMs,
};
const p99s = seconds.map((s) => s.p99);
const threshold = Math.max(50, 3 * median(p99s));
const stalls = seconds.filter((s) => s.p99 > threshold);
const calm = seconds.filter((s) => s.p99 <= threshold);
out.push(
  `\n## Stall seconds (ack p99 > ${fixed(threshold)} ms: ${stalls.length} of ${seconds.length}) against the others\n`,
);
out.push(
  table(
    [
      'factor',
      'median in stall seconds',
      'median in other seconds',
      'correlation with ack p99 (all seconds)',
    ],
    Object.entries(factors).map(([name, get]) => [
      name,
      fixed(median(stalls.map(get)), 1),
      fixed(median(calm.map(get)), 1),
      fixed(pearson(seconds.map(get), p99s), 2),
    ]),
  ),
);

const log = read('postgresql.log');
const checkpoints = log.split('\n').filter((line) => /checkpoint (starting|complete)/.test(line));
const lockWaits = log
  .split('\n')
  .filter((line) => /still waiting for|acquired .* after/.test(line));
const explains = log.split('\n').filter((line) => /duration: .* ms\s+(plan|statement)/.test(line));
out.push(`\n## Server log in the window\n`);
out.push(`checkpoints:\n\n${checkpoints.map((line) => `    ${line}`).join('\n') || '    none'}\n`);
out.push(
  `lock waits over deadlock_timeout: ${lockWaits.length}\n\n${lockWaits
    .slice(0, 10)
    .map((line) => `    ${line.slice(0, 200)}`)
    .join('\n')}\n`,
);
out.push(
  `statements over 50 ms (log_min_duration_statement / auto_explain): ${explains.length}\n\n${explains
    .slice(0, 15)
    .map((line) => `    ${line.slice(0, 160)}`)
    .join('\n')}\n`,
);
out.push(
  `\n## Counters (before / after) and pg_stat_statements\n\n\`\`\`\n${read('before.txt')}\n---\n${read('after.txt')}\n\`\`\`\n`,
);
console.log(out.join('\n'));
