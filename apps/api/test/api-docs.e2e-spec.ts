import { createHash } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildAsyncApiDocument, buildOpenApiDocument, restRoutes } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';

let logLines: string[] = [];
const sut = useTestApp(
  { LOG_LEVEL: 'info' },
  { logDestination: { write: (line: string) => logLines.push(line) } },
);
const { http } = sut;

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** `METHOD /path` of every route the running app's Express router holds, in OpenAPI's form. */
function serverRoutes(): string[] {
  const express = sut.app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
  return express.router.stack.flatMap(({ route }) =>
    route
      ? Object.keys(route.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`)
      : [],
  );
}

/** `METHOD /path` of every operation of an OpenAPI document. */
function documentedRoutes(document: { paths: Record<string, object> }): string[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** Every `$ref` of `document` that does not point at something in it (local refs only). */
function unresolvedRefs(document: object): string[] {
  const resolves = (ref: string) => {
    if (!ref.startsWith('#/')) return false;
    let node: unknown = document;
    for (const segment of ref.slice(2).split('/')) {
      const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
      if (typeof node !== 'object' || node === null || !(key in node)) return false;
      node = (node as Record<string, unknown>)[key];
    }
    return true;
  };
  const refs: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.push(value);
        else visit(value);
      }
    }
  };
  visit(document);
  return refs.filter((ref) => !resolves(ref));
}

describe('GET /openapi.json', () => {
  it('describes exactly the routes the server has: none missing, none extra', async () => {
    const answer = await http.get('/openapi.json');
    expect(answer.status).toBe(200);
    const routes = serverRoutes();
    expect(routes.length).toBeGreaterThan(20);
    expect(new Set(routes).size).toBe(routes.length);
    expect(documentedRoutes(answer.body).sort()).toEqual([...routes].sort());
    expect(restRoutes.map((route) => `${route.method.toUpperCase()} ${route.path}`).sort()).toEqual(
      [...routes].sort(),
    );
  });

  it('is the generated document, and a valid OpenAPI 3.1 one', async () => {
    const { body, headers } = await http.get('/openapi.json');
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
    expect(body.openapi).toMatch(/^3\.1\./);

    const validation = await new Validator().validate(body);
    expect(validation.errors).toBeUndefined();
    expect(validation.valid).toBe(true);
    expect(unresolvedRefs(body)).toEqual([]);
  });

  it('declares each path parameter, names each operation once, and knows its security schemes', async () => {
    const { body } = await http.get('/openapi.json');
    const operationIds: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, any>>(body.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      for (const operation of Object.values(operations)) {
        operationIds.push(operation.operationId);
        const declared = (operation.parameters ?? [])
          .filter((parameter: any) => parameter.in === 'path')
          .map((parameter: any) => parameter.name)
          .sort();
        expect(declared, `${path} ${operation.operationId}`).toEqual(inPath);
        for (const requirement of operation.security) {
          for (const scheme of Object.keys(requirement)) {
            expect(body.components.securitySchemes).toHaveProperty(scheme);
          }
        }
      }
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);
    expect(body.components.securitySchemes.accessToken).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(body.components.securitySchemes.refreshCookie).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: 'parley_refresh',
    });
  });

  it("answers errors with the contract's error body", async () => {
    const { body } = await http.get('/openapi.json');
    expect(body.components.schemas.HttpErrorBody.required).toEqual([
      'statusCode',
      'error',
      'message',
    ]);
    expect(body.paths['/conversations/{id}'].get.responses['404']).toEqual({
      $ref: '#/components/responses/NotFound',
    });
    expect(body.components.responses.TooManyRequests.headers).toHaveProperty('Retry-After');
  });
});

describe('GET /asyncapi.json', () => {
  it('is the generated AsyncAPI 3.0 document with every socket event, and its refs resolve', async () => {
    const { status, body } = await http.get('/asyncapi.json');
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(buildAsyncApiDocument())));
    expect(body.asyncapi).toBe('3.0.0');
    expect(unresolvedRefs(body)).toEqual([]);

    const messageNames = Object.values<{ name: string }>(body.components.messages).map(
      (message) => message.name,
    );
    for (const event of [
      'message:send',
      'message:delivered',
      'message:read',
      'conversation:join',
      'typing',
      'sync',
    ]) {
      expect(messageNames).toContain(event);
      expect(messageNames).toContain(`${event} ack`);
    }
    for (const event of [
      'message:new',
      'receipt:update',
      'conversation:updated',
      'conversation:removed',
      'unread:update',
      'presence',
      'resync',
      'auth:expired',
    ]) {
      expect(messageNames).toContain(event);
    }
  });

  it('gives every command a reply (its ack) and refuses the nil UUID as clientMsgId', async () => {
    const { body } = await http.get('/asyncapi.json');
    const received = Object.values<any>(body.operations).filter(
      (operation) => operation.action === 'receive',
    );
    expect(received).toHaveLength(9);
    for (const operation of received) expect(operation.reply.messages).toHaveLength(1);
    const send = body.components.messages.messageSend.payload;
    expect(send.properties.clientMsgId.not).toEqual({
      const: '00000000-0000-0000-0000-000000000000',
    });
  });
});

describe('GET /docs', () => {
  it('is an HTML page without scripts or outside resources, under a CSP of its own', async () => {
    const answer = await http.get('/docs');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = answer.body as string;
    expect(page).toContain('/conversations/{id}/members/{userId}');
    expect(page).toContain('message:send');
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//i);

    const policy = new Map(
      answer.headers
        .get('content-security-policy')!
        .split(';')
        .map((directive) => {
          const [name, ...values] = directive.trim().split(/\s+/);
          return [name, values.join(' ')];
        }),
    );
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    const styleHash = createHash('sha256').update(style).digest('base64');
    expect(policy.get('default-src')).toBe("'none'");
    expect(policy.has('script-src')).toBe(false);
    expect(policy.get('style-src')).toBe(`'sha256-${styleHash}'`);
    expect(policy.get('frame-ancestors')).toBe("'none'");
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it("leaves the app's CSP as it is on every other route", async () => {
    for (const path of ['/openapi.json', '/asyncapi.json', '/health', '/no-such-route']) {
      const policy = (await http.get(path)).headers.get('content-security-policy')!;
      expect(policy, path).toContain("script-src 'self'");
      expect(policy, path).toContain("style-src 'self'");
      expect(policy, path).not.toContain('sha256-');
    }
  });
});

describe('the documentation routes', () => {
  it('answer 400 VALIDATION for any input, never 500', async () => {
    for (const path of [
      '/openapi.json?x=1',
      '/asyncapi.json?limit=1',
      '/docs?q=%ZZ',
      '/docs?a[b]=1',
      '/openapi.json?__proto__=1',
    ]) {
      const answer = await http.get(path);
      expect(answer.status, path).toBe(400);
      expect(answer.body, path).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.any(String),
      });
    }
  });

  it('are public, and their log lines carry no credentials', async () => {
    logLines = [];
    const token = 'eyJhbGciOiJIUzI1NiJ9.secret-looking-token.signature';
    for (const path of ['/openapi.json', '/asyncapi.json', '/docs']) {
      const answer = await http.request('GET', path, { token });
      expect(answer.status, path).toBe(200);
    }
    const logged = logLines.join('\n');
    expect(logged).toContain('/docs');
    expect(logged).not.toContain('secret-looking-token');
  });

  // Last: it spends this client address's bucket.
  it('are rate limited per client address, with Retry-After', async () => {
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof http.get>> | undefined;
    for (let attempt = 0; attempt < 60 && !refused; attempt++) {
      const answer = await http.get(attempt % 2 === 0 ? '/openapi.json' : '/docs');
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
    }
    expect(refused, `statuses ${statuses.join(',')}`).toBeDefined();
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused!.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  });
});
