/**
 * Markdown syntax removed before speaking `InputTextType: "MARKDOWN"` text (LLM answers): emphasis markers,
 * headings, `-`/`*`/`+` list markers, block quotes, rules, code fences and backticks; links and images keep their
 * text. Numbered list markers stay: "1." is read as a number. Not a full parser: a marker cut across stream
 * sentences is spoken as punctuation (TTS engines skip most of it anyway).
 */
export function stripMarkdown(text: string): string {
  return text
    .replace(/^\s*```[^\n]*$/gm, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^[ \t]*(?:[-*_][ \t]*){3,}$/gm, '')
    .replace(/^[ \t]{0,3}#{1,6}[ \t]*/gm, '')
    .replace(/^[ \t]*>[ \t]?/gm, '')
    .replace(/^([ \t]*)[-*+][ \t]+/gm, '$1')
    .replace(/(\*\*|__|~~)(.+?)\1/g, '$2')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/`+/g, '');
}
