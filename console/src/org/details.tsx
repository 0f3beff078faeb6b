// Details: the organization's fields and resolved configuration (R16: where each inherited part
// comes from), edit, logo upload, create a child, delete with the deletion job's progress.
import { useEffect, useState } from 'preact/hooks';
import { can, perms, del, enc, get, patch, post, when, type Obj } from '../api';
import { Check, Disclosure, ErrorBox, Field, Select, useAction } from '../ui';
import { navigate } from '../app';

/** The nearest ancestor whose `key` configuration is its own (source `self`). */
async function sourceOf(org: Obj, key: string, srcKey: string): Promise<string> {
  let cur = org;
  for (let i = 0; i < 50 && cur.parent_organization_id; i++) {
    try {
      cur = (await get(`/organizations/${enc(cur.parent_organization_id)}`)).data;
    } catch {
      return 'an ancestor you cannot see';
    }
    const c = cur.configuration?.[key];
    if (c && c[srcKey] !== 'parent') return `${cur.name}${cur.code ? ` (${cur.code})` : ''}`;
  }
  return 'no ancestor (not configured)';
}

function ConfigRow({ org, name, keyName, srcKey }: { org: Obj; name: string; keyName: string; srcKey: string }) {
  const c = org.configuration?.[keyName];
  const [from, setFrom] = useState<string | null>(null);
  useEffect(() => {
    if (c?.[srcKey] === 'parent') sourceOf(org, keyName, srcKey).then(setFrom);
  }, [org.organization_id]);
  if (!c) return null;
  const fields = Object.entries(c).filter(([k, v]) => k !== srcKey && v != null && v !== '');
  return (
    <tr>
      <th>{name}</th>
      <td>
        {c[srcKey] === 'parent' ? (
          <span class="badge inherit">inherited from {from ?? '…'}</span>
        ) : (
          <span class="badge own">own</span>
        )}
        {fields.length ? (
          <dl class="kv">
            {fields.map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
              </>
            ))}
          </dl>
        ) : (
          <span class="muted small"> nothing set</span>
        )}
      </td>
    </tr>
  );
}

function EditOrg({ org, onDone }: { org: Obj; onDone: () => void }) {
  const [name, setName] = useState(org.name);
  const [contact, setContact] = useState(org.contact_email || '');
  const [updates, setUpdates] = useState(org.updates_email || '');
  const [domains, setDomains] = useState((org.domains || []).join(', '));
  const { error, busy, run } = useAction();
  const save = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const body: Obj = { name, contact_email: contact, domains: domains.split(',').map((d: string) => d.trim()).filter(Boolean) };
      if (updates) body.updates_email = updates;
      await patch(`/organizations/${enc(org.organization_id)}`, body);
      onDone();
    });
  };
  return (
    <form onSubmit={save} class="form">
      <Field label="Name" value={name} onInput={setName} required />
      <Field label="Contact email" type="email" value={contact} onInput={setContact} />
      <Field label="Updates email" type="email" value={updates} onInput={setUpdates} />
      <Field label="Domains (comma separated)" value={domains} onInput={setDomains} />
      <ErrorBox error={error} />
      <button disabled={busy}>Save</button>
    </form>
  );
}

function CreateChild({ org, onDone }: { org: Obj; onDone: (id: string) => void }) {
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [contact, setContact] = useState('');
  const [template, setTemplate] = useState(org.configuration?.rbac_configuration?.template_id || 'default');
  const [templates, setTemplates] = useState<[string, string][]>([]);
  const [kids, setKids] = useState(true);
  const [parentAccess, setParentAccess] = useState(true);
  const [belowAccess, setBelowAccess] = useState(true);
  const { error, busy, run } = useAction();
  useEffect(() => {
    get('/rbac-templates')
      .then((r) => setTemplates(r.data.map((t: Obj) => [t.template_id, t.display_name || t.template_id])))
      .catch(() => setTemplates([[template, template]]));
  }, []);
  const save = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const r = await post('/organizations', {
        name,
        code: code || undefined,
        contact_email: contact,
        parent_organization_id: org.organization_id,
        can_have_child_organizations: kids,
        parent_has_access: parentAccess,
        parent_has_access_to_descendants: belowAccess,
        rbac_template_id: template,
      });
      onDone(r.data.organization_id);
    });
  };
  return (
    <form onSubmit={save} class="form" aria-label="New child organization">
      <Field label="Name" name="name" value={name} onInput={setName} required />
      <Field label="Code" name="code" value={code} onInput={setCode} placeholder="e.g. acme-eu" />
      <Field label="Contact email" name="contact_email" type="email" value={contact} onInput={setContact} required />
      <Select label="RBAC template" value={template} options={templates.length ? templates : [[template, template]]} onChange={setTemplate} />
      <Check label="Can have child organizations" checked={kids} onChange={setKids} />
      <Check label="Parent has access" checked={parentAccess} onChange={setParentAccess} />
      <Check label="Parent has access to descendants" checked={belowAccess} onChange={setBelowAccess} />
      <ErrorBox error={error} />
      <button disabled={busy}>Create organization</button>
    </form>
  );
}

