import { useId, useLayoutEffect, useRef, type ReactNode } from 'react';
import { cn } from '@/utils/cn';
import { IconButton } from './button';
import { CloseIcon } from './icons';

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Shown under the content, e.g. the main action. */
  footer?: ReactNode;
  className?: string;
}

/**
 * A modal on the native `<dialog>`: the browser traps focus, closes on Escape and puts it above
 * everything. Rendered only while open; closing unmounts it.
 */
export function Dialog({ title, onClose, children, footer, className }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useLayoutEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        // A click on the backdrop lands on the dialog element itself.
        if (event.target === event.currentTarget) onClose();
      }}
      className={cn(
        // A bottom sheet on a phone, a centred card from the sm breakpoint.
        'mx-0 mt-auto mb-0 hidden max-h-[calc(100dvh-3rem)] w-full max-w-none flex-col overflow-hidden rounded-t-2xl bg-white p-0 text-slate-900 shadow-2xl backdrop:bg-slate-900/50 open:flex sm:m-auto sm:max-h-[min(640px,calc(100dvh-2rem))] sm:w-[calc(100vw-2rem)] sm:max-w-md sm:rounded-2xl',
        className,
      )}
    >
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 py-2 pr-2 pl-5">
        <h2 id={titleId} className="text-lg font-semibold">
          {title}
        </h2>
        <IconButton label="Close" onClick={onClose}>
          <CloseIcon />
        </IconButton>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-5 py-4">{children}</div>
      {footer && <div className="border-t border-slate-200 px-5 py-3">{footer}</div>}
    </dialog>
  );
}

/** A dialog's footer: the last error above a row of its actions (pass it as `footer`). */
export function DialogFooter({ error, children }: { error: string | null; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-2">
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
      <div className="flex items-center justify-between gap-2">{children}</div>
    </div>
  );
}
