import { describe, expect, it } from 'vitest';
import { CHUNK_SAMPLES, pcmChunks, pcmToBase64 } from './pcm.js';

async function collect(source: Parameters<typeof pcmChunks>[0]): Promise<Int16Array[]> {
  const chunks: Int16Array[] = [];
  for await (const chunk of pcmChunks(source)) chunks.push(chunk);
  return chunks;
}

describe('pcmChunks', () => {
  it('cuts one array into 2560-sample chunks, the last one shorter', async () => {
    const samples = Int16Array.from({ length: CHUNK_SAMPLES * 2 + 100 }, (_, i) => i);
    const chunks = await collect(samples);
    expect(chunks.map((c) => c.length)).toEqual([2560, 2560, 100]);
    expect(chunks[1]?.[0]).toBe(2560);
    expect(chunks[2]?.[99]).toBe(CHUNK_SAMPLES * 2 + 99);
  });

  it('joins small blocks of a stream into whole chunks without losing or reordering samples', async () => {
    async function* microphone() {
      for (let block = 0; block < 50; block++) {
        // A real microphone hands blocks over asynchronously, one event-loop turn apart.
        await Promise.resolve();
        yield Int16Array.from({ length: 128 }, (_, i) => block * 128 + i);
      }
    }
    const chunks = await collect(microphone());
    expect(chunks.map((c) => c.length)).toEqual([2560, 2560, 1280]);
    const joined = chunks.flatMap((c) => [...c]);
    expect(joined).toEqual(Array.from({ length: 6400 }, (_, i) => i));
  });

  it('yields nothing for no samples', async () => {
    expect(await collect(new Int16Array(0))).toEqual([]);
  });
});

describe('pcmToBase64', () => {
  it('writes s16le bytes', () => {
    const bytes = Uint8Array.from(atob(pcmToBase64(Int16Array.of(0x0102, -2))), (c) => c.charCodeAt(0));
    expect([...bytes]).toEqual([0x02, 0x01, 0xfe, 0xff]);
  });

  it('encodes a whole 160 ms chunk as 5120 bytes', () => {
    const encoded = pcmToBase64(new Int16Array(CHUNK_SAMPLES).fill(-1));
    expect(atob(encoded)).toHaveLength(5120);
  });
});
