/**
 * Summarizes V8 `.cpuprofile` files (from `node --cpu-prof`): the top frames by self time, and
 * self time by package. Run on its own: `node bench/dist/profile-summary.js FILE... [--top N]`.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from './util.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame comes from: a package, Node itself, the app, or V8's pseudo-frames. */
export function origin(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (core)';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  const workspace = /\/(apps\/[^/]+|packages\/[^/]+|bench)\//.exec(url);
  return workspace ? workspace[1]! : url;
}

function shortUrl(url: string): string {
  const inModules = url.lastIndexOf('node_modules/');
  if (inModules >= 0) return url.slice(inModules + 'node_modules/'.length);
  const app = /\/(apps|packages)\/.*$/.exec(url);
  return app ? app[0].slice(1) : url.replace(/^file:\/\//, '');
}

export function summarizeProfile(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const frames = new Map<string, { frame: CallFrame; micros: number }>();
  const packages = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    total += micros;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = frames.get(key) ?? { frame, micros: 0 };
    entry.micros += micros;
    frames.set(key, entry);
    const from = origin(frame.url, frame.functionName);
    packages.set(from, (packages.get(from) ?? 0) + micros);
  }
  const share = (micros: number) => `${((100 * micros) / Math.max(1, total)).toFixed(1)}`;
  const topFrames = [...frames.values()].sort((a, b) => b.micros - a.micros).slice(0, top);
  const topPackages = [...packages].sort((a, b) => b[1] - a[1]).slice(0, 15);
  return [
    `### ${basename(path)}: ${(total / 1e6).toFixed(1)} s on CPU, ${(idle / 1e6).toFixed(1)} s idle`,
    '',
    markdownTable(
      ['self %', 'self ms', 'function', 'where'],
      topFrames.map(({ frame, micros }) => [
        share(micros),
        (micros / 1000).toFixed(0),
        frame.functionName || '(anonymous)',
        frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '',
      ]),
    ),
    '',
    markdownTable(
      ['self %', 'package'],
      topPackages.map(([name, micros]) => [share(micros), name]),
    ),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 25;
  for (const file of args) console.log(`${summarizeProfile(file, top)}\n`);
}
