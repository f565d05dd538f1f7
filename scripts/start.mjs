#!/usr/bin/env node
// `npm start`. The HTTP API and its embedded database are not built yet; say so plainly.
console.log(`prunelab ${process.env.npm_package_version ?? ""}

The HTTP API is not built yet: \`npm start\` will start it in the Workers runtime with an
embedded database once it lands. Today prunelab is a library of its pure core:

  npm test          type-check and run every test (Node and workerd)
  npx tsx -e 'import("./src/core/index.ts").then(async (c) => console.log(await c.identifyRunSpec(c.parseRunSpec({}))))'
                    print the hash and canonical form of the paper's §5.1 spec
`);
