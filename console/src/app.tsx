// The console's frame: sign-in, the organization tree on the left, the selected organization's
// page on the right. The route is the URL's hash: #/org/<id>/<tab>.
import { useEffect, useState } from 'preact/hooks';
import { claims, signIn, signOut, token } from './auth';
import { ApiError, enc, get, whenUnauthorized, type Obj } from './api';
import { ErrorBox, Loading } from './ui';
import { Tree } from './tree';
import { OrgPage } from './org/page';

function parseHash(): { org: string | null; tab: string } {
  const m = location.hash.match(/^#\/org\/([^/]+)(?:\/([a-z-]+))?/);
  return { org: m ? decodeURIComponent(m[1]) : null, tab: m?.[2] || 'details' };
}

export function navigate(org: string, tab = 'details') {
  location.hash = `#/org/${enc(org)}/${tab}`;
}

function SignIn({ error }: { error: string | null }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  return (
    <main class="signin">
      <div class="card">
        <h1>Organizations console</h1>
        <p class="muted">The organization tree, people, roles and the audit log of the organizations you can reach.</p>
        {error && <div class="error" role="alert">{error}</div>}
        {failure && <div class="error" role="alert">{failure}</div>}
        <button
          type="button"
          class="big"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await signIn();
            } catch (e) {
              setFailure((e as Error).message);
              setBusy(false);
            }
          }}
        >
          Sign in
        </button>
        <p class="muted small">You sign in with your organization's identity provider (locally: the development issuer).</p>
      </div>
    </main>
  );
}

export function App({ signInError }: { signInError: string | null }) {
  const [signedIn, setSignedIn] = useState(!!token());
  const [me, setMe] = useState<Obj | null>(null);
  const [meError, setMeError] = useState<unknown>(null);
  const [route, setRoute] = useState(parseHash());
  const [treeVersion, setTreeVersion] = useState(0);

  useEffect(() => {
    whenUnauthorized(() => setSignedIn(!!token()));
    const f = () => setRoute(parseHash());
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);

  useEffect(() => {
    if (!signedIn) return;
    const email = claims()?.email;
    if (!email) {
      setMeError(new ApiError(0, 'The identity token carries no email claim.', 'NO_EMAIL'));
      return;
    }
    get(`/users/by-email/${enc(email)}`)
      .then((r) => {
        setMe(r.data);
        if (!parseHash().org) navigate(r.data.organization_id);
      })
      .catch(setMeError);
  }, [signedIn]);

  if (!signedIn) return <SignIn error={signInError} />;
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/">
          Organizations console
        </a>
        <span class="who">
          {me ? (
            <>
              {me.email} · <span class="role">{me.role}</span>
            </>
          ) : null}
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <ErrorBox error={meError} />
      {me ? (
        <div class="layout">
          <nav class="side" aria-label="Organizations">
            <Tree rootId={me.organization_id} groups={me.user_groups || []} selected={route.org} version={treeVersion} />
          </nav>
          <main class="content">
            {route.org ? (
              <OrgPage key={route.org} id={route.org} tab={route.tab} me={me} onTreeChange={() => setTreeVersion((v) => v + 1)} />
            ) : (
              <p class="muted">Choose an organization.</p>
            )}
          </main>
        </div>
      ) : (
        !meError && <Loading />
      )}
    </div>
  );
}
