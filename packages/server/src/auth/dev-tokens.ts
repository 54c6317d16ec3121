import type { CredentialStore, TemporaryCredential, TemporaryCredentialStore } from '@dhuman/core';
import { newHexId } from '@dhuman/core';
import type { SigningCredential } from './signature-verifier.js';

export interface DevTokensOptions {
  store: TemporaryCredentialStore & CredentialStore;
  /** The appkey every token acts for: the credential the server ensured at start. */
  actsFor: string;
  ttlMs: number;
  /** Off (DHUMAN_DEV_TOKENS=0): nothing is issued and tokens issued earlier are no longer accepted. */
  enabled: boolean;
  now?: () => number;
}

/** Appkeys of temporary credentials start with this, so they are recognisable and never collide with others. */
const APPKEY_PREFIX = 'dev_';

/**
 * Temporary credentials for the local demo page: random appkey and accesstoken, valid for `ttlMs`, acting for
 * the server's own appkey. They are stored, so a restart keeps them valid until they expire; expired ones are
 * refused by the verifier ("credential expired") and purged whenever a new one is issued.
 */
export class DevTokens {
  private readonly now: () => number;

  constructor(private readonly opts: DevTokensOptions) {
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.opts.enabled;
  }

  issue(): TemporaryCredential {
    const at = this.now();
    this.opts.store.purgeExpiredTemporaryCredentials(at);
    const credential: TemporaryCredential = {
      appkey: `${APPKEY_PREFIX}${newHexId()}`,
      accesstoken: newHexId(),
      actsFor: this.opts.actsFor,
      createdAt: at,
      expiresAt: at + this.opts.ttlMs,
    };
    this.opts.store.putTemporaryCredential(credential);
    return credential;
  }

  /** Purges expired tokens; returns how many went. */
  purge(): number {
    return this.opts.store.purgeExpiredTemporaryCredentials(this.now());
  }

  /**
   * The signing view of a temporary credential, for the verifier. An expired one is still returned (the
   * verifier refuses it as expired); one whose appkey was revoked or deleted counts as revoked.
   */
  lookup(appkey: string): SigningCredential | undefined {
    if (!this.opts.enabled || !appkey.startsWith(APPKEY_PREFIX)) return undefined;
    const temporary = this.opts.store.getTemporaryCredential(appkey);
    if (!temporary) return undefined;
    const target = this.opts.store.getCredential(temporary.actsFor);
    return {
      accesstoken: temporary.accesstoken,
      revokedAt: target ? target.revokedAt : temporary.createdAt,
      actsFor: temporary.actsFor,
      expiresAt: temporary.expiresAt,
    };
  }
}
