import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { queriesFolder, renderQueryFiles } from '../database/sql-generator.js';

// Rewrites src/queries/ from the repositories' @GenerateSql examples; the folder holds nothing else.
const files = await renderQueryFiles();
for (const stale of readdirSync(queriesFolder)) {
  if (stale.endsWith('.sql') && !files.has(stale)) rmSync(join(queriesFolder, stale));
}
for (const [name, content] of files) writeFileSync(join(queriesFolder, name), content);
console.log(`wrote ${files.size} files to ${queriesFolder}`);
