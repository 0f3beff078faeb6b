// The API client: every call goes to the public API with the signed-in caller's token. Errors
// keep the API's own message and code, for the UI to show as they are.
import { apiBase } from './config';
import { token } from './auth';

export type Obj = Record<string, any>;

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public code: string,
    public details: Obj[] = [],
  ) {
    super(message);
  }
}

export interface Envelope<T = any> {
  message: string;
  data: T;
  total?: number | null;
  next_cursor?: string | null;
}

let onUnauthorized: () => void = () => {};
export const whenUnauthorized = (f: () => void) => (onUnauthorized = f);

export async function call<T = any>(method: string, path: string, body?: unknown): Promise<Envelope<T>> {
  const headers: Record<string, string> = { 'X-Request-ID': crypto.randomUUID() };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let r: Response;
  try {
    r = await fetch(apiBase() + path, { method, headers, body: payload });
  } catch (e) {
    throw new ApiError(0, `The API could not be reached (${(e as Error).message}).`, 'NETWORK_ERROR');
  }
  const text = await r.text();
  let json: Obj = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!r.ok) {
    if (r.status === 401) onUnauthorized();
    throw new ApiError(r.status, json.message || r.statusText, json.error?.code || `HTTP_${r.status}`, json.error?.details || []);
  }
  return json as Envelope<T>;
}

export const enc = encodeURIComponent;
export const get = <T = any>(p: string) => call<T>('GET', p);
export const post = <T = any>(p: string, b?: unknown) => call<T>('POST', p, b ?? {});
export const patch = <T = any>(p: string, b: unknown) => call<T>('PATCH', p, b);
export const put = <T = any>(p: string, b?: unknown) => call<T>('PUT', p, b);
export const del = <T = any>(p: string) => call<T>('DELETE', p);

/** One page of the direct children of an organization, as far as the caller may list them. */
export async function children(id: string, cursor?: string | null): Promise<{ kids: Obj[]; cursor: string | null }> {
  const r: Envelope<Obj[]> = await post('/organizations/filter', {
    parent_organization_id: id,
    include_organization_configuration: true,
    include_organizations_with_no_access: true,
    limit: 100,
    ...(cursor ? { cursor } : {}),
  });
  return { kids: r.data, cursor: r.next_cursor || null };
}

/** The caller's effective permissions in an organization, as the API reported them. */
export const perms = (o: Obj | null | undefined): string[] => (o?.permissions || []).map((p: Obj | string) => (typeof p === 'string' ? p : p.permission_id));
export const can = (o: Obj | null | undefined, perm: string): boolean => perms(o).includes(perm);

export const when = (ms?: number | string | null): string =>
  ms == null || ms === '' ? '' : new Date(typeof ms === 'string' && !/^\d+$/.test(ms) ? ms : Number(ms)).toLocaleString();
