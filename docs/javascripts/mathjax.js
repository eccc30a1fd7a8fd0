// MathJax 3 configuration for pymdownx.arithmatex (generic mode), after Material's recipe.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
};

// Instant navigation swaps the page without a reload; typeset each new page.
// The first emission is the page MathJax's own startup already typesets: typesetting
// it here too races the startup and breaks macros loaded on demand (\boldsymbol).
let nnmathFirstPage = true;
document$.subscribe(() => {
  if (nnmathFirstPage) {
    nnmathFirstPage = false;
    return;
  }
  MathJax.startup.output.clearCache();
  MathJax.typesetClear();
  MathJax.texReset();
  MathJax.typesetPromise();
});
