// The signature layer pf push writes and pf pull checks: HMAC-SHA256 of the manifest bytes, with
// $PF_OCI_REG_SIGN_KEY or pf's public default key (so by default it proves integrity, not authorship).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_MEDIA_TYPE = 'application/vnd.processfork.signature.v1+json';
export const DEFAULT_SIGN_KEY = 'processfork-default-self-sign-key.v1';

/**
 * As pf: a set variable is the key, even when empty (pf signs with the empty key then); unset means the default.
 * Each registry kind has its own variable (`PF_OCI_REG_SIGN_KEY`, `PF_FILE_REG_SIGN_KEY`, `PF_S3_REG_SIGN_KEY`).
 */
export function signingKey(env: NodeJS.ProcessEnv = process.env, variable = 'PF_OCI_REG_SIGN_KEY'): string {
  return env[variable] ?? DEFAULT_SIGN_KEY;
}

export function signManifest(manifest: Uint8Array, key = signingKey()): Buffer {
  const body = {
    algorithm: 'hmac-sha256',
    manifest_digest: createHash('sha256').update(manifest).digest('hex'),
    signature: createHmac('sha256', key).update(manifest).digest('hex'),
  };
  return Buffer.from(JSON.stringify(body));
}

/** Says what is wrong with a signature blob, or undefined when it validates. */
export function checkSignature(signature: Uint8Array, manifest: Uint8Array, key = signingKey()): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(signature).toString('utf8'));
  } catch {
    return 'the signature layer is not JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return 'the signature layer is not a JSON object';
  }
  const body = parsed as { algorithm?: unknown; manifest_digest?: unknown; signature?: unknown };
  if (body.algorithm !== 'hmac-sha256') {
    // Not quoted: the registry's bytes (a value nested 100,000 deep would not even stringify).
    return 'the signature names an algorithm other than hmac-sha256';
  }
  if (body.manifest_digest !== createHash('sha256').update(manifest).digest('hex')) {
    return 'the signature is for another manifest';
  }
  const expected = createHmac('sha256', key).update(manifest).digest();
  const given =
    typeof body.signature === 'string' && /^[0-9a-f]{64}$/.test(body.signature)
      ? Buffer.from(body.signature, 'hex')
      : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return 'the signature does not match the manifest (wrong key, or tampered)';
  }
  return undefined;
}
