import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a token lets its holder do: watch (`play`) or feed (`publish`) one session's stream, or download one
 * video task's file until a time (`media`, the subject then names the file and the expiry).
 */
export type StreamTokenPurpose = 'play' | 'publish' | 'media';

const SECRET_FILE = 'stream-secret';
const SECRET_BYTES = 32;

/**
 * Tokens in play and publish URLs: an HMAC of the SessionId under a secret kept in the data dir, so a
 * `PlayStreamAddr` handed out before a restart still plays after it, and nobody can derive another session's
 * token from their own. A play token only watches; it cannot drive or close the session.
 */
export class StreamTokens {
  private constructor(private readonly secret: Buffer) {}

  /** Reads the data dir's secret, creating it (owner-only) on first use. */
  static open(dataDir: string): StreamTokens {
    const path = join(dataDir, SECRET_FILE);
    let secret: Buffer;
    try {
      secret = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
    } catch {
      secret = Buffer.alloc(0);
    }
    if (secret.length !== SECRET_BYTES) {
      secret = randomBytes(SECRET_BYTES);
      writeFileSync(path, `${secret.toString('hex')}\n`, { mode: 0o600 });
      chmodSync(path, 0o600); // `mode` applies only when the file is created, not to a corrupt one replaced
    }
    return new StreamTokens(secret);
  }

  /** 43 URL-safe characters. */
  token(sessionId: string, purpose: StreamTokenPurpose = 'play'): string {
    return createHmac('sha256', this.secret).update(`${purpose}:${sessionId}`).digest('base64url');
  }

  /** Constant-time check; anything that is not exactly the right token (missing, wrong length) is false. */
  verify(sessionId: string, token: unknown, purpose: StreamTokenPurpose = 'play'): boolean {
    if (typeof token !== 'string') return false;
    const expected = Buffer.from(this.token(sessionId, purpose));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
