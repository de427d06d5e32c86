/** JSON for humans and HTTP clients: bigint as a decimal string, bytes as hex. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonReplacer, indent);
}
