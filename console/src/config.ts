// Where the console finds the API and the identity provider: config.json next to the bundle
// (written at deploy time; the committed one is for the local stack).
export interface Config {
  /** The API's base URL; empty: the console's own origin (orgs-local serves both). */
  api_url: string;
  /** The OIDC issuer; empty: the development issuer of orgs-local at <origin>/dev/oidc. */
  issuer: string;
  client_id: string;
  scope: string;
}

let current: Config = { api_url: '', issuer: '', client_id: 'orgs-local', scope: 'openid email' };

export async function loadConfig(): Promise<Config> {
  try {
    const r = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
    if (r.ok) current = { ...current, ...(await r.json()) };
  } catch {
    /* the defaults: the local stack */
  }
  return current;
}

export const config = (): Config => current;
export const apiBase = (): string => current.api_url.replace(/\/$/, '');
export const issuer = (): string => (current.issuer || `${location.origin}/dev/oidc`).replace(/\/$/, '');
