import { startTransition, useActionState } from 'react';
import { errorMessage } from '@/utils/error-message';

/**
 * A request that a form or a button starts, as a React action (`useActionState`): `pending`
 * while it runs, then the sentence of its failure (none while another attempt runs).
 * @example const { run, pending, error } = useAction(() => createGroup(client, name, ids));
 */
export function useAction<Input = void>(
  action: (input: Input) => Promise<void>,
  describeError: (error: unknown) => string = errorMessage,
): { run: (input: Input) => void; pending: boolean; error: string | null } {
  const [error, dispatch, pending] = useActionState(
    async (_previousError: string | null, input: Input) => {
      try {
        await action(input);
        return null;
      } catch (failure) {
        return describeError(failure);
      }
    },
    null,
  );
  return {
    run: (input) => startTransition(() => dispatch(input)),
    pending,
    error: pending ? null : error,
  };
}
