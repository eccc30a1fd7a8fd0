// Each code block of the content: how many monospace columns it holds, whether it scrolls
// sideways, and whether it sits in an admonition, fold, list or tab (narrower than the page).
() => [...document.querySelectorAll(".md-content pre > code")].map((code) => {
  const nested = !!code.closest(".admonition, details, li, .tabbed-set");
  const probe = document.createElement("span");
  probe.textContent = "x".repeat(100);
  code.appendChild(probe);
  const char = probe.getBoundingClientRect().width / 100;
  probe.remove();
  const style = getComputedStyle(code);
  const inner = code.clientWidth - parseFloat(style.paddingLeft)
    - parseFloat(style.paddingRight);
  return {
    columns: inner / char,
    scrolls: code.scrollWidth > code.clientWidth + 1,
    start: code.textContent.slice(0, 40),
    nested,
  };
})
