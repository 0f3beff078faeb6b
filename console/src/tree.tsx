// The organization tree: lazy, each node's children are listed when it is opened.
import { useEffect, useState } from 'preact/hooks';
import { children, enc, get, type Obj } from './api';
import { ErrorBox, Flags } from './ui';
import { navigate } from './app';

const byName = (l: Obj[]) => l.sort((a, b) => a.name.localeCompare(b.name));

interface NodeState {
  open: boolean;
  kids?: Obj[];
  /** More children to list (the API's cursor). */
  more?: string | null;
  loading?: boolean;
  error?: unknown;
}

/**
 * The organizations that the caller's groups grant (R12), as more roots of the tree: each
 * group's grants as the API shows them to the caller (a 403 on a group: nothing to add).
 */
async function grantedRoots(groups: Obj[], home: string): Promise<Obj[]> {
  const ids = new Set<string>();
  for (const g of groups) {
    try {
      const r = await get(`/user-groups/${enc(g.user_group_id)}`);
      (r.data.accessible_organizations || []).forEach((a: Obj) => a.organization_id !== home && ids.add(a.organization_id));
    } catch {
      /* the caller may not read this group */
    }
  }
  const orgs = await Promise.all([...ids].map((id) => get(`/organizations/${enc(id)}`).then((r) => r.data, () => null)));
  return byName(orgs.filter(Boolean) as Obj[]);
}

export function Tree({ rootId, groups, selected, version }: { rootId: string; groups: Obj[]; selected: string | null; version: number }) {
  const [root, setRoot] = useState<Obj | null>(null);
  const [granted, setGranted] = useState<Obj[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [nodes, setNodes] = useState<Record<string, NodeState>>({});
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Obj[] | null>(null);

  const load = async (id: string, more?: string | null) => {
    setNodes((n) => ({ ...n, [id]: { ...n[id], open: true, loading: true, error: null } }));
    try {
      const page = await children(id, more);
      setNodes((n) => ({ ...n, [id]: { open: true, kids: byName([...(more ? n[id]?.kids || [] : []), ...page.kids]), more: page.cursor } }));
    } catch (e) {
      setNodes((n) => ({ ...n, [id]: { ...n[id], open: true, loading: false, error: e } }));
    }
  };

  useEffect(() => {
    get(`/organizations/${enc(rootId)}`)
      .then((r) => setRoot(r.data))
      .catch(setError);
    load(rootId);
    if (groups.length) grantedRoots(groups, rootId).then(setGranted);
  }, [rootId]);

  // After a create or delete: list the open nodes' children again.
  useEffect(() => {
    if (version === 0) return;
    Object.entries(nodes).forEach(([id, s]) => s.open && load(id));
  }, [version]);

  const toggle = (o: Obj) => {
    const s = nodes[o.organization_id];
    if (s?.open) setNodes((n) => ({ ...n, [o.organization_id]: { ...s, open: false } }));
    else if (s?.kids) setNodes((n) => ({ ...n, [o.organization_id]: { ...s, open: true } }));
    else load(o.organization_id);
  };

  const search = async (e: Event) => {
    e.preventDefault();
    const q = query.trim().toLowerCase();
    if (!q) return setFound(null);
    // Names among the organizations listed so far, and an exact code or id through the API.
    const seen = new Map<string, Obj>();
    const all = [root, ...granted, ...Object.values(nodes).flatMap((s) => s.kids || [])].filter(Boolean) as Obj[];
    all.filter((o) => o.name.toLowerCase().includes(q) || (o.code || '').toLowerCase().includes(q)).forEach((o) => seen.set(o.organization_id, o));
    try {
      const r = await get(`/organizations/${enc(query.trim())}`);
      seen.set(r.data.organization_id, r.data);
    } catch {
      /* no organization with that code or id that the caller may see */
    }
    setFound([...seen.values()]);
  };

  const row = (o: Obj, depth: number) => {
    const s = nodes[o.organization_id];
    const id = o.organization_id;
    const template = o.configuration?.rbac_configuration?.template_id;
    return (
      <li key={id} role="treeitem" aria-expanded={o.can_have_child_organizations ? !!s?.open : undefined} aria-selected={selected === id}>
        <div class={`node${selected === id ? ' selected' : ''}`} style={{ paddingLeft: `${depth * 16 + 4}px` }}>
          {o.can_have_child_organizations ? (
            <button type="button" class="toggle" aria-label={`${s?.open ? 'Close' : 'Open'} ${o.name}`} onClick={() => toggle(o)}>
              {s?.open ? '▾' : '▸'}
            </button>
          ) : (
            <span class="toggle-space" />
          )}
          <a href={`#/org/${enc(id)}/details`} onClick={() => navigate(id)} class="node-name">
            {o.name}
          </a>
          {o.code && <code class="node-code">{o.code}</code>}
          {template && <span class="tpl" title="RBAC template">{template}</span>}
          <Flags org={o} />
        </div>
        {s?.open && (
          <ul role="group">
            {s.loading && <li role="none" class="muted small pad">Loading…</li>}
            {s.error ? (
              <li role="none">
                <ErrorBox error={s.error} />
              </li>
            ) : null}
            {s.kids?.length === 0 && <li role="none" class="muted small pad" style={{ paddingLeft: `${(depth + 1) * 16 + 28}px` }}>No child organizations</li>}
            {s.kids?.map((k) => row(k, depth + 1))}
            {s.more && !s.loading && (
              <li role="none" style={{ paddingLeft: `${(depth + 1) * 16 + 26}px` }}>
                <button type="button" class="link small" onClick={() => load(id, s.more)}>
                  Show more children of {o.name}
                </button>
              </li>
            )}
          </ul>
        )}
      </li>
    );
  };

  return (
    <div class="tree">
      <form class="search" role="search" onSubmit={search}>
        <input aria-label="Search organizations by name or code" placeholder="Search name or code" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
      </form>
      {found && (
        <div class="found">
          <div class="found-head">
            <strong>{found.length} found</strong>{' '}
            <button type="button" class="link" onClick={() => setFound(null)}>
              clear
            </button>
          </div>
          <ul>
            {found.map((o) => (
              <li key={o.organization_id}>
                <a href={`#/org/${enc(o.organization_id)}/details`}>{o.name}</a> {o.code && <code class="node-code">{o.code}</code>}
              </li>
            ))}
          </ul>
        </div>
      )}
      <ErrorBox error={error} />
      {root && (
        <ul role="tree" aria-label="Organization tree">
          {row(root, 0)}
          {granted.map((o) => row(o, 0))}
        </ul>
      )}
    </div>
  );
}
