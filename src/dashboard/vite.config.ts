/**
 * Builds the dashboard's single-page app (src/dashboard/app) into dist/dashboard-app, which
 * `kubefed dashboard` serves: Preact through esbuild's JSX transform, one hashed script and one
 * stylesheet, nothing loaded from elsewhere at run time.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./app'),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: here('../../dist/dashboard-app'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
  },
});
