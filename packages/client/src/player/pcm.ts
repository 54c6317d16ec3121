/**
 * Client-render audio (spec §6.2): Base64 of signed 16-bit little-endian mono PCM. Decoded straight into the
 * float samples Web Audio plays, in one pass over `atob`'s output (native, and no string is built per sample).
 * A trailing odd byte, which no whole sample owns, is dropped.
 */
export function decodePcmBase64(base64: string): Float32Array {
  const bytes = atob(base64);
  const samples = new Float32Array(bytes.length >> 1);
  for (let i = 0, b = 0; i < samples.length; i++, b += 2) {
    // Little-endian pair, then sign-extended from 16 bits by the shift pair.
    const value = ((bytes.charCodeAt(b) | (bytes.charCodeAt(b + 1) << 8)) << 16) >> 16;
    samples[i] = value / 32768;
  }
  return samples;
}
