import type { RawData } from 'ws';

/** A received WebSocket message as UTF-8 text, whatever shape `ws` delivered it in. */
export function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** The `Payload.ReqId` of a parsed frame, even one that failed validation, so its error can name it; else "". */
export function reqIdOf(json: unknown): string {
  if (typeof json !== 'object' || json === null) return '';
  const payload = (json as { Payload?: unknown }).Payload;
  if (typeof payload !== 'object' || payload === null) return '';
  const reqId = (payload as { ReqId?: unknown }).ReqId;
  return typeof reqId === 'string' && reqId.length <= 128 ? reqId : '';
}
