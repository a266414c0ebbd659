const byteUnits = ['bytes', 'KB', 'MB', 'GB', 'TB'] as const;

/** A byte count in the largest binary unit that keeps it at or above 1, with one decimal from GB up. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit >= 3 ? 1 : 0;
  return `${value.toFixed(digits)} ${byteUnits[unit] ?? 'bytes'}`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An ISO timestamp as a short local date and time; the input unchanged when it is not a date. */
export function formatDateTime(isoTimestamp: string): string {
  const date = new Date(isoTimestamp);
  return Number.isNaN(date.getTime()) ? isoTimestamp : dateTimeFormat.format(date);
}

/** A count with the reader's thousands separators. */
export function formatCount(count: number): string {
  return count.toLocaleString();
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** An ISO timestamp as a short local date; the input unchanged when it is not a date. */
export function formatDate(isoTimestamp: string): string {
  const date = new Date(isoTimestamp);
  return Number.isNaN(date.getTime()) ? isoTimestamp : dateFormat.format(date);
}
