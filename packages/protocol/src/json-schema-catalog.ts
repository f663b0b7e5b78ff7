import { z } from 'zod';

/** A JSON Schema (draft 2020-12: OpenAPI 3.1's and AsyncAPI 3's Schema Object) as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

const INLINE_ID_PREFIX = 'inline.';

/**
 * Turns protocol schemas into JSON Schema with zod's own `z.toJSONSchema`, in one pass so that
 * named schemas are referenced (`$ref`) wherever they are used, never copied.
 *
 * `io` picks the side of each transform: `"input"` for what a client sends (a query string's
 * `"50"`, a `limit` that may be left out for its default), `"output"` for what the server answers.
 *
 * @example
 * const answers = new JsonSchemaCatalog('output', '#/components/schemas/');
 * answers.name('User', userSchema);
 * const list = answers.use(z.array(userSchema)); // {} until emit()
 * answers.emit(); // {User: {...}}; list is now {type: 'array', items: {$ref: '#/components/schemas/User'}}
 */
export class JsonSchemaCatalog {
  private readonly registry = z.registry<{ id: string }>();
  private readonly inline: [id: string, placeholder: JsonSchema][] = [];

  constructor(
    private readonly io: 'input' | 'output',
    private readonly refPrefix: string,
  ) {}

  /** Makes `schema` a named component: every use of it, nested ones too, becomes a `$ref`. */
  name(id: string, schema: z.ZodType): JsonSchema {
    const existing = this.registry.get(schema)?.id;
    if (existing === undefined) this.registry.add(schema, { id });
    else if (existing !== id) throw new Error(`schema named both ${existing} and ${id}`);
    return { $ref: `${this.refPrefix}${id}` };
  }

  /**
   * The JSON Schema of `schema`: a `$ref` when it is named, else an object that {@link emit}
   * fills in.
   */
  use(schema: z.ZodType): JsonSchema {
    const id = this.registry.get(schema)?.id;
    if (id !== undefined && !id.startsWith(INLINE_ID_PREFIX))
      return { $ref: `${this.refPrefix}${id}` };
    const placeholder: JsonSchema = {};
    const inlineId = `${INLINE_ID_PREFIX}${this.inline.length}`;
    // A copy: the registry must not name the original, which other schemas may nest.
    this.registry.add(schema.clone(), { id: inlineId });
    this.inline.push([inlineId, placeholder]);
    return placeholder;
  }

  /** Converts everything, fills in the inline schemas and answers the named ones by name. */
  emit(): Record<string, JsonSchema> {
    const { schemas } = z.toJSONSchema(this.registry, {
      target: 'draft-2020-12',
      io: this.io,
      unrepresentable: 'throw',
      uri: (id) => `${this.refPrefix}${id}`,
    }) as { schemas: Record<string, JsonSchema> };
    if ('__shared' in schemas) throw new Error('a schema was shared without a name');
    const named: Record<string, JsonSchema> = {};
    for (const [id, schema] of Object.entries(schemas)) {
      const { $schema: _dialect, $id: _id, ...rest } = schema;
      if (!id.startsWith(INLINE_ID_PREFIX)) named[id] = rest;
    }
    for (const [id, placeholder] of this.inline) {
      const { $schema: _dialect, $id: _id, ...rest } = schemas[id]!;
      Object.assign(placeholder, rest);
    }
    return named;
  }
}
