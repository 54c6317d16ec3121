import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamTokens } from '../stream/play-tokens.js';
import { MediaLinks } from './media-links.js';

const dir = mkdtempSync(join(tmpdir(), 'dhuman-links-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MediaLinks', () => {
  const tokens = StreamTokens.open(dir);
  const links = new MediaLinks(tokens, () => 'http://host:1');
  const expiresAt = 2_000_000_000_000;
  const parts = (url: string) => {
    const u = new URL(url);
    return { path: u.pathname, expires: u.searchParams.get('expires'), token: u.searchParams.get('token') };
  };

  it('signs the task, file and expiry, and verifies only that combination before the expiry', () => {
    const url = links.url('task1', 'task1.mp4', expiresAt);
    const { path, expires, token } = parts(url);
    expect(path).toBe('/dhuman/media/task1/task1.mp4');
    expect(expires).toBe('2000000000');
    expect(links.verify('task1', 'task1.mp4', expires, token, 0)).toBe(true);
    expect(links.verify('task1', 'task1.srt', expires, token, 0)).toBe(false);
    expect(links.verify('task2', 'task1.mp4', expires, token, 0)).toBe(false);
    expect(links.verify('task1', 'task1.mp4', '2000000001', token, 0)).toBe(false);
    expect(links.verify('task1', 'task1.mp4', expires, token, expiresAt)).toBe(false);
    expect(links.verify('task1', 'task1.mp4', expires, undefined, 0)).toBe(false);
    expect(links.verify('task1', 'task1.mp4', '1e12', token, 0)).toBe(false);
  });

  it('keeps links valid across a restart (the secret is in the data dir)', () => {
    const url = links.url('task1', 'task1.mp4', expiresAt);
    const { expires, token } = parts(url);
    const reopened = new MediaLinks(StreamTokens.open(dir), () => '');
    expect(reopened.verify('task1', 'task1.mp4', expires, token, 0)).toBe(true);
  });

  it('is not a play token of a session with the same name', () => {
    const { expires, token } = parts(links.url('s1', 's1.mp4', expiresAt));
    expect(tokens.verify('s1', token, 'play')).toBe(false);
    expect(links.verify('s1', 's1.mp4', expires, tokens.token('s1', 'play'), 0)).toBe(false);
  });
});
