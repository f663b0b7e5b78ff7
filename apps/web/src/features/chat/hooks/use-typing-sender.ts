import { useCallback, useEffect, useRef } from 'react';
import { useSocket } from '@/hooks/use-socket';

/** Repeat "typing" this often while it goes on: receivers drop it after 6 s of silence. */
const REPEAT_MS = 3000;
/** Stop after this long without a keystroke. */
const IDLE_MS = 4000;

/** Tells the other members when this person types in the composer, and when they stop. */
export function useTypingSender(conversationId: string): { onInput: () => void; stop: () => void } {
  const { client } = useSocket();
  const typing = useRef({ active: false, sentAt: 0 });
  const idleTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const stop = useCallback(() => {
    if (idleTimer.current) clearTimeout(idleTimer.current);
    idleTimer.current = null;
    if (!typing.current.active) return;
    typing.current.active = false;
    if (client.status === 'connected') {
      client.setTyping(conversationId, false).catch(() => undefined);
    }
  }, [client, conversationId]);

  const onInput = useCallback(() => {
    if (client.status !== 'connected') return;
    const now = Date.now();
    if (!typing.current.active || now - typing.current.sentAt > REPEAT_MS) {
      typing.current = { active: true, sentAt: now };
      client.setTyping(conversationId, true).catch(() => undefined);
    }
    if (idleTimer.current) clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(stop, IDLE_MS);
  }, [client, conversationId, stop]);

  useEffect(() => stop, [stop]);

  return { onInput, stop };
}
