import { ParleyApiError, ParleySocketError } from '@parley/client';

/** A sentence for a person from any error of the SDK (or the network). */
export function errorMessage(error: unknown): string {
  if (error instanceof ParleyApiError) {
    if (error.status === 429) return 'Too many attempts. Please wait a moment and try again.';
    if (error.status >= 500) return 'The server had a problem. Please try again.';
    return capitalize(error.body.message);
  }
  if (error instanceof ParleySocketError) {
    if (error.code === 'RATE_LIMITED') return 'You are sending too fast. Please slow down.';
    if (error.code === 'TIMEOUT' || error.code === 'DISCONNECTED') {
      return 'No connection to the server. Please try again.';
    }
    return capitalize(error.message);
  }
  if (error instanceof TypeError) return 'Could not reach the server. Check your connection.';
  return 'Something went wrong. Please try again.';
}

function capitalize(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}
