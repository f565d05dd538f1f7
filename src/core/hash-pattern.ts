/** A spec hash: SHA-256 as 64 lowercase hex digits (docs/architecture.md, Identity and hashing). */
export const HASH_PATTERN = /^[0-9a-f]{64}$/;
