import { createHash } from 'node:crypto';
import type { AsyncApiDocument, JsonSchema, OpenApiDocument } from '@parley/protocol';

// The page is rendered here, on the server, from the generated documents: no script, nothing
// fetched from elsewhere, so it works offline and under a CSP that allows no script at all.
const STYLE = `
:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --code: rgba(127,127,127,.12); }
body { font: 15px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
h1 { margin-bottom: .25rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--line); }
h3 { margin: 1.75rem 0 .25rem; font-size: 1.05rem; }
code { font: 13px/1.4 ui-monospace, monospace; background: var(--code); padding: 0 .25em; border-radius: 3px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; font-size: .85rem; color: var(--muted); }
td:first-child { width: 14rem; }
.method { display: inline-block; min-width: 4.5em; font: 700 12px ui-monospace, monospace; text-transform: uppercase; }
.get { color: #15803d; } .post { color: #1d4ed8; } .patch { color: #a16207; } .put { color: #a16207; } .delete { color: #b91c1c; }
.muted { color: var(--muted); } nav ul { columns: 3 16rem; padding-left: 1rem; }
`;

const styleHash = createHash('sha256').update(STYLE).digest('base64');

/** The page's own CSP: stricter than the app's (no script, nothing loaded) but for its style. */
export const REFERENCE_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${styleHash}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Backticked words of a summary as code, the rest as text. */
function prose(text: string | undefined): string {
  if (!text) return '';
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

const code = (text: string) => `<code>${escapeHtml(text)}</code>`;

/** A schema as a short type expression; named schemas link to their table. */
function typeOf(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').at(-1)!;
    return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
  }
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return alternatives.map(typeOf).join(' | ');
  if ('const' in schema) return code(JSON.stringify(schema.const));
  if (Array.isArray(schema.enum))
    return schema.enum.map((value) => code(JSON.stringify(value))).join(' | ');
  const types = ([] as unknown[]).concat(schema.type ?? 'any') as string[];
  return types
    .map((type) => {
      if (type === 'array') return `${typeOf(schema.items as JsonSchema)}[]`;
      if (type === 'object' && schema.properties) return inlineObject(schema);
      if (type === 'string' && typeof schema.format === 'string') return schema.format;
      return type;
    })
    .join(' | ');
}

function inlineObject(schema: JsonSchema): string {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const fields = Object.entries(schema.properties as Record<string, JsonSchema>).map(
    ([name, field]) => `${escapeHtml(name)}${required.has(name) ? '' : '?'}: ${typeOf(field)}`,
  );
  return `{ ${fields.join(', ')} }`;
}

/** Limits of a schema a client must respect, in words. */
function constraints(schema: JsonSchema): string {
  const notes: string[] = [];
  const range = (min: unknown, max: unknown, unit: string) => {
    const hasMax = typeof max === 'number' && max < Number.MAX_SAFE_INTEGER;
    if (typeof min === 'number' && hasMax) notes.push(`${min}-${max} ${unit}`);
    else if (typeof min === 'number' && min > 0) notes.push(`at least ${min} ${unit}`);
    else if (hasMax) notes.push(`at most ${max} ${unit}`);
  };
  range(schema.minLength, schema.maxLength, 'characters');
  range(schema.minItems, schema.maxItems, 'items');
  range(schema.minimum, schema.maximum, '');
  if ('default' in schema) notes.push(`default ${code(JSON.stringify(schema.default))}`);
  if (typeof schema.pattern === 'string' && schema.format === undefined) {
    notes.push(`pattern ${code(schema.pattern)}`);
  }
  return notes.map((note) => note.trim()).join('; ');
}

function fieldsTable(schema: JsonSchema): string {
  if (!schema.properties) {
    const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    if (alternatives) {
      return `<p>One of:</p>${alternatives.map(fieldsTable).join('<p>or</p>')}`;
    }
    return `<p>${typeOf(schema)}</p>`;
  }
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(schema.properties as Record<string, JsonSchema>).map(
    ([name, field]) =>
      `<tr><td>${code(name)}${required.has(name) ? '' : ' <span class="muted">optional</span>'}</td>` +
      `<td>${typeOf(field)}</td><td>${[prose(field.description as string | undefined), constraints(field)].filter(Boolean).join('. ')}</td></tr>`,
  );
  return `<table><tr><th>field</th><th>type</th><th>notes</th></tr>${rows.join('')}</table>`;
}

interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<
    string,
    { $ref?: string; description?: string; content?: Record<string, { schema: JsonSchema }> }
  >;
}

function authOf(operation: Operation): string {
  if (operation.security.length === 0) return 'none';
  return operation.security
    .map((requirement) => Object.keys(requirement)[0] ?? 'the body')
    .map((scheme) =>
      scheme === 'accessToken'
        ? '<code>Authorization: Bearer</code> access token'
        : scheme === 'refreshCookie'
          ? 'or the session cookie'
          : 'refresh token in the body',
    )
    .join(' ');
}

