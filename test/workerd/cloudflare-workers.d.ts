/** The part of workerd's built-in module the tests use (full types: @cloudflare/workers-types). */
declare module "cloudflare:workers" {
  export const exports: unknown;
}
