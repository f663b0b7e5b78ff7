import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '../../config/app-config.js';

/** The contract's frame limit: a larger frame closes that socket, as Socket.IO does. */
export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * Creates the Socket.IO server with the contract's limits. WebSocket upgrades are not covered
 * by CORS, so the handshake checks `Origin` against the same allowlist itself.
 */
export class ChatIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.corsOrigins;
    return super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: MAX_FRAME_BYTES,
      cors: { origin: origins.length > 0 ? origins : false },
      allowRequest: (
        request: IncomingMessage,
        callback: (error: string | null, ok: boolean) => void,
      ) => callback(null, isOriginAllowed(request, origins)),
    }) as Server;
  }
}

/** No Origin (not a browser), an allowlisted origin, or the page's own origin. */
export function isOriginAllowed(request: IncomingMessage, allowedOrigins: string[]): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
