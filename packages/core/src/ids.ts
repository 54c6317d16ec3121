import { randomBytes, randomInt } from 'node:crypto';

/** Session ids look like the real service's (`m318552187863054171`): `m` and 18 digits. */
export function newSessionId(): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < 18) digits += String(randomInt(0, 10));
  return `m${digits}`;
}

/** 32 lowercase hex characters, the shape of IVH appkeys, accesstokens and ReqIds. */
export function newHexId(): string {
  return randomBytes(16).toString('hex');
}
