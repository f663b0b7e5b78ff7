// Every second, how long the processes of one bench run waited for a CPU (run-queue delay,
// /proc/<pid>/schedstat) and ran, plus the machine's CPU pressure (/proc/pressure/cpu): on a
// shared box a PostgreSQL backend that is runnable but not running looks, from the node, exactly
// like a slow statement (issue 11).
//
//   node sched-sampler.mjs OUT_FILE PG_PORT COMMAND_LOG
//
// PostgreSQL: the postmaster listening on PG_PORT and its children. The Parley node and the bench's
// redis-server: the ports the bench prints into COMMAND_LOG. Writes one JSON line per second until
// killed.
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const [outFile, pgPort, commandLog] = process.argv.slice(2);

function listenerPid(port) {
  try {
    const text = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const match = /pid=(\d+),/.exec(text);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function children(parent) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const previous = new Map();

/**
 * Nanoseconds run and waited on a run queue since the last call, summed over the pids (a pid
 * seen for the first time counts from its start: backends come and go).
 */
function schedstatDelta(pids) {
  let ran = 0;
  let waited = 0;
  for (const pid of pids) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
      const [runBefore, waitBefore] = previous.get(pid) ?? [0, 0];
      previous.set(pid, [run, wait]);
      ran += run - runBefore;
      waited += wait - waitBefore;
    } catch {
      // gone meanwhile
    }
  }
  return [ran, waited];
}

function portFromLog(pattern) {
  try {
    const match = pattern.exec(readFileSync(commandLog, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

const psiTotal = () =>
  Number(/some .* total=(\d+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN);

let lastPsi = psiTotal();
let lastAt = performance.now();
let postmaster;

setInterval(() => {
  postmaster ??= listenerPid(pgPort);
  const nodePort = portFromLog(/parley: 1 node\(s\) (\d+)/);
  const redisPort = portFromLog(/redis-server started on port (\d+)/);
  const groups = {
    postgres: postmaster ? [postmaster, ...children(postmaster)] : [],
    node: nodePort ? [listenerPid(nodePort)].filter(Boolean) : [],
    redis: redisPort ? [listenerPid(redisPort)].filter(Boolean) : [],
  };
  const now = performance.now();
  const line = { at: new Date().toISOString(), intervalMs: Math.round(now - lastAt) };
  for (const [name, pids] of Object.entries(groups)) {
    const [ran, waited] = schedstatDelta(pids);
    line[name] = { processes: pids.length, ranMs: ran / 1e6, runQueueMs: waited / 1e6 };
  }
  const psi = psiTotal();
  line.cpuPressureSomePercent = (100 * (psi - lastPsi)) / 1000 / (now - lastAt);
  lastPsi = psi;
  lastAt = now;
  appendFileSync(outFile, `${JSON.stringify(line)}\n`);
}, 1000);
