/** A fresh `ReqId`: 32 lowercase hex digits, the dash-less UUID form the IVH docs require (spec §2.1). */
export function newReqId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
