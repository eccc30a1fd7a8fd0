// Each code block of the content: its language, whether it is highlighted, its copy button.
() => [...document.querySelectorAll(".md-content pre")]
  .filter((pre) => pre.querySelector(":scope > code"))
  .map((pre) => ({
    id: pre.id || pre.textContent.trim().slice(0, 40),
    language:
      (pre.closest("[class*='language-']")?.className || "").match(/language-(\S+)/)?.[1]
      || null,
    highlighted: pre.closest(".highlight") !== null,
    tokens: pre.querySelectorAll("code span[class]").length,
    copy_button: pre.querySelector("button[data-md-type='copy'], button.md-clipboard") !== null,
  }))
