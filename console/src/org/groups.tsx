// User groups whose parent is this organization, with their members and grants (R11, R12).
import { useEffect, useState } from 'preact/hooks';
import { can, del, enc, get, patch, post, type Obj } from '../api';
import { Check, Disclosure, ErrorBox, Field, Select, useAction } from '../ui';

function CreateGroup({ org, onDone }: { org: Obj; onDone: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [grantTarget, setGrantTarget] = useState('');
  const [allBelow, setAllBelow] = useState(true);
  const [includeIt, setIncludeIt] = useState(true);
  const { error, busy, run } = useAction();
  const save = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const body: Obj = { name, parent_organization_id: org.organization_id, description: description || undefined };
      if (grantTarget.trim())
        body.accessible_organizations = [{ organization_id: grantTarget.trim(), select_all_child_orgs: allBelow, include_current_organization: includeIt }];
      await post('/user-groups', body);
      setName('');
      onDone();
    });
  };
  return (
    <form class="form" onSubmit={save} aria-label="New user group">
      <Field label="Name" value={name} onInput={setName} required />
      <Field label="Description" value={description} onInput={setDescription} />
      <Field label="Grant access to organization (id, optional)" value={grantTarget} onInput={setGrantTarget} />
      <Check label="…and all its child organizations" checked={allBelow} onChange={setAllBelow} />
      <Check label="…including that organization itself" checked={includeIt} onChange={setIncludeIt} />
      <ErrorBox error={error} />
      <button disabled={busy}>Create group</button>
    </form>
  );
}

/** A grant as PATCH /user-groups takes it (the API shows more: name, code). */
const grantBody = (a: Obj): Obj => ({
  organization_id: a.organization_id,
  select_all_child_orgs: !!a.select_all_child_orgs,
  include_current_organization: !!a.include_current_organization,
});

/**
 * Adds an accessible organization to a group after its creation: PATCH of the whole
 * `accessible_organizations` list. The organization is typed as its code or id (looked up
 * first); a grant of the same organization is replaced.
 */
function AddGrant({ group, onDone }: { group: Obj; onDone: () => void }) {
  const [target, setTarget] = useState('');
  const [allBelow, setAllBelow] = useState(true);
  const [includeIt, setIncludeIt] = useState(true);
  const { error, busy, run } = useAction();
  return (
    <form
      class="form"
      aria-label={`Add a grant to ${group.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        run(async () => {
          const org = (await get(`/organizations/${enc(target.trim())}`)).data;
          const others = (group.accessible_organizations || []).filter((a: Obj) => a.organization_id !== org.organization_id);
          await patch(`/user-groups/${enc(group.user_group_id)}`, {
            accessible_organizations: [
              ...others.map(grantBody),
              { organization_id: org.organization_id, select_all_child_orgs: allBelow, include_current_organization: includeIt },
            ],
          });
          setTarget('');
          onDone();
        });
      }}
    >
      <Field label="Organization to grant (code or id)" value={target} onInput={setTarget} required />
      <Check label="…and all its child organizations" checked={allBelow} onChange={setAllBelow} />
      <Check label="…including that organization itself" checked={includeIt} onChange={setIncludeIt} />
      <ErrorBox error={error} />
      <button disabled={busy}>Add grant</button>
    </form>
  );
}

/** Adds a user of the organization to a group (PATCH of its `user_ids`). */
function AddMember({ group, users, onDone }: { group: Obj; users: Obj[]; onDone: () => void }) {
  const members = new Set((group.users || []).map((u: Obj) => u.user_id));
  const candidates = users.filter((u) => !members.has(u.user_id));
  const [pick, setPick] = useState(candidates[0]?.user_id || '');
  const { error, busy, run } = useAction();
  if (!candidates.length) return null;
  const chosen = candidates.some((u) => u.user_id === pick) ? pick : candidates[0].user_id;
  return (
    <form
      class="inline"
      aria-label={`Add a member to ${group.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        run(async () => {
          await patch(`/user-groups/${enc(group.user_group_id)}`, { user_ids: [...members, chosen] });
          onDone();
        });
      }}
    >
      <Select label="User to add" value={chosen} options={candidates.map((u) => [u.user_id, u.email])} onChange={setPick} />
      <button disabled={busy}>Add member</button>
      <ErrorBox error={error} />
    </form>
  );
}

