import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queriesFolder, renderQueryFiles } from './sql-generator.js';

describe('src/queries', () => {
  it('holds the SQL the repositories render now (npm run sync:sql -w @parley/api)', async () => {
    const files = await renderQueryFiles();
    const checkedIn = readdirSync(queriesFolder).filter((name) => name.endsWith('.sql'));
    expect(checkedIn.sort()).toEqual([...files.keys()].sort());
    for (const [name, content] of files) {
      expect(readFileSync(join(queriesFolder, name), 'utf8'), name).toBe(content);
    }
  });
});
