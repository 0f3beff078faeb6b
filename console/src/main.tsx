import { render } from 'preact';
import './style.css';
import { loadConfig } from './config';
import { completeSignIn } from './auth';
import { App } from './app';

(async () => {
  await loadConfig();
  const signInError = await completeSignIn();
  render(<App signInError={signInError} />, document.getElementById('app')!);
})();
