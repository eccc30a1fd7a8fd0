// Run in every page before its own scripts (context.add_init_script): the math as it stands
// at DOMContentLoaded, and the sum of Chromium's layout-shift entries not caused by input.
window.__nnmathShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__nnmathShift += entry.value;
  }
}).observe({ type: "layout-shift", buffered: true });
document.addEventListener("DOMContentLoaded", () => {
  const content = document.querySelector(".md-content");
  window.__nnmathAtDCL = content && {
    arithmatex: content.querySelectorAll(".arithmatex").length,
    rendered: content.querySelectorAll(".arithmatex > .katex, .arithmatex > .katex-display")
      .length,
  };
});
