// The one confirmation dialog: what is about to happen (and to how many jobs), and the reason
// the history will record. A native <dialog>: focus stays inside it, Escape cancels.
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Ask {
  title: string;
  detail?: string;
  confirmLabel: string;
  /** Destructive: the confirm button says so. */
  danger?: boolean;
}

let open: ((ask: Ask, resolve: (reason: string | null) => void) => void) | null = null;

/** Asks for confirmation and a reason; null when the person cancels. */
export function askReason(ask: Ask): Promise<string | null> {
  return new Promise((resolve) => (open ? open(ask, resolve) : resolve(null)));
}

export function ReasonDialog() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [ask, setAsk] = useState<Ask | null>(null);
  const [reason, setReason] = useState('');
  const resolver = useRef<((reason: string | null) => void) | null>(null);
  useEffect(() => {
    open = (next, resolve) => {
      resolver.current = resolve;
      setReason('');
      setAsk(next);
    };
    return () => (open = null);
  }, []);
  useEffect(() => {
    if (ask && !dialog.current?.open) dialog.current?.showModal();
  }, [ask]);
  const finish = (value: string | null) => {
    resolver.current?.(value);
    resolver.current = null;
    dialog.current?.close();
    setAsk(null);
  };
  return (
    <dialog ref={dialog} aria-labelledby="dialog-title" onCancel={() => finish(null)}>
      {ask && (
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            finish(reason.trim());
          }}
        >
          <h2 id="dialog-title">{ask.title}</h2>
          {ask.detail && <p>{ask.detail}</p>}
          <label>
            Reason (recorded in the history)
            <textarea name="reason" required rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <div class="buttons">
            <button type="button" onClick={() => finish(null)}>
              Cancel
            </button>
            <button type="submit" class={ask.danger ? 'danger' : 'primary'}>
              {ask.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
