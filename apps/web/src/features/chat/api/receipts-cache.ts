import type { ReceiptUpdate } from '@parley/protocol';
import { createExternalStore } from '@/lib/external-store';

export interface Watermarks {
  deliveredSeq: number;
  readSeq: number;
}

/** Per conversation, per member: how far they have received and read. */
export type ReceiptsState = Readonly<Record<string, Readonly<Record<string, Watermarks>>>>;

/**
 * Other members' watermarks: seeded from the conversation's members, moved by `receipt:update`,
 * and kept in localStorage so ticks show at once after a reload.
 */
export const receiptsCache = createExternalStore<ReceiptsState>({});

const storageKey = (userId: string) => `parley.receipts.${userId}`;
let storedFor: string | null = null;
let saveTimer: ReturnType<typeof setTimeout> | null = null;
let savesOnPageHide = false;

/** Loads the watermarks kept for `userId` and keeps saving changes for them. */
export function hydrateReceipts(userId: string): void {
  storedFor = userId;
  if (!savesOnPageHide) {
    savesOnPageHide = true;
    // A reload within the half second must not lose what came in last.
    window.addEventListener('pagehide', () => {
      if (saveTimer) save();
    });
  }
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(storageKey(userId)) ?? '{}');
    if (stored && typeof stored === 'object') {
      receiptsCache.update((state) => mergeReceipts(stored as ReceiptsState, state));
    }
  } catch {
    // Unreadable: start without.
  }
}

export function resetReceipts(): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = null;
  if (storedFor) localStorage.removeItem(storageKey(storedFor));
  storedFor = null;
  receiptsCache.update(() => ({}));
}

function save(): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = null;
  if (storedFor) localStorage.setItem(storageKey(storedFor), JSON.stringify(receiptsCache.get()));
}

function scheduleSave(): void {
  if (saveTimer || !storedFor) return;
  saveTimer = setTimeout(save, 500);
}

function mergeReceipts(base: ReceiptsState, extra: ReceiptsState): ReceiptsState {
  const merged: Record<string, Record<string, Watermarks>> = {};
  for (const source of [base, extra]) {
    for (const [conversationId, members] of Object.entries(source)) {
      for (const [userId, marks] of Object.entries(members)) {
        const current = merged[conversationId]?.[userId];
        merged[conversationId] = {
          ...merged[conversationId],
          [userId]: {
            deliveredSeq: Math.max(current?.deliveredSeq ?? 0, Number(marks.deliveredSeq) || 0),
            readSeq: Math.max(current?.readSeq ?? 0, Number(marks.readSeq) || 0),
          },
        };
      }
    }
  }
  return merged;
}

export function applyReceipt(update: ReceiptUpdate): void {
  receiptsCache.update((state) => {
    const current = state[update.conversationId]?.[update.userId];
    const deliveredSeq = Math.max(current?.deliveredSeq ?? 0, update.deliveredSeq, update.readSeq);
    const readSeq = Math.max(current?.readSeq ?? 0, update.readSeq);
    if (current && current.deliveredSeq === deliveredSeq && current.readSeq === readSeq) {
      return state;
    }
    return {
      ...state,
      [update.conversationId]: {
        ...state[update.conversationId],
        [update.userId]: { deliveredSeq, readSeq },
      },
    };
  });
  scheduleSave();
}

export function forgetReceipts(conversationId: string): void {
  receiptsCache.update((state) => {
    if (!state[conversationId]) return state;
    const { [conversationId]: _forgotten, ...rest } = state;
    return rest;
  });
  scheduleSave();
}
