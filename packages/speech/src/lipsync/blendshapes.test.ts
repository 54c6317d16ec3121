import type { BlendshapeName, Viseme, VisemeEvent } from '@dhuman/core';
import { BLENDSHAPE_NAMES, VISEMES } from '@dhuman/core';
import { describe, expect, it } from 'vitest';
import { VISEME_ATTACK_MS, visemePose, visemesToBlendshapes } from './blendshapes.js';

const at = (pose: Float32Array, name: BlendshapeName): number =>
  pose[BLENDSHAPE_NAMES.indexOf(name)] ?? Number.NaN;
const v = (timeMs: number, viseme: Viseme, weight = 1): VisemeEvent => ({ timeMs, viseme, weight });

describe('visemePose', () => {
  it('gives every viseme a pose over all channels, within 0..1, and sil at rest', () => {
    for (const viseme of VISEMES) {
      const pose = visemePose(viseme);
      expect(pose).toHaveLength(BLENDSHAPE_NAMES.length);
      for (const w of pose) expect(w >= 0 && w <= 1).toBe(true);
    }
    expect([...visemePose('sil')].every((w) => w === 0)).toBe(true);
  });

  it('shapes the mouth as each viseme needs', () => {
    const jaw = (viseme: Viseme): number => at(visemePose(viseme), 'jawOpen');
    expect(jaw('aa')).toBeGreaterThanOrEqual(0.6);
    for (const viseme of VISEMES) if (viseme !== 'aa') expect(jaw(viseme)).toBeLessThan(jaw('aa'));
    expect(at(visemePose('PP'), 'mouthPressLeft')).toBeGreaterThan(0.4);
    expect(at(visemePose('ou'), 'mouthPucker')).toBeGreaterThan(0.5);
    expect(at(visemePose('oh'), 'mouthFunnel')).toBeGreaterThan(0.4);
    expect(at(visemePose('FF'), 'mouthRollLower')).toBeGreaterThan(0.4);
    expect(at(visemePose('ih'), 'mouthSmileRight')).toBeGreaterThan(0.2);
    expect(at(visemePose('TH'), 'tongueOut')).toBeGreaterThan(0.3);
  });

  it('scales by weight', () => {
    expect(at(visemePose('aa', 0.5), 'jawOpen')).toBeCloseTo(at(visemePose('aa'), 'jawOpen') / 2);
  });
});

describe('visemesToBlendshapes', () => {
  const speech = [v(0, 'sil'), v(100, 'PP'), v(180, 'aa'), v(400, 'ou', 0.8), v(430, 'nn'), v(600, 'sil')];

  it('gives frames at multiples of 40 ms inside [from, to)', () => {
    expect(visemesToBlendshapes(speech, 10, 130).map((f) => f.timeMs)).toEqual([40, 80, 120]);
    expect(visemesToBlendshapes(speech, 0, 120).map((f) => f.timeMs)).toEqual([0, 40, 80]);
    expect(visemesToBlendshapes(speech, 50, 60)).toEqual([]);
  });

  it('rests before the first viseme and reaches a held viseme after the attack', () => {
    const [before] = visemesToBlendshapes([v(100, 'aa')], 40, 41);
    expect([...(before?.weights ?? [])].every((w) => w === 0)).toBe(true);
    const [held] = visemesToBlendshapes(speech, 280, 281);
    expect(held?.weights).toEqual(visemePose('aa'));
  });

  it('moves smoothly into a viseme instead of jumping', () => {
    const jaw = visemesToBlendshapes([v(0, 'sil'), v(200, 'aa')], 0, 400).map((f) =>
      at(f.weights, 'jawOpen'),
    );
    const target = at(visemePose('aa'), 'jawOpen');
    // 200 ms: just starting; 240 ms: most of the way (40 of the 60 ms attack); 280 ms on: there.
    expect(jaw[5]).toBe(0);
    expect(jaw[6]).toBeGreaterThan(0.5 * target);
    expect(jaw[6]).toBeLessThan(target);
    expect(jaw[7]).toBeCloseTo(target);
    expect(VISEME_ATTACK_MS).toBeGreaterThan(40);
  });

  it('leaves a short viseme before reaching it, and scales by weight', () => {
    // ou (weight 0.8) lasts 30 ms, half the attack: at 440 the mouth is heading from part-way ou to nn.
    const [frame] = visemesToBlendshapes(speech, 440, 441);
    const pucker = at(frame?.weights ?? new Float32Array(), 'mouthPucker');
    expect(pucker).toBeGreaterThan(0);
    expect(pucker).toBeLessThan(0.8 * at(visemePose('ou'), 'mouthPucker'));
  });

  it('is pure: the same frames however the range is cut', () => {
    const whole = visemesToBlendshapes(speech, 0, 800);
    const parts = [...visemesToBlendshapes(speech, 0, 333), ...visemesToBlendshapes(speech, 333, 800)];
    expect(parts).toEqual(whole);
    expect(visemesToBlendshapes(speech, 0, 800)).toEqual(whole);
    expect(whole).toHaveLength(20);
  });
});
