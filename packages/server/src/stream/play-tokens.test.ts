import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamTokens } from './play-tokens.js';

const SECRET_FILE = 'stream-secret';
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dhuman-tokens-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('StreamTokens', () => {
  it('makes 43 URL-safe characters per session', () => {
    const tokens = StreamTokens.open(dataDir());
    for (const id of ['s1', 'a-much-longer-session-id_0123456789', '']) {
      expect(tokens.token(id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(tokens.token(id, 'publish')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    expect(tokens.token('s1')).not.toBe(tokens.token('s2'));
  });

  it('keeps its secret in the data dir, owner-only, so tokens survive a restart', () => {
    const dir = dataDir();
    const first = StreamTokens.open(dir);
    const path = join(dir, SECRET_FILE);
    expect(readFileSync(path, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = StreamTokens.open(dir);
    expect(second.token('s1')).toBe(first.token('s1'));
    expect(second.token('s1', 'publish')).toBe(first.token('s1', 'publish'));
    expect(second.verify('s1', first.token('s1'))).toBe(true);
  });

  it('gives another data dir (another secret) other tokens', () => {
    const a = StreamTokens.open(dataDir());
    const b = StreamTokens.open(dataDir());
    expect(a.token('s1')).not.toBe(b.token('s1'));
    expect(b.verify('s1', a.token('s1'))).toBe(false);
  });

  it('keeps play and publish tokens apart: one never passes for the other', () => {
    const tokens = StreamTokens.open(dataDir());
    const play = tokens.token('s1');
    const publish = tokens.token('s1', 'publish');
    expect(play).toBe(tokens.token('s1', 'play'));
    expect(publish).not.toBe(play);
    expect(tokens.verify('s1', play)).toBe(true);
    expect(tokens.verify('s1', publish, 'publish')).toBe(true);
    expect(tokens.verify('s1', publish)).toBe(false);
    expect(tokens.verify('s1', play, 'publish')).toBe(false);
  });

  it('refuses anything but the exact token of that session', () => {
    const tokens = StreamTokens.open(dataDir());
    const token = tokens.token('s1');
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const wrong of [
      undefined,
      null,
      42,
      [token],
      { token },
      '',
      'x'.repeat(43),
      flipped,
      token.slice(0, 42),
      token.slice(0, 20),
      `${token}=`,
      `${token} `,
      tokens.token('s2'),
    ]) {
      expect(tokens.verify('s1', wrong), JSON.stringify(wrong)).toBe(false);
    }
    expect(tokens.verify('s2', token)).toBe(false);
    expect(tokens.verify('s1', token)).toBe(true);
  });

  it.each([
    ['garbage', 'not hex at all\n'],
    ['a short secret', 'abcd\n'],
    ['an empty file', ''],
  ])('replaces a corrupt secret file (%s) with a fresh secret, then keeps it', (_what, content) => {
    const dir = dataDir();
    const path = join(dir, SECRET_FILE);
    writeFileSync(path, content, { mode: 0o600 });
    const first = StreamTokens.open(dir);
    expect(readFileSync(path, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(StreamTokens.open(dir).token('s1')).toBe(first.token('s1'));
  });

  it('makes a replaced secret file owner-only too', () => {
    const dir = dataDir();
    const path = join(dir, SECRET_FILE);
    writeFileSync(path, 'corrupt\n');
    chmodSync(path, 0o644);
    StreamTokens.open(dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
