// Small shared pieces: the error box (the API's message and code, as they are), form fields,
// buttons that exist only when the API said the caller may use them.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from './api';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError;
  return (
    <div class="error" role="alert">
      <strong>{e.message || String(error)}</strong>
      {e.code && <code class="code">{e.code}</code>}
      {e.status ? <span class="muted"> HTTP {e.status}</span> : null}
      {e.details?.length ? (
        <ul>
          {e.details.map((d, i) => (
            <li key={i}>
              {d.field ? <code>{d.field}</code> : null} {d.message || d.issue || JSON.stringify(d)}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Runs an action, keeping its error and a busy flag (the form's input stays as typed). */
export function useAction() {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async <T,>(f: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run, setError };
}

export function Field(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: string;
  required?: boolean;
  placeholder?: string;
  name?: string;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.type || 'text'}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
    </label>
  );
}

export function Check(props: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label class="check">
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)} />
      {props.label}
    </label>
  );
}

export function Select(props: { label: string; value: string; options: [string, string][]; onChange: (v: string) => void }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A panel that opens a form; absent when the caller lacks the permission the API reported. */
export function Disclosure(props: { label: string; allowed: boolean; children: ComponentChildren; why?: string }) {
  const [open, setOpen] = useState(false);
  if (!props.allowed) return null;
  return (
    <div class="disclosure">
      <button type="button" class={open ? 'secondary' : ''} aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Close' : props.label}
      </button>
      {open && <div class="panel">{props.children}</div>}
    </div>
  );
}

export const Loading = () => <p class="muted">Loading…</p>;

export function Flags({ org }: { org: Record<string, any> }) {
  return (
    <span class="flags">
      {org.can_have_child_organizations && (
        <span class="flag ok" title="Can have child organizations">
          + children
        </span>
      )}
      {org.parent_has_access === false && (
        <span class="flag warn" title="parent_has_access = false: the parent organization cannot see it">
          ⊘ parent
        </span>
      )}
      {org.parent_has_access_to_descendants === false && (
        <span class="flag warn" title="parent_has_access_to_descendants = false: its parents cannot see its descendants">
          ⊘ below
        </span>
      )}
      {org.version === undefined && (
        <span class="flag dim" title="Listed only: you have no access to this organization's data">
          no access
        </span>
      )}
    </span>
  );
}
