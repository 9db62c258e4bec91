/**
 * Remembers the answers of a pure function of a string for the strings seen
 * lately. For the audit writer's scrubbing, whose inputs (user agents, field
 * names, request paths) repeat from call to call while its regular
 * expressions cost far more than a lookup.
 *
 * Bounded both ways: strings longer than `maxKeyLength` are not remembered,
 * and past `maxEntries` the memory starts afresh, so a caller sending
 * ever-new strings costs only what the computation costs anyway. Only for
 * functions whose answer depends on the string alone.
 */
export function memoizeString<T>(
  compute: (value: string) => T,
  {
    maxEntries = 1_024,
    maxKeyLength = 512,
    remember = () => true,
  }: {
    maxEntries?: number;
    maxKeyLength?: number;
    /** Which answers to remember (the scrubbers keep nothing that looked sensitive in memory longer than its request). */
    remember?: (value: string, answer: T) => boolean;
  } = {},
): (value: string) => T {
  let known = new Map<string, T>();
  return (value) => {
    if (value.length > maxKeyLength) return compute(value);
    const hit = known.get(value);
    if (hit !== undefined) return hit; // (an undefined answer is simply computed again)
    const answer = compute(value);
    if (!remember(value, answer)) return answer;
    if (known.size >= maxEntries) known = new Map();
    known.set(value, answer);
    return answer;
  };
}
