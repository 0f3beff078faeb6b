// One organization: its tabs appear as the API's `permissions` for the caller there allow.
import { useEffect, useState } from 'preact/hooks';
import { can, enc, get, type Obj } from '../api';
import { ErrorBox, Flags, Loading } from '../ui';
import { Details } from './details';
import { Users } from './users';
import { Groups } from './groups';
import { Roles } from './roles';
import { Activity } from './activity';
import { Requests } from './requests';

const TABS: [string, string, string | null][] = [
  ['details', 'Details', null],
  ['users', 'Users', 'users:read'],
  ['groups', 'User groups', 'user_groups:read'],
  ['roles', 'Roles', 'roles:read'],
  ['activity', 'Activity', 'activities:read'],
  ['requests', 'Requests', null],
];

export function OrgPage({ id, tab, me, onTreeChange }: { id: string; tab: string; me: Obj; onTreeChange: () => void }) {
  const [org, setOrg] = useState<Obj | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = () =>
    get(`/organizations/${enc(id)}`)
      .then((r) => {
        setOrg(r.data);
        setError(null);
      })
      .catch(setError);
  useEffect(() => {
    reload();
  }, [id]);

  if (error) return <ErrorBox error={error} />;
  if (!org) return <Loading />;
  const tabs = TABS.filter(([, , perm]) => !perm || can(org, perm));
  const current = tabs.find(([t]) => t === tab)?.[0] || 'details';
  return (
    <section>
      <div class="org-head">
        {org.logo_url && <img class="logo" src={org.logo_url} alt="" />}
        <div>
          <h1>{org.name}</h1>
          <div class="sub">
            {org.code && <code class="node-code">{org.code}</code>}
            <span class="muted small">{org.organization_id}</span>
            <Flags org={org} />
          </div>
        </div>
      </div>
      <div class="tabs" role="tablist">
        {tabs.map(([t, label]) => (
          <a key={t} role="tab" aria-selected={t === current} class={t === current ? 'active' : ''} href={`#/org/${enc(id)}/${t}`}>
            {label}
          </a>
        ))}
      </div>
      <div class="tab-body" role="tabpanel">
        {current === 'details' && <Details org={org} onChange={reload} onTreeChange={onTreeChange} />}
        {current === 'users' && <Users org={org} />}
        {current === 'groups' && <Groups org={org} />}
        {current === 'roles' && <Roles org={org} />}
        {current === 'activity' && <Activity org={org} me={me} />}
        {current === 'requests' && <Requests org={org} onTreeChange={onTreeChange} />}
      </div>
    </section>
  );
}
