import { describe, expect, it } from 'vitest';
import { linkify } from './linkify';

describe('linkify', () => {
  it('keeps text without links as one part', () => {
    expect(linkify('<b>x</b> & hello')).toEqual([{ type: 'text', text: '<b>x</b> & hello' }]);
  });

  it('finds http and https links and leaves trailing punctuation out', () => {
    expect(linkify('see https://example.com/a?b=1, then http://x.org.')).toEqual([
      { type: 'text', text: 'see ' },
      { type: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { type: 'text', text: ', then ' },
      { type: 'link', text: 'http://x.org', href: 'http://x.org' },
      { type: 'text', text: '.' },
    ]);
  });

  it('links www. hosts over https', () => {
    expect(linkify('www.example.com')).toEqual([
      { type: 'link', text: 'www.example.com', href: 'https://www.example.com' },
    ]);
  });

  it('keeps a parenthesis that belongs to the URL', () => {
    const url = 'https://en.wikipedia.org/wiki/Chat_(software)';
    expect(linkify(`(${url})`)).toEqual([
      { type: 'text', text: '(' },
      { type: 'link', text: url, href: url },
      { type: 'text', text: ')' },
    ]);
  });

  it('never links other schemes', () => {
    expect(linkify('javascript:alert(1) data:text/html,x')).toEqual([
      { type: 'text', text: 'javascript:alert(1) data:text/html,x' },
    ]);
  });

  it('stops a link at markup characters', () => {
    expect(linkify('https://a.io/<script>')).toEqual([
      { type: 'link', text: 'https://a.io/', href: 'https://a.io/' },
      { type: 'text', text: '<script>' },
    ]);
  });
});
