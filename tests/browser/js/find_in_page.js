// Whether the browser's find-in-page (window.find) reaches `word` inside a formula.
(word) => {
  const inMath = () => {
    const node = getSelection().anchorNode;
    return !!(node && node.parentElement && node.parentElement.closest(".katex"));
  };
  getSelection().removeAllRanges();
  for (let i = 0; i < 200 && window.find(word, false, false, false, true); i++) {
    if (inMath()) return true;
  }
  return false;
}
