// The drawn heights of the content's computational-graph figures (SVG made at build time).
() => [...document.querySelectorAll(".md-content svg[role=img]")]
  .filter((svg) => svg.getAttribute("aria-label").startsWith("Computational graph"))
  .map((svg) => svg.getBoundingClientRect().height)
