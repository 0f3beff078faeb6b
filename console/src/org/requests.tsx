// Organization requests (R22, R23): ask for a child here; decide the pending ones addressed here.
import { useEffect, useState } from 'preact/hooks';
import { can, enc, get, post, when, type Obj } from '../api';
import { Check, Disclosure, ErrorBox, Field, useAction } from '../ui';

function NewRequest({ org, onDone }: { org: Obj; onDone: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { error, busy, run } = useAction();
  const save = (e: Event) => {
    e.preventDefault();
    run(async () => {
      await post('/organization-requests', {
        organizationname: name,
        parentorganization: org.code || org.organization_id,
        description: description || undefined,
      });
      setName('');
      setDescription('');
      onDone();
    });
  };
  return (
    <form class="form" onSubmit={save} aria-label="Request a child organization">
      <Field label="Organization name" name="organizationname" value={name} onInput={setName} required />
      <Field label="Description" value={description} onInput={setDescription} />
      <ErrorBox error={error} />
      <button disabled={busy}>Send request</button>
    </form>
  );
}

function Decide({ req, onDone }: { req: Obj; onDone: () => void }) {
  const [code, setCode] = useState('');
  const [contact, setContact] = useState('');
  const [kids, setKids] = useState(true);
  const [reason, setReason] = useState('');
  const { error, busy, run } = useAction();
  return (
    <div class="decide">
      <form
        class="form"
        aria-label={`Approve ${req.organizationname}`}
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            await post(`/organization-requests/${enc(req.request_id)}/approve`, {
              code: code || undefined,
              contact_email: contact,
              rbac_template_id: 'default',
              can_have_child_organizations: kids,
            });
            onDone();
          });
        }}
      >
        <Field label="Code" name="approve_code" value={code} onInput={setCode} />
        <Field label="Contact email" name="approve_contact" type="email" value={contact} onInput={setContact} required />
        <Check label="Can have child organizations" checked={kids} onChange={setKids} />
        <button disabled={busy}>Approve</button>
      </form>
      <form
        class="form"
        aria-label={`Reject ${req.organizationname}`}
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            await post(`/organization-requests/${enc(req.request_id)}/reject`, { reason });
            onDone();
          });
        }}
      >
        <Field label="Reason" value={reason} onInput={setReason} required />
        <button class="danger" disabled={busy}>
          Reject
        </button>
      </form>
      <ErrorBox error={error} />
    </div>
  );
}

export function Requests({ org, onTreeChange }: { org: Obj; onTreeChange: () => void }) {
  const [status, setStatus] = useState('pending');
  const [rows, setRows] = useState<Obj[]>([]);
  const [mine, setMine] = useState<Obj[]>([]);
  const list = useAction();
  const load = () =>
    list.run(async () => {
      const q = new URLSearchParams({ organization_id: org.organization_id, size: '100' });
      if (status) q.set('status', status);
      // The requests addressed here need the right to create organizations here (R22): a 403
      // just means the caller sees only their own.
      try {
        setRows((await get(`/organization-requests?${q}`)).data);
      } catch (e) {
        if ((e as Obj).status !== 403) throw e;
        setRows([]);
      }
      setMine((await get('/organization-requests?size=100')).data.filter((r: Obj) => r.parent_organization_id === org.organization_id));
    });
  useEffect(() => {
    load();
  }, [org.organization_id, status]);
  const mayDecide = can(org, 'organizations:create');
  return (
    <div>
      <div class="toolbar">
        <Disclosure label="Request a child organization" allowed={org.can_have_child_organizations && can(org, 'organization_requests:create')}>
          <NewRequest org={org} onDone={load} />
        </Disclosure>
        <label class="field inline-field">
          <span>Status</span>
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="pending">pending</option>
            <option value="approved">approved</option>
            <option value="rejected">rejected</option>
            <option value="">all</option>
          </select>
        </label>
      </div>
      <ErrorBox error={list.error} />
      {mayDecide && <h2>Addressed to {org.name}</h2>}
      {mayDecide && !rows.length && !list.busy && <p class="muted">No {status} requests.</p>}
      <div class="cards">
        {rows.map((r) => (
          <article class="card-item" key={r.request_id}>
            <header>
              <h3>{r.organizationname}</h3>
              <span class={`badge ${r.status}`}>{r.status}</span>
            </header>
            <p class="muted small">
              requested {when(r.created_at)} by {r.requester_id}
            </p>
            {r.request?.description && <p>{r.request.description}</p>}
            {r.reason && <p>Reason: {r.reason}</p>}
            {r.status === 'pending' && mayDecide && (
              <Decide
                req={r}
                onDone={() => {
                  load();
                  onTreeChange();
                }}
              />
            )}
          </article>
        ))}
      </div>
      <h2>Your requests here</h2>
      {!mine.length && <p class="muted">None.</p>}
      <ul>
        {mine.map((r) => (
          <li key={r.request_id}>
            {r.organizationname} <span class={`badge ${r.status}`}>{r.status}</span> <span class="muted small">{when(r.created_at)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
