import type { z } from 'zod';
import { ackErrorSchema } from './common.js';
import {
  conversationMemberSchema,
  conversationSchema,
  messageSchema,
  sharedConversationSchema,
} from './conversations.js';
import { JsonSchemaCatalog, type JsonSchema } from './json-schema-catalog.js';
import { socketCommands, socketEvents } from './socket-events.js';

const SCHEMAS = '#/components/schemas/';
const CHANNEL = 'socket';

/** Shapes that several events carry: each is one component. */
const EVENT_SCHEMAS: Record<string, z.ZodType> = {
  Message: messageSchema,
  ConversationMember: conversationMemberSchema,
  Conversation: conversationSchema,
  SharedConversation: sharedConversationSchema,
  AckError: ackErrorSchema,
};

export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description: string };
  defaultContentType: string;
  servers: Record<string, unknown>;
  channels: Record<string, unknown>;
  operations: Record<string, unknown>;
  components: {
    schemas: Record<string, JsonSchema>;
    messages: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
}

/** `message:send` -> `messageSend`: AsyncAPI's component keys allow no colon. */
function key(event: string): string {
  return event.replace(/[:](\w)/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * The AsyncAPI 3.0 description of the Socket.IO events of contract section 4, generated from
 * {@link socketCommands} and {@link socketEvents}: each client -> server command is an operation
 * the server receives, with its acknowledgement as the reply; each server -> client event one it
 * sends.
 */
export function buildAsyncApiDocument(): AsyncApiDocument {
  const payloads = new JsonSchemaCatalog('input', SCHEMAS);
  const answers = new JsonSchemaCatalog('output', SCHEMAS);
  for (const [name, schema] of Object.entries(EVENT_SCHEMAS)) answers.name(name, schema);

  const messages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const channelRef = { $ref: `#/channels/${CHANNEL}` };
  const add = (messageKey: string, message: Record<string, unknown>) => {
    messages[messageKey] = message;
    channelMessages[messageKey] = { $ref: `#/components/messages/${messageKey}` };
    return { $ref: `#/channels/${CHANNEL}/messages/${messageKey}` };
  };

  for (const [event, command] of Object.entries(socketCommands)) {
    const request = add(key(event), {
      name: event,
      summary: command.summary,
      payload: payloads.use(command.payload),
    });
    const ack = add(`${key(event)}Ack`, {
      name: `${event} ack`,
      summary: `The acknowledgement of \`${event}\`: exactly one, also for an invalid payload.`,
      payload: answers.use(command.ack),
    });
    operations[key(event)] = {
      action: 'receive',
      channel: channelRef,
      title: event,
      summary: command.summary,
      messages: [request],
      reply: { channel: channelRef, messages: [ack] },
    };
  }
  for (const [event, description] of Object.entries(socketEvents)) {
    const message = add(key(event), {
      name: event,
      summary: description.summary,
      description: `To: ${description.to}.`,
      payload: answers.use(description.payload),
    });
    operations[`on${key(event)[0]!.toUpperCase()}${key(event).slice(1)}`] = {
      action: 'send',
      channel: channelRef,
      title: event,
      summary: description.summary,
      messages: [message],
    };
  }
  const payloadSchemas = payloads.emit();
  const answerSchemas = answers.emit();

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Parley real-time API',
      version: '2',
      description:
        'The Socket.IO v4 half of the Parley wire contract (v2): default namespace, path ' +
        '`/socket.io`. The handshake takes `auth: {token: accessToken}` (or an ' +
        '`Authorization: Bearer` header); a refused one gets `connect_error` "unauthorized". ' +
        'Every command takes an ack callback and gets exactly one answer. Right after ' +
        '`connect`, never before it, the socket gets one `presence` event per online peer.',
    },
    defaultContentType: 'application/json',
    servers: {
      parley: {
        host: '{host}',
        protocol: 'ws',
        pathname: '/socket.io',
        description: 'Socket.IO v4 (WebSocket, or HTTP long-polling first).',
        variables: { host: { default: 'localhost:3000', description: 'The API node.' } },
        security: [{ $ref: '#/components/securitySchemes/accessToken' }],
      },
    },
    channels: {
      [CHANNEL]: {
        address: '/',
        title: 'The default namespace',
        description:
          'Every socket is in `user:{userId}` and in `conversation:{id}` for each of its ' +
          "user's conversations before its client sees `connect`.",
        messages: channelMessages,
      },
    },
    operations,
    components: {
      schemas: { ...payloadSchemas, ...answerSchemas },
      messages,
      securitySchemes: {
        accessToken: {
          type: 'httpApiKey',
          in: 'header',
          name: 'Authorization',
          description:
            '`Bearer <accessToken>`, or the same token as `auth.token` of the Socket.IO ' +
            'handshake. Never in the query string.',
        },
      },
    },
  };
}
