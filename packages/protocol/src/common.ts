import { z } from 'zod';

// Every request schema has two types: `...Body`/`...Query`/`...Payload` (z.input) is what a
// client sends, `...Input` (z.output) what the server holds once the schema parsed it.

// Lower-cased: ids name Socket.IO rooms too, and a room name must match exactly.
export const uuidSchema = z.uuid().toLowerCase();

/** A conversation `seq` (or a watermark): 0 means "nothing yet". */
export const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A whole number in a query string: digits only, so '', ' ', '1e1' and '0x1' are refused. */
export const queryIntegerSchema = z
  .string()
  .regex(/^\d{1,15}$/, 'expected a whole number')
  .transform(Number);

/** Ack error codes of contract section 1. */
export const ackErrorCodes = [
  'VALIDATION',
  'NOT_FOUND',
  'FORBIDDEN',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type AckErrorCode = (typeof ackErrorCodes)[number];

export interface AckError {
  code: AckErrorCode;
  message: string;
  retryAfterMs?: number;
}

/** Every socket acknowledgement: `{ok: true, ...}` or `{ok: false, error}`. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };

/** The REST error body (NestJS's shape). */
export interface HttpErrorBody {
  statusCode: number;
  error: string;
  message: string;
}
