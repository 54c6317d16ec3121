import { ERRORS } from './errors.js';

/** The header of the generated `docs/reference/errors.md`. */
const INTRO = `# Error codes

Generated from \`packages/protocol/src/errors.ts\` by \`npm run docs:errors\`; a test fails when the two differ.

Every HTTP response is status 200 with the code in \`Header.Code\` (0 = success) and the message in
\`Header.Message\`, formatted \`<message>: <detail>\` where the detail says what was wrong. Command-channel error
events carry the same code in \`Payload.ErrorCode\`. A refused WebSocket upgrade answers the HTTP status below
with the same envelope as its body.

Choices dhuman made where the IVH docs are silent (spec §2.3, §8):
- Authentication failures (unknown appkey, bad signature, stale timestamp, missing parameter) are \`100005\`.
- An unknown \`VirtualmanProjectId\` or \`AssetVirtualmanKey\`, an unknown path and a wrong method are \`100001\`.
- \`Protocol: "trtc"\` is \`100001\`: TRTC needs Tencent's cloud; use \`webrtc\` or \`rtmp\`.
- Sessions left live by a process that died are closed at the next start with \`-111002\` and \`CloseType\` 4.
- \`ExtraInfo.AlphaChannelEnable: true\` is \`100001\`: every stream is H.264, which carries no alpha channel.
- A live stream that stops (ffmpeg died, an RTMP push refused or dropped, the renderer failed) is \`-111001\`: a
  Type 9 event on the session's channel and \`ErrorCode\`/\`ErrorMessage\` on statsession while the session stays
  live (status 1). An rtmp push is retried with backoff (1 s doubling to 30 s); the code clears once a stream runs.
- \`100008\` also answers createsession (and, as HTTP 503, a new WHEP or HLS viewer) when the machine is streaming
  at its capacity (\`DHUMAN_STREAM_CAPACITY\`).
- Codes \`-112001\` to \`-112003\` are dhuman's own (IVH documents none for them), for its dialogue engines and
  voice channel: an engine failure is a Type 9 event without \`SpeakStatus\` (the answer goes on with the
  engine's fallback), and a recogniser failure closes the voice channel (docs/guides/conversation.md).

| Code | Name | Message | Service | Upgrade HTTP status |
|---:|---|---|---|---:|
`;

export function errorsMarkdown(): string {
  const rows = Object.values(ERRORS)
    .filter((e) => e.code !== 0)
    .sort((a, b) => Math.abs(a.code) - Math.abs(b.code) || a.code - b.code)
    .map((e) => `| ${e.code} | \`${e.name}\` | ${e.message} | ${e.service} | ${e.upgradeStatus} |`);
  return `${INTRO}${rows.join('\n')}\n`;
}
