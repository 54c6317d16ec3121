import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinAvatarDir, loadAvatarFile } from '@dhuman/avatar/node';
import { withVideoBackground } from './video-background.js';

describe('withVideoBackground', () => {
  it("sets the video's background and leaves out the avatar's backdrop decorations, not the input's", async () => {
    const manifest = await loadAvatarFile(join(builtinAvatarDir(), 'ava', 'avatar.json'));
    const before = manifest.layers.length;
    expect(manifest.layers.some((l) => l.group === 'static')).toBe(true);
    const green = withVideoBackground(manifest, { color: '#00b140' });
    expect(green.background).toBe('#00b140');
    expect(green.layers.some((l) => l.group === 'static')).toBe(false);
    expect(green.layers.length).toBe(before - manifest.layers.filter((l) => l.group === 'static').length);
    expect(withVideoBackground(manifest, 'transparent').background).toBe('#00000000');
    expect(manifest.layers).toHaveLength(before);
  });
});
