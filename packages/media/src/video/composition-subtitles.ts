import type { SubtitleCue } from './subtitles.js';

/**
 * The subtitle font, looked up by fontconfig through libass. Noto Sans CJK covers Latin, Chinese, Japanese and
 * Korean in one face (Debian's fonts-noto-cjk); the SC variant draws the Han characters the Chinese way. When it
 * is not installed fontconfig substitutes its default sans (Latin still renders; CJK then shows as boxes).
 */
export const SUBTITLE_FONT = 'Noto Sans CJK SC';
/** Text height as a share of the frame height: 1/18 is about 40 px at 720p, the common broadcast size. */
const FONT_SHARE = 1 / 18;
/** Outline thickness as a share of the font size: thick enough to read white text on a white shirt. */
const OUTLINE_SHARE = 0.08;
/** Space below the text and at each side, as shares of the frame height and width. */
const MARGIN_V_SHARE = 0.05;
const MARGIN_H_SHARE = 0.05;

/**
 * An ASS script drawing `cues` at the bottom centre of a width×height frame: white text, a dark outline, sizes in
 * output pixels (PlayRes is the frame size). libass wraps long lines to fit between the side margins.
 */
export function assScript(cues: readonly SubtitleCue[], width: number, height: number): string {
  const fontSize = Math.max(8, Math.round(height * FONT_SHARE));
  const outline = Math.max(1, Math.round(fontSize * OUTLINE_SHARE * 10) / 10);
  const marginV = Math.round(height * MARGIN_V_SHARE);
  const marginH = Math.round(width * MARGIN_H_SHARE);
  // Colours are &HAABBGGRR with AA = 0 for opaque. BorderStyle 1 = outline (and shadow, here 0); Alignment 2 =
  // bottom centre (numpad layout).
  const style = [
    'Default',
    SUBTITLE_FONT,
    fontSize,
    '&H00FFFFFF',
    '&H00FFFFFF',
    '&H00101010',
    '&H80000000',
    ...[0, 0, 0, 0, 100, 100, 0, 0],
    ...[1, outline, 0, 2],
    ...[marginH, marginH, marginV, 1],
  ].join(',');
  return [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, ' +
      'Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, ' +
      'MarginR, MarginV, Encoding',
    `Style: ${style}`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...cues.map(
      (cue) =>
        `Dialogue: 0,${assTime(cue.startMs)},${assTime(cue.endMs)},Default,,0,0,0,,${assText(cue.text)}`,
    ),
    '',
  ].join('\n');
}

/** `H:MM:SS.cc`: ASS counts centiseconds. */
export function assTime(ms: number): string {
  const cs = Math.max(0, Math.round(ms / 10));
  const pad = (n: number) => String(n).padStart(2, '0');
  const hours = Math.floor(cs / 360_000);
  return `${hours}:${pad(Math.floor(cs / 6000) % 60)}:${pad(Math.floor(cs / 100) % 60)}.${pad(cs % 100)}`;
}

/** U+2060 WORD JOINER: invisible, and it breaks the pairs libass reads as commands (`\N`, `\h`, `\n`). */
const WORD_JOINER = '\u2060';

/**
 * Cue text as an ASS event's text, shown as written: `{` and `}` would open and close override blocks (libass
 * reads `\{` and `\}` as the characters themselves); a backslash gets a word joiner after it so that `\N` or
 * `\h` stays two characters; line breaks become ASS's `\N` and tabs spaces; other control characters are dropped.
 */
export function assText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .replace(/\\/g, `\\${WORD_JOINER}`)
    .replace(/[{}]/g, (brace) => `\\${brace}`)
    .replace(/\n/g, '\\N')
    .replace(/\p{Cc}/gu, '');
}
