// Typesets TeX with KaTeX for the site build: one Node process serves the whole build.
//
// nnmath_site/math.py starts it and talks to it in lines of JSON on stdin and stdout:
// each request is a list of formulas, [{"tex": "...", "display": true}, ...], and each
// answer the list of results in the same order, {"html": "..."} or {"error": "..."}.
// KaTeX comes from node_modules (`npm ci`): math.py passes the path of its katex.mjs.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const katex = (await import(pathToFileURL(process.argv[2]).href)).default;

const OPTIONS = {
  output: "htmlAndMathml", // HTML to see, MathML for assistive technology
  throwOnError: true, // a TeX error is an error of the build, not red text on the page
  strict: "error", // so are KaTeX's warnings (non-standard TeX)
  trust: false,
};

function render({ tex, display }) {
  try {
    return { html: katex.renderToString(tex, { ...OPTIONS, displayMode: display }) };
  } catch (error) {
    return { error: String(error.message ?? error) };
  }
}

process.stdout.write(JSON.stringify({ katex: katex.version }) + "\n");
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim()) process.stdout.write(JSON.stringify(JSON.parse(line).map(render)) + "\n");
}
