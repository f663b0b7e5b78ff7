/** A piece of the typing line: fixed text, or a person's name (rendered in its own isolate). */
export type TypingTextPart = string | { name: string };

/**
 * "Alice is typing...", "Alice and Bob are typing...", "3 people are typing...", or null, in
 * parts, so that each name can be isolated from the text around it.
 */
export function typingText(names: readonly string[]): TypingTextPart[] | null {
  const [first, second] = names;
  if (first === undefined) return null;
  if (second === undefined) return [{ name: first }, ' is typing...'];
  if (names.length === 2) return [{ name: first }, ' and ', { name: second }, ' are typing...'];
  return [`${names.length} people are typing...`];
}
