// Sign-in: OAuth 2.0 authorization code with PKCE (S256) against the configured OIDC issuer;
// locally the development issuer of orgs-local. The ID token is kept in session storage only and
// sent as `Authorization: Bearer`, which the API's authorizer verifies (R31).
import { config, issuer } from './config';

const TOKEN = 'orgs.id_token';
const PENDING = 'orgs.pkce';

const b64url = (bytes: ArrayBuffer | Uint8Array): string =>
  btoa(String.fromCharCode(...new Uint8Array(bytes as ArrayBuffer)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const random = (n: number): string => b64url(crypto.getRandomValues(new Uint8Array(n)));

interface Endpoints {
  authorization_endpoint: string;
  token_endpoint: string;
}

async function endpoints(): Promise<Endpoints> {
  const iss = issuer();
  if (!config().issuer) return { authorization_endpoint: `${iss}/authorize`, token_endpoint: `${iss}/token` };
  const r = await fetch(`${iss}/.well-known/openid-configuration`);
  if (!r.ok) throw new Error(`The identity provider's discovery document answered ${r.status}.`);
  return r.json();
}

const redirectUri = (): string => `${location.origin}${location.pathname}`;

export async function signIn(): Promise<void> {
  const verifier = random(32);
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = random(16);
  const ep = await endpoints();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, back: location.hash }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: config().client_id,
    redirect_uri: redirectUri(),
    scope: config().scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${ep.authorization_endpoint}?${q}`);
}

/** Finishes a sign-in when the page is the issuer's redirect back; returns an error to show. */
export async function completeSignIn(): Promise<string | null> {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', redirectUri() + (pending?.back || ''));
  if (q.has('error')) return `Sign-in failed: ${q.get('error')} ${q.get('error_description') || ''}`;
  if (!pending || pending.state !== q.get('state')) return 'Sign-in failed: the answer does not match this sign-in.';
  const ep = await endpoints();
  const r = await fetch(ep.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: q.get('code') || '',
      code_verifier: pending.verifier,
      redirect_uri: redirectUri(),
      client_id: config().client_id,
    }),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok || !body.id_token) return `Sign-in failed: ${body.error_description || body.error || r.status}`;
  sessionStorage.setItem(TOKEN, body.id_token);
  return null;
}

export const token = (): string | null => {
  const t = sessionStorage.getItem(TOKEN);
  if (!t) return null;
  const c = claims(t);
  if (c?.exp && c.exp * 1000 < Date.now()) {
    sessionStorage.removeItem(TOKEN);
    return null;
  }
  return t;
};

export function claims(t = sessionStorage.getItem(TOKEN)): Record<string, any> | null {
  try {
    const part = (t || '').split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  } catch {
    return null;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN);
  location.hash = '';
  location.reload();
}