function operationSection(
  method: string,
  path: string,
  operation: Operation,
  document: OpenApiDocument,
): string {
  const parameters = operation.parameters ?? [];
  const body = operation.requestBody?.content['application/json']?.schema;
  const responses = Object.entries(operation.responses).map(([status, response]) => {
    const resolved = response.$ref
      ? (document.components.responses[response.$ref.split('/').at(-1)!] as typeof response)
      : response;
    const [contentType, content] = Object.entries(resolved.content ?? {})[0] ?? [];
    const type = content
      ? `${typeOf(content.schema)} <span class="muted">${escapeHtml(contentType!)}</span>`
      : '';
    return `<tr><td>${status}</td><td>${prose(resolved.description)}</td><td>${type}</td></tr>`;
  });
  return [
    `<section id="op-${escapeHtml(operation.operationId)}">`,
    `<h3><span class="method ${method}">${method}</span> ${code(path)}</h3>`,
    `<p>${prose(operation.summary)}</p>`,
    `<p><span class="muted">Auth:</span> ${authOf(operation)}</p>`,
    parameters.length > 0
      ? `<table><tr><th>parameter</th><th>in</th><th>type</th><th>notes</th></tr>${parameters
          .map(
            (parameter) =>
              `<tr><td>${code(parameter.name)}${parameter.required ? '' : ' <span class="muted">optional</span>'}</td><td>${parameter.in}</td><td>${typeOf(parameter.schema)}</td><td>${constraints(parameter.schema)}</td></tr>`,
          )
          .join('')}</table>`
      : '',
    body ? `<p><span class="muted">Body:</span> ${typeOf(body)}</p>` : '',
    `<table><tr><th>status</th><th>answer</th><th>body</th></tr>${responses.join('')}</table>`,
    '</section>',
  ].join('');
}

interface AsyncMessage {
  name: string;
  summary: string;
  description?: string;
  payload: JsonSchema;
}

function socketSection(asyncApi: AsyncApiDocument): string {
  const messages = asyncApi.components.messages as Record<string, AsyncMessage>;
  const messageOf = (ref: { $ref: string }) => messages[ref.$ref.split('/').at(-1)!]!;
  const commands: string[] = [];
  const events: string[] = [];
  for (const operation of Object.values(asyncApi.operations) as {
    action: 'send' | 'receive';
    messages: { $ref: string }[];
    reply?: { messages: { $ref: string }[] };
  }[]) {
    const message = messageOf(operation.messages[0]!);
    if (operation.action === 'receive') {
      const ack = messageOf(operation.reply!.messages[0]!);
      commands.push(
        `<tr><td>${code(message.name)}</td><td>${typeOf(message.payload)}</td><td>${typeOf(ack.payload)}</td><td>${prose(message.summary)}</td></tr>`,
      );
    } else {
      events.push(
        `<tr><td>${code(message.name)}</td><td>${typeOf(message.payload)}</td><td>${prose(message.summary)} ${prose(message.description)}</td></tr>`,
      );
    }
  }
  return [
    '<h2 id="socket">Socket.IO events</h2>',
    `<p>${prose(asyncApi.info.description)}</p>`,
    '<h3>Client → server (each with an ack)</h3>',
    `<table><tr><th>event</th><th>payload</th><th>ack</th><th></th></tr>${commands.join('')}</table>`,
    '<h3>Server → client</h3>',
    `<table><tr><th>event</th><th>payload</th><th></th></tr>${events.join('')}</table>`,
  ].join('');
}

/** The reference page of both documents: REST routes by tag, socket events, then the shapes. */
export function renderReferencePage(openApi: OpenApiDocument, asyncApi: AsyncApiDocument): string {
  const operations = Object.entries(openApi.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, Operation>).map(([method, operation]) => ({
      path,
      method,
      operation,
    })),
  );
  const schemas = { ...asyncApi.components.schemas, ...openApi.components.schemas };
  const sections = openApi.tags.map(({ name }) => {
    const tagged = operations.filter(({ operation }) => operation.tags.includes(name));
    return `<h2 id="tag-${escapeHtml(name)}">${escapeHtml(name)}</h2>${tagged
      .map(({ method, path, operation }) => operationSection(method, path, operation, openApi))
      .join('')}`;
  });
  const contents = operations
    .map(
      ({ method, path, operation }) =>
        `<li><a href="#op-${escapeHtml(operation.operationId)}"><span class="method ${method}">${method}</span> ${escapeHtml(path)}</a></li>`,
    )
    .join('');
  const schemaSections = Object.entries(schemas)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, schema]) =>
        `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3>${prose(schema.description as string | undefined)}${fieldsTable(schema)}</section>`,
    );
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(openApi.info.title)} reference</title><style>${STYLE}</style></head><body>`,
    `<h1>Parley API reference</h1><p>${prose(openApi.info.description)}</p>`,
    '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1), ',
    '<a href="/asyncapi.json">/asyncapi.json</a> (AsyncAPI 3.0).</p>',
    `<nav><ul>${contents}<li><a href="#socket">Socket.IO events</a></li><li><a href="#schemas">Schemas</a></li></ul></nav>`,
    ...sections,
    socketSection(asyncApi),
    '<h2 id="schemas">Schemas</h2>',
    ...schemaSections,
    '</body></html>',
  ].join('');
}
