// How numbers, sizes, times and rates are written on the page, in one place so every tab agrees.

/** A number with a fixed number of significant digits, or a dash when there is none. */
export function formatNumber(value, digits = 4) {
  if (value === null || value === undefined || value === '') {
    return '—';
  }
  const number = Number(value);
  if (!Number.isFinite(number)) {
    return String(value);
  }
  if (Number.isInteger(number)) {
    return number.toLocaleString('en-US');
  }
  return Number(number.toPrecision(digits)).toString();
}

/** A fraction as a percentage: 0.875 → "87.5%". */
export function formatRate(value) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) {
    return '—';
  }
  return `${(Number(value) * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

/** Bytes in B, kB, MB or GB (powers of 1000, as disks and downloads count them). */
export function formatBytes(bytes) {
  const value = Number(bytes);
  if (!Number.isFinite(value)) {
    return '—';
  }
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let size = value;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${size} B` : `${size.toFixed(size < 10 ? 2 : 1)} ${units[unit]}`;
}

/** Seconds as "1 h 02 min", "3 min 05 s" or "12 s". */
export function formatDuration(seconds) {
  const total = Number(seconds);
  if (!Number.isFinite(total) || total < 0) {
    return '—';
  }
  const whole = Math.round(total);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) {
    return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  }
  if (minutes > 0) {
    return `${minutes} min ${String(rest).padStart(2, '0')} s`;
  }
  return total < 10 ? `${total.toFixed(1)} s` : `${whole} s`;
}

/** An ISO timestamp in the reader's locale, short. */
export function formatDate(iso) {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "1 record" / "2 records". */
export function plural(count, noun, nouns = `${noun}s`) {
  return `${formatNumber(count)} ${count === 1 ? noun : nouns}`;
}

// Names whose words would read wrong split at their capitals.
const KEY_NAMES = { dType: 'Compute dtype', dtype: 'Compute dtype' };

/** A camelCase field name as words: "maxSequenceLength" → "Max sequence length". */
export function humanizeKey(key) {
  if (KEY_NAMES[key]) {
    return KEY_NAMES[key];
  }

  const words = String(key).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
