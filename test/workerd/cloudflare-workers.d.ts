/** The parts of workerd's and the test pool's built-in modules the tests use. */
declare module "cloudflare:workers" {
  export const exports: unknown;
}
declare module "cloudflare:test" {
  export const env: Cloudflare.Env;
  export function createExecutionContext(): ExecutionContext;
  export function waitOnExecutionContext(ctx: unknown): Promise<void>;
}
