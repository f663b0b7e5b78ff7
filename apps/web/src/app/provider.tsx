import type { ParleyClient } from '@parley/client';
import type { ReactNode } from 'react';
import { ParleyClientContext } from '@/lib/parley-client';

export function AppProvider({ client, children }: { client: ParleyClient; children: ReactNode }) {
  return <ParleyClientContext value={client}>{children}</ParleyClientContext>;
}
