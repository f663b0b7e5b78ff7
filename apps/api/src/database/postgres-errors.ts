const UNIQUE_VIOLATION = '23505';
const DEADLOCK_DETECTED = '40P01';

// Drizzle wraps driver errors; the driver's error (with its SQLSTATE code) is the cause.
function driverErrorOf(error: unknown): { code?: unknown; constraint?: unknown } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if ('code' in current) return current as { code?: unknown; constraint?: unknown };
    current = current.cause;
  }
  return undefined;
}

/** True when `error` is a unique violation (of `constraint`, when given). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const driverError = driverErrorOf(error);
  if (driverError?.code !== UNIQUE_VIOLATION) return false;
  return constraint === undefined || driverError.constraint === constraint;
}

/** True when PostgreSQL broke a lock cycle by failing this statement: it may succeed again. */
export function isDeadlock(error: unknown): boolean {
  return driverErrorOf(error)?.code === DEADLOCK_DETECTED;
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** True when `error` means PostgreSQL cannot be reached right now, not that the query is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const driverError = driverErrorOf(error);
  const code = typeof driverError?.code === 'string' ? driverError.code : '';
  // SQLSTATE class 08 is "connection exception"; 57P0x are shutdown/crash states.
  if (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08') || code.startsWith('57P')) {
    return true;
  }
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (
      /Connection terminated|timeout exceeded when trying to connect|Query read timeout/i.test(
        current.message,
      )
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
