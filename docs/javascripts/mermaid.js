// Mermaid on demand, from the pinned copy that docs/hooks/vendored.py points this tag at.
// Material for MkDocs draws diagrams with the global `mermaid`, and when there is none it
// fetches an unpinned copy from unpkg.com. This stand-in is that global until a page has a
// diagram to draw: it keeps Material's settings, loads the real library (from this site, or
// from the CDN with an integrity hash), and hands the drawing over to it. Mermaid's script
// replaces the global, so later diagrams go to the library directly.
(() => {
  const tag = document.currentScript;
  // Resolve now: instant navigation changes the page's address, and with it relative URLs.
  const src = new URL(tag.dataset.src, document.baseURI).href;
  const integrity = tag.dataset.integrity;
  let settings = {};
  let loaded = null;

  function load() {
    loaded ??= new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      if (integrity) {
        script.integrity = integrity;
        script.crossOrigin = "anonymous";
      }
      script.onload = () => {
        window.mermaid.initialize(settings);
        resolve(window.mermaid);
      };
      script.onerror = () => reject(new Error(`Mermaid did not load from ${src}`));
      document.head.append(script);
    });
    return loaded;
  }

  window.mermaid = {
    initialize(config) {
      settings = config;
    },
    render(id, text) {
      return load().then((mermaid) => mermaid.render(id, text));
    },
  };
})();
