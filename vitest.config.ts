import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One graphql, as in production: Vite would load graphql's ESM build for src/ beside the
    // CommonJS build that Pothos and Yoga load, and objects of one fail `instanceof` in the other.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', '**/node_modules/**'],
    globalSetup: ['test/support/globalSetup.ts'],
    pool: 'forks',
    // Two cores: two test files at a time, each with its own database.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
