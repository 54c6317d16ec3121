import { describe, expect, it } from 'vitest';
import { BLENDSHAPE_NAMES, THFEAT_CHANNELS, THFEAT_DIM, THFEAT_INDEX_OF_BLENDSHAPE } from './blendshapes.js';

describe('ThFeat channel order', () => {
  it('lists the 52 ARKit blendshapes once each', () => {
    expect(THFEAT_DIM).toBe(52);
    expect(new Set(THFEAT_CHANNELS).size).toBe(52);
  });

  it('is the vendor SDK order, not the internal one', () => {
    // Positions read back from the client-render Web SDK 3.7.1 (see THFEAT_CHANNELS).
    expect(THFEAT_CHANNELS.slice(0, 8)).toEqual([
      'mouthLowerDownRight',
      'mouthRollLower',
      'cheekSquintRight',
      'mouthStretchRight',
      'mouthSmileLeft',
      'mouthDimpleRight',
      'noseSneerRight',
      'jawOpen',
    ]);
    expect(THFEAT_CHANNELS.indexOf('mouthSmileRight')).toBe(31);
    expect(THFEAT_CHANNELS.indexOf('tongueOut')).toBe(46);
    expect(THFEAT_CHANNELS.at(-1)).toBe('eyeLookInRight');
  });

  it('has a wire index for every internal channel', () => {
    expect(THFEAT_INDEX_OF_BLENDSHAPE).toHaveLength(BLENDSHAPE_NAMES.length);
    BLENDSHAPE_NAMES.forEach((name, i) =>
      expect(THFEAT_CHANNELS[THFEAT_INDEX_OF_BLENDSHAPE[i] ?? -1]).toBe(name),
    );
    expect(THFEAT_INDEX_OF_BLENDSHAPE[0]).toBe(7); // jawOpen
  });
});
