// Users of one organization: filter, sort, page, create, edit role, delete, bulk delete.
import { useEffect, useState } from 'preact/hooks';
import { can, del, enc, patch, post, when, type Obj } from '../api';
import { Disclosure, ErrorBox, Field, Select, useAction } from '../ui';

const ROLES: [string, string][] = [
  ['user', 'user'],
  ['admin', 'admin'],
  ['superadmin', 'superadmin'],
];
const SIZE = 20;

function CreateUser({ org, onDone }: { org: Obj; onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [first, setFirst] = useState('');
  const [last, setLast] = useState('');
  const [role, setRole] = useState('user');
  const { error, busy, run } = useAction();
  const save = (e: Event) => {
    e.preventDefault();
    run(async () => {
      await post('/users', { email, first_name: first || undefined, last_name: last || undefined, role, organization_id: org.organization_id });
      setEmail('');
      setFirst('');
      setLast('');
      onDone();
    });
  };
  return (
    <form class="form" onSubmit={save} aria-label="New user">
      <Field label="Email" name="email" type="email" value={email} onInput={setEmail} required />
      <Field label="First name" name="first_name" value={first} onInput={setFirst} />
      <Field label="Last name" name="last_name" value={last} onInput={setLast} />
      <Select label="Role" value={role} options={ROLES} onChange={setRole} />
      <ErrorBox error={error} />
      <button disabled={busy}>Create user</button>
    </form>
  );
}

export function Users({ org }: { org: Obj }) {
  const [rows, setRows] = useState<Obj[]>([]);
  const [total, setTotal] = useState(0);
  const [page, setPage] = useState(0); // the API counts pages from 0
  const [search, setSearch] = useState('');
  const [role, setRole] = useState('');
  const [sort, setSort] = useState<[string, number]>(['email', 1]);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const list = useAction();
  const act = useAction();
  const id = org.organization_id;

  const load = () =>
    list.run(async () => {
      const filter: Obj = { organization_id_list: [id] };
      if (search.trim()) filter.search = search.trim();
      if (role) filter.role_list = [role];
      const r = await post(`/users/filter?page=${page}&size=${SIZE}`, { filter, sort: [{ field: sort[0], sort_order: sort[1] }] });
      setRows(r.data);
      setTotal(r.total ?? r.data.length);
      setPicked(new Set());
    });
  useEffect(() => {
    load();
  }, [id, page, sort, role]);

  const sortBy = (f: string) => setSort(([cur, o]) => [f, cur === f ? -o : 1]);
  const th = (f: string, label: string) => (
    <th aria-sort={sort[0] === f ? (sort[1] > 0 ? 'ascending' : 'descending') : undefined}>
      <button type="button" class="link" onClick={() => sortBy(f)}>
        {label} {sort[0] === f ? (sort[1] > 0 ? '▲' : '▼') : ''}
      </button>
    </th>
  );
  const mayEdit = can(org, 'users:update');
  const mayDelete = can(org, 'users:delete');
  const pages = Math.max(1, Math.ceil(total / SIZE));

  return (
    <div>
      <div class="toolbar">
        <form
          class="inline"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            page === 0 ? load() : setPage(0);
          }}
        >
          <input aria-label="Filter users" placeholder="Filter by name or email" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
          <select aria-label="Role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
            <option value="">all roles</option>
            {ROLES.map(([v]) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
          <button type="submit">Filter</button>
        </form>
        {mayDelete && (
          <button
            type="button"
            class="danger"
            disabled={!picked.size || act.busy}
            onClick={() =>
              act.run(async () => {
                await post('/users/bulk-delete', { user_id_list: [...picked] });
                await load();
              })
            }
          >
            Delete selected ({picked.size})
          </button>
        )}
      </div>
      <Disclosure label="New user" allowed={can(org, 'users:create')}>
        <CreateUser org={org} onDone={load} />
      </Disclosure>
      <ErrorBox error={list.error} />
      <ErrorBox error={act.error} />
      <table class="list">
        <thead>
          <tr>
            {mayDelete && <th aria-label="Select" />}
            {th('email', 'Email')}
            {th('first_name', 'Name')}
            {th('role', 'Role')}
            <th>Status</th>
            {th('created_at', 'Created')}
            {mayDelete && <th aria-label="Actions" />}
          </tr>
        </thead>
        <tbody>
          {rows.map((u) => (
            <tr key={u.user_id}>
              {mayDelete && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${u.email}`}
                    checked={picked.has(u.user_id)}
                    onChange={(e) => {
                      const s = new Set(picked);
                      (e.target as HTMLInputElement).checked ? s.add(u.user_id) : s.delete(u.user_id);
                      setPicked(s);
                    }}
                  />
                </td>
              )}
              <td>{u.email}</td>
              <td>{[u.first_name, u.last_name].filter(Boolean).join(' ')}</td>
              <td>
                {mayEdit ? (
                  <select
                    aria-label={`Role of ${u.email}`}
                    value={u.role}
                    disabled={act.busy}
                    onChange={(e) => {
                      const v = (e.target as HTMLSelectElement).value;
                      act.run(async () => {
                        await patch(`/users/${enc(u.user_id)}`, { role: v });
                        await load();
                      }).then(() => load());
                    }}
                  >
                    {ROLES.map(([v]) => (
                      <option key={v} value={v}>
                        {v}
                      </option>
                    ))}
                  </select>
                ) : (
                  u.role
                )}
              </td>
              <td>{u.status}</td>
              <td>{when(u.created_at)}</td>
              {mayDelete && (
                <td>
                  {(
                    <button
                      type="button"
                      class="small danger"
                      aria-label={`Delete ${u.email}`}
                      onClick={() =>
                        act.run(async () => {
                          await del(`/users/${enc(u.user_id)}`);
                          await load();
                        })
                      }
                    >
                      Delete
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
          {!rows.length && !list.busy && (
            <tr>
              <td colSpan={7} class="muted">
                No users match.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="pager">
        <button type="button" disabled={page <= 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        <span>
          Page {page + 1} of {pages} · {total} users
        </span>
        <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
          Next
        </button>
      </div>
    </div>
  );
}
