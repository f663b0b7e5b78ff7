import { ClockIcon, TicksIcon } from '@/components/ui/icons';
import type { DeliveryStatus } from '../utils/delivery-status';

const LABELS: Record<DeliveryStatus | 'pending', string> = {
  pending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

/** The ticks of one of our messages: a clock while sending, then one tick, two, two in blue. */
export function MessageStatus({ status }: { status: DeliveryStatus | 'pending' }) {
  return (
    <span
      role="img"
      aria-label={LABELS[status]}
      title={LABELS[status]}
      className={status === 'read' ? 'inline-flex text-sky-600' : 'inline-flex text-slate-500'}
    >
      {status === 'pending' ? (
        <ClockIcon width="0.95em" height="0.95em" />
      ) : (
        <TicksIcon double={status !== 'sent'} />
      )}
    </span>
  );
}
