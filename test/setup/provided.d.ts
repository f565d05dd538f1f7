declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the throwaway PostgreSQL cluster the Node project's global setup started. */
    postgresUrl: string;
  }
}
export {};
