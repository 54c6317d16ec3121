export type SpeechLanguage = 'en' | 'zh';

/** Han ideographs plus the Japanese and Korean scripts: text written with them is not read with English words. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

/** `xml:lang="zh-CN"` → 'zh'; undefined for anything that is neither Chinese nor English. */
export function languageOfTag(tag: string | undefined): SpeechLanguage | undefined {
  const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return primary === 'zh' || primary === 'en' ? primary : undefined;
}
