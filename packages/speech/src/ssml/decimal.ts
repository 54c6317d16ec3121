/**
 * Splits "-1,234.50" into sign, integer digits and fraction digits; thousands commas must be well placed.
 * Shared by the English and Chinese readers so both accept exactly the same numbers.
 */
export function parseDecimal(
  text: string,
): { negative: boolean; integer: string; fraction: string } | undefined {
  const match = /^([-+−]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d+))?$/.exec(text.trim());
  if (!match || (!match[2] && !match[3])) return undefined;
  return {
    negative: match[1] === '-' || match[1] === '−',
    integer: (match[2] ?? '').replace(/,/g, '') || '0',
    fraction: match[3] ?? '',
  };
}
