/**
 * The audio input's framing: an endless mono WAV of 32-bit float samples on fd 3, read by ffmpeg's `wav` demuxer
 * in 20 ms packets.
 *
 * Why not raw s16le: ffmpeg's raw PCM demuxer reads packets of a power-of-two number of samples near a tenth of a
 * second (2048 at 24 kHz, 85 ms) and waits until a whole one has arrived. A live stream's Opus then left in bursts
 * of four packets every 85 ms (RTP gap median 4–8 ms), and Chromium's audio jitter buffer held 120–430 ms to absorb
 * them. The `wav` demuxer takes a packet size (`-max_size`, at least 1024 bytes; 20 ms at 24 kHz is 1920 bytes of
 * float). With 20 ms packets the Opus leaves the live tee one packet at a time (median gap 22 ms; each waits for
 * the tee's next packet, so gaps range 2–44 ms), and the audio jitter buffer held 66–213 ms in the same test.
 *
 * Float, not 16-bit: for 16-bit PCM (format tag 1) the demuxer first reads 64 KB (1.4 s at 24 kHz) to look for
 * S/PDIF data before it opens, which would hold a live stream's start back that long; and AAC and Opus encode
 * from float anyway.
 */
import { endianness } from 'node:os';

/** The packet ffmpeg reads: 20 ms, as the session clock produces audio. */
const PACKET_MS = 20;
/** The `wav` demuxer's smallest `-max_size`. */
const MIN_PACKET_BYTES = 1024;
const BYTES_PER_SAMPLE = 4;
/** WAVE_FORMAT_IEEE_FLOAT. */
const FORMAT_FLOAT = 3;
/** The size fields of a stream of unknown length (the demuxer is told to ignore them). */
const UNKNOWN_LENGTH = 0xffffffff;

const hostIsLittleEndian = endianness() === 'LE';

/** ffmpeg's input options for the stream on fd 3: `wav`, sizes ignored, 20 ms packets. */
export function wavInputArgs(sampleRate: number): string[] {
  return [
    '-f',
    'wav',
    '-ignore_length',
    '1',
    '-max_size',
    String(wavPacketBytes(sampleRate)),
    '-i',
    'pipe:3',
  ];
}

/** Bytes of one 20 ms packet at `sampleRate` (whole samples, never below the demuxer's minimum). */
export function wavPacketBytes(sampleRate: number): number {
  const samples = Math.round((sampleRate * PACKET_MS) / 1000);
  return Math.max(MIN_PACKET_BYTES, samples * BYTES_PER_SAMPLE);
}

/** The 44-byte header that starts the stream: RIFF/WAVE, one `fmt ` chunk (mono float32), a `data` chunk. */
export function wavStreamHeader(sampleRate: number): Uint8Array {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string) => header.set(Buffer.from(text, 'latin1'), offset);
  ascii(0, 'RIFF');
  view.setUint32(4, UNKNOWN_LENGTH, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, FORMAT_FLOAT, true);
  view.setUint16(22, 1, true); // channels
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * BYTES_PER_SAMPLE, true); // bytes per second
  view.setUint16(32, BYTES_PER_SAMPLE, true); // block align
  view.setUint16(34, BYTES_PER_SAMPLE * 8, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, UNKNOWN_LENGTH, true);
  return header;
}

/** Little-endian float32 bytes of 16-bit samples, each divided by 32768 (exact: no rounding). */
export function floatSampleBytes(pcm: Int16Array): Uint8Array {
  if (hostIsLittleEndian) {
    const floats = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) floats[i] = pcm[i]! / 32768;
    return new Uint8Array(floats.buffer);
  }
  const out = new Uint8Array(pcm.length * BYTES_PER_SAMPLE);
  const view = new DataView(out.buffer);
  pcm.forEach((sample, i) => view.setFloat32(i * BYTES_PER_SAMPLE, sample / 32768, true));
  return out;
}
