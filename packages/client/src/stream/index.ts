/**
 * Playing a session's server-rendered stream in a web page over WHEP (WebRTC). Exported by `@dhuman/client` and
 * bundled alone as `/dhuman/sdk/dhuman-stream.js` (global `DhumanStream`) and `/dhuman/sdk/dhuman-stream.mjs`.
 */
export { whepEndpointFromPlayAddress } from './endpoint.js';
export { parseIceServerLinks } from './ice-links.js';
export { streamStatsFrom } from './stats.js';
export type { StatsReportLike, StreamStats } from './stats.js';
export { WhepError } from './whep-error.js';
export { playWhep } from './whep-player.js';
export type { WhepOptions, WhepPlayback } from './whep-player.js';