export function Groups({ org }: { org: Obj }) {
  const [groups, setGroups] = useState<Obj[]>([]);
  const [users, setUsers] = useState<Obj[]>([]);
  const list = useAction();
  const act = useAction();
  const load = () =>
    list.run(async () => {
      const r = await post('/user-groups/filter?page=0&size=100', { filter: { parent_organization_id_list: [org.organization_id] } });
      setGroups(r.data);
    });
  useEffect(() => {
    load();
    post('/users/filter?page=0&size=100', { filter: { organization_id_list: [org.organization_id] } }).then(
      (r) => setUsers(r.data),
      () => {},
    );
  }, [org.organization_id]);
  const mayEdit = can(org, 'user_groups:update');
  const email = (id: string) => users.find((u) => u.user_id === id)?.email;
  const update = (g: Obj, body: Obj) =>
    act.run(async () => {
      await patch(`/user-groups/${enc(g.user_group_id)}`, body);
      await load();
    });
  return (
    <div>
      <Disclosure label="New user group" allowed={can(org, 'user_groups:create')}>
        <CreateGroup org={org} onDone={load} />
      </Disclosure>
      <ErrorBox error={list.error} />
      <ErrorBox error={act.error} />
      {!groups.length && !list.busy && <p class="muted">No user groups in this organization.</p>}
      <div class="cards">
        {groups.map((g) => (
          <article class="card-item" key={g.user_group_id}>
            <header>
              <h3>{g.name}</h3>
              {can(org, 'user_groups:delete') && (
                <button
                  type="button"
                  class="small danger"
                  aria-label={`Delete group ${g.name}`}
                  onClick={() =>
                    act.run(async () => {
                      await del(`/user-groups/${enc(g.user_group_id)}`);
                      await load();
                    })
                  }
                >
                  Delete
                </button>
              )}
            </header>
            {g.description && <p class="muted">{g.description}</p>}
            <h4>Grants</h4>
            {g.accessible_organizations?.length ? (
              <ul>
                {g.accessible_organizations.map((a: Obj) => (
                  <li key={a.organization_id}>
                    {a.name || a.organization_id} {a.code && <code class="node-code">{a.code}</code>}{' '}
                    <span class="muted small">
                      {a.include_current_organization ? 'itself' : ''}
                      {a.include_current_organization && a.select_all_child_orgs ? ' + ' : ''}
                      {a.select_all_child_orgs ? 'all below' : ''}
                    </span>{' '}
                    {mayEdit && (
                      <button
                        type="button"
                        class="small link"
                        aria-label={`Remove the grant of ${a.name || a.organization_id} from ${g.name}`}
                        onClick={() =>
                          update(g, {
                            accessible_organizations: g.accessible_organizations
                              .filter((x: Obj) => x.organization_id !== a.organization_id)
                              .map(grantBody),
                          })
                        }
                      >
                        remove
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted small">none</p>
            )}
            {mayEdit && <AddGrant group={g} onDone={load} />}
            <h4>Members ({g.users?.length || 0})</h4>
            <ul>
              {(g.users || []).map((u: Obj) => (
                <li key={u.user_id}>
                  {email(u.user_id) || [u.first_name, u.last_name].filter(Boolean).join(' ') || u.user_id}{' '}
                  {mayEdit && (
                    <button
                      type="button"
                      class="small link"
                      aria-label={`Remove ${email(u.user_id) || u.user_id} from ${g.name}`}
                      onClick={() => update(g, { user_ids: g.users.filter((x: Obj) => x.user_id !== u.user_id).map((x: Obj) => x.user_id) })}
                    >
                      remove
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {mayEdit && <AddMember group={g} users={users} onDone={load} />}
          </article>
        ))}
      </div>
    </div>
  );
}
