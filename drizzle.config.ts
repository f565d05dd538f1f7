import { defineConfig } from "drizzle-kit";

/** `npx drizzle-kit generate` writes migrations from src/store/schema.ts; `npm run migrate` applies them. */
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema.ts",
  out: "./migrations",
});
