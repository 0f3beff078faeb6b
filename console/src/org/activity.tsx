// The activity log (R21): newest first, a date range, a type, cursor pages.
import { useEffect, useState } from 'preact/hooks';
import { enc, get, when, type Obj } from '../api';
import { ErrorBox, useAction } from '../ui';

const iso = (local: string) => (local ? new Date(local).toISOString() : '');

export function Activity({ org, me }: { org: Obj; me: Obj }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [type, setType] = useState('');
  const [rows, setRows] = useState<Obj[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const load = (more = false) =>
    run(async () => {
      const q = new URLSearchParams({ limit: '50' });
      if (from) q.set('from_date', iso(from));
      if (to) q.set('to_date', iso(to));
      if (type.trim()) q.set('type', type.trim());
      if (more && cursor) q.set('cursor', cursor);
      const r = await get(`/organizations/${enc(org.organization_id)}/activities?${q}`);
      setRows(more ? [...rows, ...r.data] : r.data);
      setCursor(r.next_cursor || null);
    });
  useEffect(() => {
    load();
  }, [org.organization_id]);
  return (
    <div>
      <form
        class="inline toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          load();
        }}
      >
        <label class="field">
          <span>From</span>
          <input type="datetime-local" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>To</span>
          <input type="datetime-local" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>Type</span>
          <input placeholder="e.g. user.created" value={type} onInput={(e) => setType((e.target as HTMLInputElement).value)} />
        </label>
        <button disabled={busy}>Show</button>
      </form>
      <ErrorBox error={error} />
      <table class="list activity">
        <thead>
          <tr>
            <th>When</th>
            <th>Type</th>
            <th>Actor</th>
            <th>Target</th>
            <th>Changes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.activity_id}>
              <td class="nowrap">{when(a.created_at)}</td>
              <td>
                <code>{a.type}</code>
              </td>
              <td>
                <span title={a.actor_details || ''}>{a.actor_id === me.user_id ? 'you' : a.actor_id}</span>{' '}
                <span class="muted small">
                  {a.actor_type}
                  {a.token_id ? ' (API token)' : ''}
                </span>
              </td>
              <td>
                <span class="muted small">{a.target_type}</span> {a.target_id}
              </td>
              <td class="changes">{Object.keys(a.changes || {}).length ? JSON.stringify(a.changes) : ''}</td>
            </tr>
          ))}
          {!rows.length && !busy && (
            <tr>
              <td colSpan={5} class="muted">
                No activity in this range.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {cursor && (
        <button type="button" disabled={busy} onClick={() => load(true)}>
          Load older
        </button>
      )}
    </div>
  );
}
