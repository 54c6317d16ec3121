import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AVATAR_FORMAT, AVATAR_LIMITS, AvatarFormatError, parseAvatarManifest } from './format.js';

const builtin = (key: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../avatars/${key}/avatar.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

/** The built-in `ava` with `change` applied to a deep copy. */
function ava(change: (manifest: Record<string, unknown> & { layers: Record<string, unknown>[] }) => void) {
  const manifest = structuredClone(builtin('ava')) as Record<string, unknown> & {
    layers: Record<string, unknown>[];
  };
  change(manifest);
  return manifest;
}

function formatError(json: unknown): AvatarFormatError {
  try {
    parseAvatarManifest(json);
  } catch (error) {
    if (error instanceof AvatarFormatError) return error;
    throw error;
  }
  throw new Error('expected an AvatarFormatError');
}

describe('parseAvatarManifest', () => {
  it.each(['ava', 'leo'])('accepts the built-in %s', (key) => {
    const manifest = parseAvatarManifest(builtin(key));
    expect(manifest.format).toBe(AVATAR_FORMAT);
    expect(manifest.key).toBe(key);
    expect(manifest.layers.length).toBeGreaterThan(10);
  });

  it('fills in idle, blink and seed defaults', () => {
    const manifest = parseAvatarManifest(
      ava((m) => {
        delete m.idle;
        delete m.blink;
        delete m.seed;
      }),
    );
    expect(manifest.seed).toBe(1);
    expect(manifest.idle.breathPeriodSec).toBeGreaterThan(0);
    expect(manifest.blink.meanIntervalSec).toBeGreaterThan(0);
  });

  it('rejects another format string, naming the field', () => {
    const error = formatError(ava((m) => (m.format = 'dhuman-avatar/2')));
    expect(error.message).toMatch(/^format: /);
    expect(error.issues[0]?.path).toBe('format');
  });

  it('rejects a layer whose path data is too long, naming the layer', () => {
    const error = formatError(
      ava((m) => {
        const layer = m.layers[3];
        if (layer) layer.path = 'M0,0' + ' L1,1'.repeat(AVATAR_LIMITS.pathChars / 5);
      }),
    );
    expect(error.message).toMatch(/^layers\[3\]\.path: /);
  });

  it('caps the path data of all layers together', () => {
    const long = 'M0,0' + ' L1,1'.repeat(Math.floor((AVATAR_LIMITS.pathChars - 10) / 5));
    const count = Math.ceil(AVATAR_LIMITS.totalPathChars / long.length) + 1;
    const error = formatError(
      ava((m) => {
        m.layers = Array.from({ length: count }, () => ({ group: 'body', path: long, fill: '#000000' }));
      }),
    );
    expect(error.message).toMatch(/^layers\[\d+\]\.path: .*in all/);
  });

  it('rejects path data that is not path data', () => {
    const error = formatError(
      ava((m) => {
        const layer = m.layers[0];
        if (layer) layer.path = 'M0,0 <script>';
      }),
    );
    expect(error.message).toMatch(/^layers\[0\]\.path: /);
  });

  it('rejects NaN and infinite numbers, naming the field', () => {
    expect(formatError(ava((m) => ((m.mouth as { width: number }).width = NaN))).message).toMatch(
      /^mouth\.width: /,
    );
    expect(formatError(ava((m) => ((m.eyes as { left: number[] }).left = [216, Infinity]))).message).toMatch(
      /^eyes\.left\[1\]: /,
    );
  });

  it('rejects unknown keys, at the top and inside layers', () => {
    expect(formatError(ava((m) => (m.extra = 1))).message).toMatch(/^\(manifest\): .*extra/);
    const error = formatError(
      ava((m) => {
        const layer = m.layers[2];
        if (layer) layer.blend = 'multiply';
      }),
    );
    expect(error.message).toMatch(/^layers\[2\]: .*blend/);
  });

  it('rejects a bad colour and a bad key, and reports every issue', () => {
    const error = formatError(
      ava((m) => {
        m.key = 'Not A Key';
        (m.mouth as { lipColor: string }).lipColor = 'red';
      }),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(['key', 'mouth.lipColor']);
    expect(error.message).toMatch(/^key: .*\(and 1 more\)$/);
  });

  it('says which field is missing', () => {
    expect(formatError(ava((m) => delete m.mouth)).message).toBe('mouth: is required');
  });

  it('rejects what is not an object', () => {
    expect(formatError(null).message).toMatch(/^\(manifest\): /);
  });
});