function Logo({ org, onDone }: { org: Obj; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [usage, setUsage] = useState('login');
  const { error, busy, run } = useAction();
  const pick = (f: File | null) => {
    if (preview) URL.revokeObjectURL(preview);
    setFile(f);
    setPreview(f ? URL.createObjectURL(f) : null);
  };
  const upload = (e: Event) => {
    e.preventDefault();
    if (!file) return;
    run(async () => {
      const fd = new FormData();
      fd.append('usage_type', usage);
      fd.append('logo', file);
      await post(`/organizations/${enc(org.organization_id)}/logo`, fd);
      pick(null);
      onDone();
    });
  };
  return (
    <form onSubmit={upload} class="form">
      <label class="field">
        <span>Image (PNG, JPEG, GIF or WebP)</span>
        <input type="file" accept="image/png,image/jpeg,image/gif,image/webp" onChange={(e) => pick((e.target as HTMLInputElement).files?.[0] || null)} />
      </label>
      {preview && <img class="preview" src={preview} alt="Preview of the new logo" />}
      <Select label="Used for" value={usage} options={[['login', 'Login page'], ['darryl', 'Darryl']]} onChange={setUsage} />
      <ErrorBox error={error} />
      <button disabled={busy || !file}>Upload logo</button>
    </form>
  );
}

function Delete({ org, onGone }: { org: Obj; onGone: () => void }) {
  const [job, setJob] = useState<Obj | null>(null);
  const [confirm, setConfirm] = useState('');
  const { error, busy, run } = useAction();
  const id = org.organization_id;
  const poll = async () => {
    for (let i = 0; i < 600; i++) {
      try {
        const j = (await get(`/organizations/${enc(id)}/deletion`)).data;
        setJob(j);
        if (j.status === 'done') {
          await new Promise((r) => setTimeout(r, 1500)); // let the finished bar be seen
          return onGone();
        }
      } catch (e) {
        if ((e as Obj).status === 404) return onGone();
        throw e;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const start = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const r = await del(`/organizations/${enc(id)}`);
      setJob(r.data || { status: 'running' });
      await poll();
    });
  };
  const expected = org.code || org.name;
  if (job)
    return (
      <div class="job" aria-live="polite">
        <p>
          Deleting <strong>{org.name}</strong> and everything below it: {job.status === 'done' ? 'done' : 'running'}
        </p>
        <progress aria-label="Deletion progress" max={1} value={job.status === 'done' ? 1 : undefined} />
        {job.status === 'done' && <p>Deleted. Going back to the parent organization…</p>}
        <p class="muted small">
          {job.organizations_purged ?? 0} organizations purged · {job.items_deleted ?? 0} items · {job.objects_deleted ?? 0} files
        </p>
        <ErrorBox error={error} />
      </div>
    );
  return (
    <form onSubmit={start} class="form">
      <p>This deletes the organization, every organization below it, and their users, groups, tokens and roles.</p>
      <Field label={`Type ${expected} to confirm`} value={confirm} onInput={setConfirm} />
      <ErrorBox error={error} />
      <button class="danger" disabled={busy || confirm !== expected}>
        Delete organization
      </button>
    </form>
  );
}

export function Details({ org, onChange, onTreeChange }: { org: Obj; onChange: () => void; onTreeChange: () => void }) {
  return (
    <div class="grid2">
      <div>
        <table class="props">
          <tbody>
            <tr><th>Contact email</th><td>{org.contact_email}</td></tr>
            <tr><th>Updates email</th><td>{org.updates_email}</td></tr>
            <tr><th>Parent</th><td>{org.parent_organization ? <a href={`#/org/${enc(org.parent_organization.organization_id)}/details`}>{org.parent_organization.name}</a> : '—'}</td></tr>
            <tr><th>Domains</th><td>{(org.domains || []).join(', ') || '—'}</td></tr>
            <tr><th>Can have children</th><td>{org.can_have_child_organizations ? 'yes' : 'no'}</td></tr>
            <tr><th>Parent has access</th><td>{org.parent_has_access ? 'yes' : 'no'}</td></tr>
            <tr><th>Parent sees descendants</th><td>{org.parent_has_access_to_descendants ? 'yes' : 'no'}</td></tr>
            <tr><th>RBAC template</th><td>{org.configuration?.rbac_configuration?.template_id || '—'}</td></tr>
            <tr><th>Created</th><td>{when(org.created_at)}</td></tr>
            <tr>
              <th>Your permissions here</th>
              <td>
                <details>
                  <summary>{perms(org).length} permissions</summary>
                  <div class="perms">{perms(org).map((p) => <code key={p}>{p}</code>)}</div>
                </details>
              </td>
            </tr>
          </tbody>
        </table>
        <h2>Resolved configuration</h2>
        <table class="props">
          <tbody>
            <ConfigRow org={org} name="SSO" keyName="sso_configuration" srcKey="sso_config_source" />
            <ConfigRow org={org} name="Darryl" keyName="darryl_configuration" srcKey="darryl_config_source" />
            {org.configuration?.metabase_configuration && (
              <tr><th>Metabase</th><td>{org.configuration.metabase_configuration.enabled ? 'enabled' : 'disabled'}</td></tr>
            )}
          </tbody>
        </table>
      </div>
      <div class="actions">
        <Disclosure label="Edit organization" allowed={can(org, 'organizations:update')}>
          <EditOrg org={org} onDone={() => { onChange(); onTreeChange(); }} />
        </Disclosure>
        <Disclosure label="Upload logo" allowed={can(org, 'organizations:update')}>
          <Logo org={org} onDone={onChange} />
        </Disclosure>
        <Disclosure label="New child organization" allowed={org.can_have_child_organizations && can(org, 'organizations:create')}>
          <CreateChild org={org} onDone={(id) => { onTreeChange(); navigate(id); }} />
        </Disclosure>
        <Disclosure label="Delete organization" allowed={can(org, 'organizations:delete')}>
          <Delete org={org} onGone={() => { onTreeChange(); if (org.parent_organization_id) navigate(org.parent_organization_id); }} />
        </Disclosure>
      </div>
    </div>
  );
}
