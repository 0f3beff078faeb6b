import { defineConfig } from 'vite';

// A static bundle served under /console (orgs-local locally, CloudFront deployed). No inline
// script or style ends up in index.html, so the console runs under a strict CSP.
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { target: 'es2022', modulePreload: { polyfill: false }, assetsInlineLimit: 0, reportCompressedSize: true },
});
