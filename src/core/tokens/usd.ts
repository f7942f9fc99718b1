// Money formatting, apart from the counting: the editor's host formats figures it gets from the token worker.

/**
 * `$1,234.56` from one dollar up, `$0.50` / `$0.0266` (up to four decimals) from a cent up, three significant
 * digits below (`$0.00266`, `$0.000125`), `$0.00` for nothing. `locale` picks the digit grouping and decimal mark.
 */
export function formatUsd(usd: number, locale = 'en-US'): string {
  const value = Number.isFinite(usd) ? usd : 0;
  const magnitude = Math.abs(value);
  const options: Intl.NumberFormatOptions =
    magnitude === 0 || magnitude >= 1
      ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
      : magnitude >= 0.01
        ? { minimumFractionDigits: 2, maximumFractionDigits: 4 }
        : { maximumSignificantDigits: 3 };
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', ...options }).format(value);
}

/** A price per million tokens: `$1.25`, `$0.075`. */
export function formatPrice(usdPerMillion: number, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(usdPerMillion);
}
