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

export const ackErrorSchema = z.object({
  code: z.enum(ackErrorCodes),
  message: z.string(),
  retryAfterMs: z.number().int().min(0).optional().meta({
    description: 'With RATE_LIMITED: how long to wait before trying again.',
  }),
});
export type AckError = z.output<typeof ackErrorSchema>;

/** A refused command's acknowledgement. */
export const failedAckSchema = z.object({ ok: z.literal(false), error: ackErrorSchema });

/**
 * A command's acknowledgement schema: `{ok: true, ...fields}` or `{ok: false, error}`.
 * @example ackSchemaOf(z.object({ unreadCount: z.number() }))
 */
export function ackSchemaOf<Fields extends z.core.$ZodShape>(fields: Fields) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), ...fields }),
    failedAckSchema,
  ]);
}

/** Every socket acknowledgement: `{ok: true, ...}` or `{ok: false, error}`. */
export type Ack<T extends object = object> = ({ ok: true } & T) | z.output<typeof failedAckSchema>;

/** The REST error body (NestJS's shape). */
export const httpErrorBodySchema = z.object({
  statusCode: z.number().int().min(400).max(599),
  error: z.string().meta({ description: "The status code's reason phrase." }),
  message: z.string(),
});
export type HttpErrorBody = z.output<typeof httpErrorBodySchema>;

/** An ISO-8601 UTC time, as every time on the wire. */
export const timestampSchema = z.iso.datetime();
