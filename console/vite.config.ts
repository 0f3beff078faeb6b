import { defineConfig } from 'vite';

// A static bundle served under /console (orgs-local locally, CloudFront deployed). No inline
// script or style ends up in index.html, so the console runs under a strict CSP.
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npm run dev`: the console with hot reload, every other path to a running ./scripts/serve.
  server: { proxy: { '^/(?!console/).*': process.env.ORGS_API || 'http://127.0.0.1:3000' } },
  build: { target: 'es2022', modulePreload: { polyfill: false }, assetsInlineLimit: 0, reportCompressedSize: true },
});
