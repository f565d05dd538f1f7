import { openPglite } from "./databases.js";
import { defineStoreSuite } from "./suite.js";

defineStoreSuite("PGlite (embedded)", openPglite);
