// Custom roles of one organization (R17–R20): permissions and members.
import { useEffect, useState } from 'preact/hooks';
import { can, del, enc, get, patch, post, put, type Obj } from '../api';
import { Disclosure, ErrorBox, Field, Select, useAction } from '../ui';

/** A new role, or the name, description and permissions of `role`. */
function RoleForm({ org, role, onDone }: { org: Obj; role?: Obj; onDone: () => void }) {
  const [name, setName] = useState(role?.name || '');
  const [description, setDescription] = useState(role?.description || '');
  const [catalogue, setCatalogue] = useState<Obj[]>([]);
  const [chosen, setChosen] = useState<Set<string>>(new Set(role?.permissions || []));
  const { error, busy, run } = useAction();
  useEffect(() => {
    get('/permissions').then((r) => setCatalogue(r.data), () => {});
  }, []);
  const save = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const body = { name, description: description || undefined, permissions: [...chosen] };
      const base = `/organizations/${enc(org.organization_id)}/roles`;
      if (role) await patch(`${base}/${enc(role.role_id)}`, body);
      else {
        await post(base, body);
        setName('');
        setChosen(new Set());
      }
      onDone();
    });
  };
  return (
    <form class="form" onSubmit={save} aria-label={role ? `Edit role ${role.name}` : 'New role'}>
      <Field label="Name" name="role_name" value={name} onInput={setName} required />
      <Field label="Description" value={description} onInput={setDescription} />
      <fieldset class="perm-grid">
        <legend>Permissions</legend>
        {catalogue.map((p) => (
          <label key={p.permission_id} class="check" title={p.description}>
            <input
              type="checkbox"
              checked={chosen.has(p.permission_id)}
              onChange={(e) => {
                const s = new Set(chosen);
                (e.target as HTMLInputElement).checked ? s.add(p.permission_id) : s.delete(p.permission_id);
                setChosen(s);
              }}
            />
            {p.permission_id}
          </label>
        ))}
      </fieldset>
      <ErrorBox error={error} />
      <button disabled={busy}>{role ? 'Save role' : 'Create role'}</button>
    </form>
  );
}

function Members({ org, role }: { org: Obj; role: Obj }) {
  const [members, setMembers] = useState<Obj[]>([]);
  const [users, setUsers] = useState<Obj[]>([]);
  const [pick, setPick] = useState('');
  const list = useAction();
  const act = useAction();
  const base = `/organizations/${enc(org.organization_id)}`;
  const load = () =>
    list.run(async () => {
      setMembers((await get(`${base}/roles/${enc(role.role_id)}/members?page=0&size=100`)).data);
    });
  useEffect(() => {
    load();
    post('/users/filter?page=0&size=100', { filter: { organization_id_list: [org.organization_id] } }).then(
      (r) => {
        setUsers(r.data);
        setPick(r.data[0]?.user_id || '');
      },
      () => {},
    );
  }, [role.role_id]);
  const mayAssign = can(org, 'roles:update');
  return (
    <div class="members">
      <h4>Members</h4>
      <ErrorBox error={list.error} />
      <ErrorBox error={act.error} />
      <ul>
        {members.map((m) => (
          <li key={m.user_id}>
            {m.email} <span class="muted small">{m.role}</span>{' '}
            {mayAssign && (
              <button
                type="button"
                class="small link"
                aria-label={`Remove ${m.email} from ${role.name}`}
                onClick={() =>
                  act.run(async () => {
                    await del(`${base}/users/${enc(m.user_id)}/roles/${enc(role.role_id)}`);
                    await load();
                  })
                }
              >
                remove
              </button>
            )}
          </li>
        ))}
        {!members.length && !list.busy && <li class="muted small">No members.</li>}
      </ul>
      {mayAssign && users.length > 0 && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await put(`${base}/users/${enc(pick)}/roles/${enc(role.role_id)}`);
              await load();
            });
          }}
        >
          <Select label="User to assign" value={pick} options={users.map((u) => [u.user_id, u.email])} onChange={setPick} />
          <button disabled={act.busy}>Assign role</button>
        </form>
      )}
    </div>
  );
}

export function Roles({ org }: { org: Obj }) {
  const [roles, setRoles] = useState<Obj[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const list = useAction();
  const act = useAction();
  const base = `/organizations/${enc(org.organization_id)}`;
  const load = () =>
    list.run(async () => {
      setRoles((await get(`${base}/roles?page=0&size=100`)).data);
    });
  useEffect(() => {
    load();
  }, [org.organization_id]);
  return (
    <div>
      <div class="toolbar">
        <Disclosure label="New role" allowed={can(org, 'roles:create')}>
          <RoleForm org={org} onDone={load} />
        </Disclosure>
        {can(org, 'roles:create') && (
          <button
            type="button"
            class="secondary"
            disabled={act.busy}
            onClick={() =>
              act.run(async () => {
                await post(`${base}/roles/generate`, {});
                await load();
              })
            }
          >
            Generate default roles
          </button>
        )}
      </div>
      <ErrorBox error={list.error} />
      <ErrorBox error={act.error} />
      {!roles.length && !list.busy && <p class="muted">No custom roles in this organization.</p>}
      <table class="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Stage</th>
            <th>Permissions</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {roles.map((r) => (
            <>
              <tr key={r.role_id}>
                <td>
                  <button type="button" class="link" aria-expanded={open === r.role_id} onClick={() => setOpen(open === r.role_id ? null : r.role_id)}>
                    {r.name}
                  </button>
                  {r.description && <div class="muted small">{r.description}</div>}
                </td>
                <td>
                  <span class="badge">{r.stage}</span>
                </td>
                <td class="perms">
                  {r.permissions.map((p: string) => (
                    <code key={p}>{p}</code>
                  ))}
                </td>
                <td>
                  {can(org, 'roles:delete') && (
                    <button
                      type="button"
                      class="small danger"
                      aria-label={`Delete role ${r.name}`}
                      onClick={() =>
                        act.run(async () => {
                          await del(`${base}/roles/${enc(r.role_id)}`);
                          await load();
                        })
                      }
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
              {open === r.role_id && (
                <tr key={`${r.role_id}-m`}>
                  <td colSpan={4}>
                    <Disclosure label="Edit role" allowed={can(org, 'roles:update')}>
                      <RoleForm org={org} role={r} onDone={load} />
                    </Disclosure>
                    <Members org={org} role={r} />
                  </td>
                </tr>
              )}
            </>
          ))}
        </tbody>
      </table>
    </div>
  );
}
