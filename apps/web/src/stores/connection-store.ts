import type { ConnectionStatus } from '@parley/client';
import { create } from 'zustand';

interface ConnectionState {
  status: ConnectionStatus;
  /** Connected at least once in this session: a drop after that is a "reconnect". */
  everConnected: boolean;
  setStatus: (status: ConnectionStatus) => void;
  reset: () => void;
}

export const useConnectionStore = create<ConnectionState>()((set) => ({
  status: 'disconnected',
  everConnected: false,
  setStatus: (status) =>
    set((state) => ({ status, everConnected: state.everConnected || status === 'connected' })),
  reset: () => set({ status: 'disconnected', everConnected: false }),
}));
