/**
 * Defaults of a local installation, shared by `npm start`, the `prunelab` CLI and the companion
 * runner so that they find each other without configuration. Never defaults of a deployment.
 */

/** The port `npm start` serves the API on unless PORT is set. */
export const LOCAL_API_PORT = 8787;

/** The API the CLI and the runner talk to unless told otherwise (`--api`, PRUNELAB_API). */
export const LOCAL_API_URL = `http://127.0.0.1:${LOCAL_API_PORT}`;

/**
 * The runner token `npm start` gives its API unless RUNNER_TOKEN is set, and the one
 * `prunelab reproduce` presents by default. Public: it only suits an API on this machine.
 */
export const LOCAL_RUNNER_TOKEN = "local-runner-token-change-me";
