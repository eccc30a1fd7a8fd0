// Counts of the typeset math of the page's content, and any TeX left visible outside code.
() => {
  const content = document.querySelector(".md-content");
  const spans = [...content.querySelectorAll(".arithmatex")];
  const report = {
    arithmatex: spans.length,
    rendered: 0,
    mathml: 0,
    unrendered: [],
    errors: [...content.querySelectorAll(".katex-error")].map((el) => el.title || "error"),
    raw_tex: [],
    math_scripts: [...document.scripts].map((s) => s.src)
      .filter((src) => /mathjax|katex|mermaid/i.test(src)),
  };
  for (const el of spans) {
    const katex = el.querySelectorAll(".katex");
    const html = el.querySelectorAll(".katex > .katex-html");
    const mathml = el.querySelectorAll(".katex > .katex-mathml > math");
    if (katex.length === 1 && html.length === 1) report.rendered += 1;
    else report.unrendered.push(el.textContent.trim().slice(0, 120));
    if (mathml.length === 1) report.mathml += 1;
  }
  const text = content.cloneNode(true);
  text.querySelectorAll("pre, code, .katex, script, style, svg").forEach((el) => el.remove());
  const visible = text.textContent;
  for (const pattern of [/\\[A-Za-z]+/g, /\$\$/g, /\\[()[\]]/g, /\$[^\s$][^$]{0,80}\$/g]) {
    for (const match of visible.matchAll(pattern)) {
      const at = match.index;
      report.raw_tex.push(visible.slice(Math.max(0, at - 30), at + 50).replace(/\s+/g, " "));
    }
  }
  return report;
}
