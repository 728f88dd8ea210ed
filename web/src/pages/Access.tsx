// Access: the API key this tab uses (kept in sessionStorage only), and what its role allows.
import { useState } from 'preact/hooks';
import { useCaller } from '../caller.ts';
import { apiKey, setApiKey } from '../session.ts';

const ROLE_TEXT = {
  viewer: 'A viewer sees everything and changes nothing: no action buttons are shown.',
  operator: 'An operator may retry, cancel, pause and resume jobs, pause and resume queues, and acknowledge alerts.',
  admin: 'An admin may also delete jobs and change queue concurrency and priority.',
} as const;

export function AccessPage() {
  const caller = useCaller();
  const [key, setKey] = useState('');
  const apply = (value: string | null) => {
    setApiKey(value);
    // Every connection (HTTP and WebSocket) starts again with the new key.
    location.reload();
  };
  return (
    <>
      <h1>Access</h1>
      <p data-testid="caller">
        {caller.role ? (
          <>
            Signed in as <strong>{caller.name}</strong> with the role <strong>{caller.role}</strong>. {ROLE_TEXT[caller.role]}
          </>
        ) : (
          <>
            No valid key: enter an API key (ask an admin for one: <code>pressroom keys create</code>).
            {caller.refusal && <span class="muted"> The API said: {caller.refusal}</span>}
          </>
        )}
      </p>
      {caller.name === 'local' && <p class="muted">No API key exists yet, so this loopback connection acts as the local admin, as the API does.</p>}
      <form
        aria-label="API key"
        onSubmit={(event) => {
          event.preventDefault();
          apply(key.trim() || null);
        }}
      >
        <label>
          API key (kept for this browser tab only)
          <input type="password" name="apiKey" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <div class="buttons">
          <button type="submit" class="primary">
            Use this key
          </button>
          {apiKey() && (
            <button type="button" onClick={() => apply(null)}>
              Forget the key
            </button>
          )}
        </div>
      </form>
    </>
  );
}
