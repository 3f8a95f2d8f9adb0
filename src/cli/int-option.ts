/** An integer command-line value of at least `min`; the error names the option. */
export function intOption(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min} (got ${JSON.stringify(value)})`);
  return n;
}
