import { openPostgresViaNeon } from "./databases.js";
import { defineStoreSuite } from "./suite.js";

defineStoreSuite("PostgreSQL through the Neon driver and the WebSocket proxy", openPostgresViaNeon);
