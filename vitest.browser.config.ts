import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The browser tests: real Chromium against a real Pressroom. Run by `npm run test:browser`
// (CI runs it after the suite); they need Debian's `chromium` package.
export default defineConfig({
  resolve: base.resolve,
  test: {
    ...base.test,
    include: ['test/browser/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    maxWorkers: 1,
    passWithNoTests: true,
  },
});
