/**
 * `npm run bench -- --preset NAME`: starts what it measures (a bench database, a private
 * redis-server, Parley nodes, then baseline nodes), runs the preset's scenarios against each,
 * prints one table, and stops everything it started, also on failure. Exits 1 when anything was
 * lost or duplicated, or a scenario could not run; latency never fails the run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, type ScenarioConfig } from './options.js';
import { summarizeProfile } from './profile-summary.js';
import { printReport, type Results } from './report.js';
import { runConnections } from './scenarios/connections.js';
import { integrityViolations, type BenchContext } from './scenarios/harness.js';
import { runMessaging } from './scenarios/messaging.js';
import { runReconnectStorm } from './scenarios/reconnect-storm.js';
import { BenchDatabase, PrivateRedis, Teardown } from './stack.js';
import { randomHex } from './util.js';

const benchFolder = fileURLToPath(new URL('..', import.meta.url));

function describeMachine(): Record<string, unknown> {
  let fileLimit = '?';
  try {
    fileLimit = execFileSync('bash', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  } catch {
    // Not important.
  }
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a git checkout.
  }
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    freeMemoryGiB: Math.round(freemem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((load) => Number(load.toFixed(2))),
    node: process.version,
    fileLimit,
    commit,
  };
}

/** JSON as Prettier writes it when Prettier is installed, so `npm run lint` accepts the file. */
async function formatJson(value: unknown): Promise<string> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  try {
    const prettier = (await import('prettier')) as {
      format: (source: string, options: { parser: string }) => Promise<string>;
    };
    return await prettier.format(text, { parser: 'json' });
  } catch {
    return text;
  }
}

async function runScenario(context: BenchContext, config: ScenarioConfig): Promise<void> {
  if (config.scenario === 'connections') return runConnections(context, config);
  if (config.scenario === 'reconnect-storm') return runReconnectStorm(context, config);
  return runMessaging(context, config);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => console.log(line);
  if (options.reportPath) {
    printReport(JSON.parse(readFileSync(options.reportPath, 'utf8')) as Results, log);
    return 0;
  }
  const teardown = new Teardown();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping everything the bench started`);
      void teardown.run().finally(() => process.exit(130));
    });
  }
  const results: Results = {
    meta: { preset: options.preset, machine: describeMachine(), scenarios: options.scenarios },
    messaging: [],
    connections: [],
    storms: [],
    failures: [],
  };
  const machine = results.meta.machine as Record<string, unknown>;
  log(
    `parley bench, preset ${options.preset}: ${machine.cpus} x ${machine.cpuModel}, ` +
      `${machine.memoryGiB} GiB, load average ${(machine.loadAverageAtStart as number[]).join(' ')}, ` +
      `node ${machine.node}, open files limit ${machine.fileLimit}`,
  );
  const runId = randomHex(2);
  try {
    const managed = options.scenarios.some((config) =>
      config.targets.some((target) =>
        target === 'parley' ? options.urls.length === 0 : options.baselineUrls.length === 0,
      ),
    );
    const needsRedis =
      options.redis === 'on' ||
      (options.redis === 'auto' && options.scenarios.some((config) => config.nodes > 1));
    const context: BenchContext = {
      options,
      teardown,
      jwtSecret: randomHex(32),
      runId,
      results,
      log,
    };
    if (managed) {
      context.database = await BenchDatabase.create(options.adminDatabaseUrl, teardown);
      log(`database ${context.database.name} created`);
      if (needsRedis) {
        context.redis = await PrivateRedis.start(teardown);
        log(`redis-server started on port ${context.redis.port}`);
      }
    }
    const profileRoot = join(
      benchFolder,
      'profiles',
      `${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}-${runId}`,
    );
    for (const config of options.scenarios) {
      if (config.targets.length === 0 || teardown.closing) continue;
      if (options.profile) {
        context.profileDir = join(profileRoot, `${config.scenario}-${config.nodes}n`);
        mkdirSync(context.profileDir, { recursive: true });
      }
      const startedAt = performance.now();
      try {
        await runScenario(context, config);
        log(`  (${((performance.now() - startedAt) / 1000).toFixed(0)} s)`);
      } catch (error) {
        const message = `${config.scenario}: ${(error as Error).stack ?? String(error)}`;
        results.failures.push(message);
        console.error(`  scenario failed: ${message}`);
      }
    }
    printReport(results, log);
    const broken = [...results.messaging, ...results.storms].filter(
      (result) => integrityViolations(result) > 0,
    );
    for (const result of broken) {
      results.failures.push(
        `${result.scenario} on ${result.target}: lost ${result.lostDeliveries} deliveries ` +
          `(${result.lostMessages} messages), ${result.duplicates} duplicates, ` +
          `${result.dbMissing ?? '?'} acked but not in the database, ${result.dbDuplicates ?? '?'} ` +
          `stored twice, ${result.unexpected} unexpected`,
      );
    }
    for (const result of [...results.messaging, ...results.storms]) {
      if (result.acked === 0) {
        results.failures.push(`${result.scenario} on ${result.target}: no message was acked`);
      }
    }
    if (options.profile) {
      log('\n## CPU profiles of the Parley nodes (self time)\n');
      for (const folder of readdirSync(profileRoot)) {
        for (const file of readdirSync(join(profileRoot, folder))) {
          log(`${folder}/${summarizeProfile(join(profileRoot, folder, file), 20)}\n`);
        }
      }
      log(`profiles kept in ${profileRoot}`);
    }
  } catch (error) {
    results.failures.push(`bench: ${(error as Error).stack ?? String(error)}`);
  } finally {
    await teardown.run();
    log(
      '\nstopped everything the bench started (nodes, redis-server, agents; its database dropped)',
    );
  }
  if (options.jsonPath) {
    try {
      writeFileSync(options.jsonPath, await formatJson(results));
      log(`results written to ${options.jsonPath}`);
    } catch (error) {
      results.failures.push(`--json: ${(error as Error).message}`);
    }
  }
  if (results.failures.length > 0) {
    console.error(`\nFAILED:\n${results.failures.map((failure) => `  - ${failure}`).join('\n')}`);
    return 1;
  }
  log('\nOK: nothing lost, nothing duplicated');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
