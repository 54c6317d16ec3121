import { createHmac, timingSafeEqual } from 'node:crypto';
import { compareCodeUnits, ERRORS, IvhError, signingText } from '@dhuman/protocol';

export interface VerifiedCaller {
  /**
   * The appkey the request acts for: everything it creates or reads belongs to this one. It is the signing
   * appkey, except for a temporary credential, which acts for the appkey that it was issued for.
   */
  appkey: string;
  /** The appkey in the query, whose accesstoken signed the request. */
  signedBy: string;
  /** The decoded query, e.g. for `requestid` on WebSocket upgrades. */
  query: URLSearchParams;
}

/** What the verifier needs of a credential: a stored `Credential` is one, a temporary one adds two fields. */
export interface SigningCredential {
  accesstoken: string;
  revokedAt: number | null;
  /** The appkey its requests act for; absent for an ordinary credential (its own). */
  actsFor?: string;
  /** Unix ms from which it is refused; absent for an ordinary credential (never). */
  expiresAt?: number;
}

export interface VerifierOptions {
  lookup: (appkey: string) => SigningCredential | undefined;
  windowSec: number;
  nowSec?: () => number;
}

const REQUIRED = ['appkey', 'timestamp', 'signature'] as const;
const TIMESTAMP = /^\d{1,12}$/;
const localeOrder = (a: string, b: string): number => a.localeCompare(b);

function hmac(accesstoken: string, text: string): string {
  return createHmac('sha256', accesstoken).update(text, 'utf8').digest('base64');
}

/** Constant-time string comparison; unequal lengths still compare a buffer against itself to take the same path. */
function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

function refuse(detail: string): IvhError {
  return new IvhError(ERRORS.UNAUTHORIZED, detail);
}

/**
 * Verifies the IVH query signature (spec §1.3, §9.1) of a raw query string.
 *
 * Values are percent-decoded the way a form decoder does, so an unencoded `+` in the signature becomes a space
 * and fails, as on the real service; `/` passes raw or as `%2F`; parameter order in the URL does not matter.
 * Signed URLs may be reused inside the window because the vendor SDK caches them. Node's HMAC is used here
 * (the protocol package's WebCrypto signer gives the same bytes, tested) because it is synchronous and fast.
 */
export function verifySignedQuery(rawQuery: string, options: VerifierOptions): VerifiedCaller {
  const query = new URLSearchParams(rawQuery);
  for (const name of REQUIRED) {
    const values = query.getAll(name);
    if (values.length === 0 || values[0] === '') throw refuse(`query parameter "${name}" is missing`);
    if (values.length > 1) throw refuse(`query parameter "${name}" appears more than once`);
  }
  const appkey = query.get('appkey') ?? '';
  const timestamp = query.get('timestamp') ?? '';
  const signature = query.get('signature') ?? '';

  if (!TIMESTAMP.test(timestamp)) throw refuse('timestamp must be Unix time in whole seconds');
  const now = options.nowSec?.() ?? Math.floor(Date.now() / 1000);
  const skew = Number(timestamp) - now;
  if (Math.abs(skew) > options.windowSec) {
    throw refuse(
      `timestamp is ${Math.abs(skew)} s ${skew < 0 ? 'old' : 'in the future'}; ` +
        `it must be within ${options.windowSec} s of server time`,
    );
  }

  const credential = options.lookup(appkey);
  if (!credential) throw refuse(`unknown appkey "${appkey.slice(0, 64)}"`);
  if (credential.revokedAt !== null) throw refuse(`appkey "${appkey}" has been revoked`);

  const pairs = [...query.entries()];
  const canonical = signingText(pairs, compareCodeUnits);
  // One real client sorts keys with localeCompare; that differs only when a key has uppercase letters.
  const alternative = signingText(pairs, localeOrder);
  if (
    safeEqual(hmac(credential.accesstoken, canonical), signature) ||
    (alternative !== canonical && safeEqual(hmac(credential.accesstoken, alternative), signature))
  ) {
    // Checked only once the signature holds, so only the holder of the credential learns it expired.
    const nowMs = options.nowSec ? options.nowSec() * 1000 : Date.now();
    if (credential.expiresAt !== undefined && credential.expiresAt <= nowMs) {
      throw refuse('credential expired; get a new one');
    }
    return { appkey: credential.actsFor ?? appkey, signedBy: appkey, query };
  }
  throw refuse(
    signature.includes(' ')
      ? 'signature does not match: it contains a space, so a "+" was sent unencoded; URL-encode the signature (+ as %2B)'
      : 'signature does not match; sign every query parameter except signature, sorted by name, with the accesstoken',
  );
}
