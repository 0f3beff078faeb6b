// The organization tree: lazy, each node's children are listed when it is opened. Search looks
// an exact code or id up, then pages through every organization the caller reaches.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, children, enc, get, type Envelope, type Obj } from './api';
import { ErrorBox, Flags } from './ui';
import { navigate } from './app';

const byName = (l: Obj[]) => l.sort((a, b) => a.name.localeCompare(b.name));

/** Search reads at most this many pages of GET /organizations (100 each)… */
const SEARCH_PAGES = 20;
/** …and stops once it has this many matches. */
const SEARCH_MAX = 50;

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
  const [searching, setSearching] = useState(false);
  const [searchError, setSearchError] = useState<unknown>(null);
  /** More organizations than the search read (page or match limit). */
  const [partial, setPartial] = useState(false);
  /** The latest search: an older one still paging stops updating the results. */
  const searchTicket = useRef(0);
  const clearSearch = () => {
    searchTicket.current++;
    setFound(null);
    setSearching(false);
    setSearchError(null);
    setPartial(false);
  };

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
    const typed = query.trim();
    const q = typed.toLowerCase();
    const ticket = ++searchTicket.current;
    setSearchError(null);
    setPartial(false);
    if (!q) return setFound(null);
    const current = () => ticket === searchTicket.current;
    const matches = (o: Obj) => (o.name || '').toLowerCase().includes(q) || (o.code || '').toLowerCase().includes(q) || o.organization_id === typed;
    const seen = new Map<string, Obj>();
    setSearching(true);
    setFound([]);
    // 1. An exact code or id, through the API.
    try {
      const r = await get(`/organizations/${enc(typed)}`);
      seen.set(r.data.organization_id, r.data);
    } catch (err) {
      // No organization with that code or id that the caller may see: not an error here.
      if (!(err instanceof ApiError && [400, 403, 404].includes(err.status)) && current()) setSearchError(err);
    }
    if (!current()) return;
    // 2. The organizations listed so far in the tree.
    const listed = [root, ...granted, ...Object.values(nodes).flatMap((s) => s.kids || [])].filter(Boolean) as Obj[];
    listed.filter(matches).forEach((o) => seen.has(o.organization_id) || seen.set(o.organization_id, o));
    setFound([...seen.values()]);
    // 3. Every organization the caller reaches, page by page (GET /organizations), names and codes.
    let cursor: string | null = null;
    try {
      for (let pageNo = 0; pageNo < SEARCH_PAGES && seen.size < SEARCH_MAX; pageNo++) {
        const r: Envelope<Obj[]> = await get(`/organizations?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
        if (!current()) return;
        (r.data || []).filter(matches).forEach((o) => seen.set(o.organization_id, o));
        setFound([...seen.values()]);
        cursor = r.next_cursor || null;
        if (!cursor) break;
      }
      if (cursor) setPartial(true);
    } catch (err) {
      if (current()) setSearchError(err);
    } finally {
      if (current()) setSearching(false);
    }
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
        <section class="found" aria-label="Search results" aria-busy={searching}>
          <div class="found-head">
            <strong role="status">{searching ? `Searching… ${found.length} found so far` : `${found.length} found`}</strong>{' '}
            <button type="button" class="link" onClick={clearSearch}>
              clear
            </button>
          </div>
          <ErrorBox error={searchError} />
          {partial && !searching && <p class="muted small">Only the first matches are shown: type more of the name or code.</p>}
          {!searching && !found.length && !searchError && <p class="muted small">No organization you can reach has that name or code.</p>}
          <ul>
            {found.map((o) => (
              <li key={o.organization_id}>
                <a href={`#/org/${enc(o.organization_id)}/details`}>{o.name}</a> {o.code && <code class="node-code">{o.code}</code>}
              </li>
            ))}
          </ul>
        </section>
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
