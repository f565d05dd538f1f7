/** The parts of workerd's and the test pool's built-in modules the tests use. */
declare module "cloudflare:workers" {
  export const exports: unknown;
}
declare module "cloudflare:test" {
  export const env: Record<string, unknown>;
  export function createExecutionContext(): { waitUntil(promise: Promise<unknown>): void };
  export function waitOnExecutionContext(ctx: unknown): Promise<void>;
}
