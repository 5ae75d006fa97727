// Applies the saved theme before the first paint (no flash of the wrong theme).
// A file, not an inline script, so the page's Content-Security-Policy can forbid inline scripts.
try {
  var t = localStorage.getItem('pg.theme');
  if (t === 'dark' || (!t && window.matchMedia('(prefers-color-scheme: dark)').matches))
    document.documentElement.classList.add('dark');
} catch (e) {}
