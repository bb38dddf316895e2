// Reads wasm-bindgen's output as text (wasm-dis), writes it back with the
// closure invoke shims that nothing can call pointed at one `unreachable`
// function, so wasm-opt can drop their code.
//
// Why they are there: js-sys declares imports that take callbacks
// (`Array::for_each`, typed arrays' `find`, `Set::for_each`...). Each such
// import has a describe function that takes the address of its invoke shim,
// so the linker lists every shim in the function table, used or not.
// wasm-bindgen (0.2.130, pinned) reads the describes, deletes them, and
// exports each shim the glue really calls; a shim it does not export is
// called by nothing (only the glue calls shims), but it stays in the
// table, and wasm-opt must keep whatever a table lists. Measured: 45 such
// shims, 2.6 KB of code, 0.65 KB gzip.
//
// Usage: wasm-dis in.wasm | node scripts/prune-closure-shims.mjs > out.wat
import { readFileSync } from "node:fs";

const STUB = "$touchpoint_unreachable_shim";
const wat = readFileSync(0, "utf8");
// `$name` or `$"quoted name"`, as wasm-dis prints them.
const NAME = /\$("(?:[^"\\]|\\.)*"|[^\s()]+)/g;
const SHIM = /closures::(?:_::)+invoke::</;

const exported = new Set();
for (const m of wat.matchAll(/^ \(export "[^"]*" \(func \$("(?:[^"\\]|\\.)*"|[^\s()]+)\)\)$/gm)) exported.add(m[1]);

let pruned = 0;
const lines = wat.split("\n");
const first = lines.findIndex((l) => l.startsWith(" (elem "));
for (let i = first; i >= 0 && i < lines.length && lines[i].startsWith(" (elem "); i++) {
  lines[i] = lines[i].replace(NAME, (whole, name) => {
    if (!SHIM.test(name) || exported.has(name)) return whole;
    pruned++;
    return STUB;
  });
}
if (pruned > 0) lines.splice(first, 0, ` (func ${STUB} unreachable)`);
process.stderr.write(`prune-closure-shims: ${pruned} uncallable closure shims pruned from the function table` +
  (first < 0 || exported.size === 0 ? " (no table or no exports found)" : "") + "\n");
process.stdout.write(lines.join("\n"));
