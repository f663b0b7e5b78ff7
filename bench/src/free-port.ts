import { createServer } from 'node:net';

// The one definition for the repo: the bench is compiled from `bench/src` alone (its rootDir) and
// run from dist by plain node, so it can only import its own files; the API's and the web's test
// suites run under vitest, which imports this file from anywhere.

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
