// Colours as the reader sees them: each colour composited over the backgrounds behind it,
// for the formulas, the figures' text and the figures' axes (WCAG contrast ratios).
() => {
  const parse = (css) => {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [r, g, b, a];
  };
  const over = (top, below) => top.slice(0, 3).map((v, i) => v * top[3] + below[i] * (1 - top[3]));
  const background = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let bg = [255, 255, 255];
    for (const e of chain) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c) bg = over(c, bg);
    }
    return bg;
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (el, property) => {
    const bg = background(el);
    const ink = parse(getComputedStyle(el)[property]);
    if (!ink) return null;
    const fg = over(ink, bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    const text = el.textContent.trim().slice(0, 40);
    const colour = getComputedStyle(el)[property];
    return { ratio: (hi + 0.05) / (lo + 0.05), fg: luminance(fg), text, colour };
  };
  const all = (selector, property, keep = () => true) =>
    [...document.querySelectorAll(selector)]
      .filter(keep)
      .map((el) => contrast(el, property))
      .filter(Boolean);
  // Figure text in the page's ink (currentColor) is measured against the page. Text in a colour
  // of its own may sit on a coloured patch or image of the figure: measured against the page
  // too, but only reported, since what is really behind it is not known here.
  const inked = (el) => getComputedStyle(el).fill === getComputedStyle(el.closest("svg")).color;
  return {
    scheme: document.body.getAttribute("data-md-color-scheme"),
    formulas: all(".md-content .katex-html", "color"),
    figure_text: all(".md-content .nnmath-figure svg text", "fill", inked),
    figure_text_coloured: all(".md-content .nnmath-figure svg text", "fill", (el) => !inked(el)),
    figure_axes: all(
      ".md-content .nnmath-figure svg "
        + ":is([stroke='currentColor'], [style*='stroke: currentColor'])",
      "stroke",
    ),
  };
}
