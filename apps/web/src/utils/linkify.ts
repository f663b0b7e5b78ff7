export type TextPart =
  { type: 'text'; text: string } | { type: 'link'; text: string; href: string };

// http(s) URLs and www. hosts; trailing punctuation is left out of the link below.
const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

/**
 * Splits message text into plain text and web links, for rendering as React text nodes and
 * anchors (never as HTML). Only http and https links are made.
 * @example linkify('see https://example.com.') // text 'see ', link 'https://example.com', text '.'
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let position = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    let url = match[0];
    const trailing = TRAILING_PUNCTUATION.exec(url)?.[0] ?? '';
    // Keep a closing parenthesis that closes one opened inside the URL (Wikipedia links).
    const keepParen = trailing.startsWith(')') && url.slice(0, -trailing.length).includes('(');
    const cut = keepParen ? trailing.length - 1 : trailing.length;
    url = url.slice(0, url.length - cut);
    if (url.replace(/^(https?:\/\/|www\.)/i, '').length === 0) continue;
    if (start > position) parts.push({ type: 'text', text: text.slice(position, start) });
    const href = /^www\./i.test(url) ? `https://${url}` : url;
    parts.push({ type: 'link', text: url, href });
    position = start + url.length;
  }
  if (position < text.length) parts.push({ type: 'text', text: text.slice(position) });
  return parts;
}
