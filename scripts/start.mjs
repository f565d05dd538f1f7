#!/usr/bin/env node
// `npm start`. The HTTP API and its embedded database are not built yet; say so plainly.
console.log(`prunelab ${process.env.npm_package_version ?? ""}

\`npm start\` will start the API in the Workers runtime with an embedded database once that is
wired (the HTTP handlers exist and are tested; see README.md). Today you can:

  npm test          type-check and run every test (Node and workerd)
  npm run migrate   create or update the embedded database under .data/pglite
  npm run bench:engine   time the §5.1 run in Node, workerd and NumPy
  npx tsx -e 'import("./src/core/index.ts").then(async (c) => console.log(await c.identifyRunSpec(c.parseRunSpec({}))))'
                    print the hash and canonical form of the paper's §5.1 spec
`);
