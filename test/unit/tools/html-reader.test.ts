import assert from 'node:assert/strict';
import { test } from 'node:test';
import { htmlTitle, htmlToText, readableArticle } from '../../../electron/core/knowledge/html-text.ts';
import { parseSearchResults } from '../../../electron/core/tools/builtin/web-tools.ts';

const article = `<!doctype html><html><head><title>Canberra &ndash; Wikipedia</title><script>var x = "</p><p>not text";</script></head><body>
  <nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/login">Log in</a></li></ul></nav>
  <aside class="sidebar ad"><p>Subscribe to our newsletter for deals!</p></aside>
  <article><h1>Canberra</h1>
    ${'<p>Canberra is the capital city of Australia, planned as a compromise between Sydney and Melbourne, and it is home to many national institutions. </p>'.repeat(6)}
    <p>Canberra has a population of 467,000 people &amp; growing.</p>
  </article>
  <footer class="site-footer"><p>Cookie settings | Privacy policy</p></footer>
</body></html>`;

test('a web page is read as its main content: the article kept, navigation, ads and scripts left out', () => {
  const page = readableArticle(article);
  assert.equal(page.title, 'Canberra – Wikipedia');
  assert.match(page.text, /Canberra has a population of 467,000 people & growing\./);
  assert.doesNotMatch(page.text, /Subscribe to our newsletter/);
  assert.doesNotMatch(page.text, /Log in/);
  assert.doesNotMatch(page.text, /not text/);
});

test('HTML text comes from a real parser: a ">" inside an attribute, entities and unclosed tags do not leak markup', () => {
  assert.equal(
    htmlToText('<p><a title="a > b" href="/x">Link</a> and <b>bold &amp; bright</b><p>Next &#8211; line'),
    'Link and bold & bright\nNext – line',
  );
  assert.equal(htmlToText('<div>One<br>Two</div><script>alert("<b>")</script><ul><li>a</li><li>b</li></ul>'), 'One\nTwo\na\nb');
  assert.equal(htmlTitle('<title>Caf&eacute; &amp; Co</title><p>x</p>'), 'Café & Co');
});

test('search results are read from the page structure, whatever the attribute order, with DuckDuckGo redirects unwrapped', () => {
  const results = parseSearchResults(`<div class="results">
    <div class="result"><h2><a rel="nofollow" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.com%2Fa%3Fq%3D1&amp;rut=x" class="result__a">Example &amp; A</a></h2>
      <a class="result__snippet" href="x">Snippet <b>one</b></a></div>
    <div class="result"><a class="result__a" href="https://b.example/">B</a></div>
    <div class="result"><a class="result__a" href="https://c.example/">C</a><div class="result__snippet">third</div></div></div>`);
  assert.deepEqual(results, [
    { title: 'Example & A', url: 'https://example.com/a?q=1', snippet: 'Snippet one' },
    { title: 'B', url: 'https://b.example/', snippet: '' },
    { title: 'C', url: 'https://c.example/', snippet: 'third' },
  ]);
});
