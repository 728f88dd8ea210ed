import { defineConfig } from 'drizzle-kit';

// Migrations are generated from src/db/<domain>/schema.ts (engine, print, tracking) and applied by src/db/migrate.ts;
// the same SQL files run on PGlite and on PostgreSQL.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/*/schema.ts',
  out: './drizzle',
});
