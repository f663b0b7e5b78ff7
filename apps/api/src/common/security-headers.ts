import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The Content-Security-Policy of every response, the web app's pages included. The built app
 * has no inline script or style (Vite emits files; React sets styles through the CSSOM, which
 * CSP allows), its fonts are files of its own (@fontsource), and its only data: URL is the
 * favicon. `connect-src 'self'` covers the API and, in CSP Level 3 browsers, the same origin's
 * ws:/wss: (Socket.IO).
 */
const contentSecurityPolicy = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Security headers for every HTTP response (API JSON, errors and the web app's files): a strict
 * CSP, no framing, no MIME sniffing, no referrer. No `upgrade-insecure-requests`: it would send
 * a local `http://localhost` page's requests to https; HSTS covers deployments behind TLS.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 365 * 24 * 60 * 60, includeSubDomains: false },
  });
}
