// Renames the widget's wasm/JS boundary in the wasm-bindgen glue to the short
// names `wasm-opt --minify-imports-and-exports-and-modules` gave it, printed
// as JSON on wasm-opt's stdout. wasm-bindgen names every import
// `__wbg_<method>_<16 hex digits>`; those hashes cannot be compressed and
// appear in both files, about 1.5 KB gzip together.
// Usage: node scripts/minify-names.mjs mapping.json glue.js   (rewrites glue.js)
import { readFileSync, writeFileSync } from "node:fs";

const [mappingFile, glueFile] = process.argv.slice(2);
const { imports, exports } = JSON.parse(readFileSync(mappingFile, "utf8"));
let glue = readFileSync(glueFile, "utf8");

const quote = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
function rename(pattern, to, what) {
  if (glue.search(pattern) < 0) throw new Error(`minify-names: ${what} is not in ${glueFile}; has the glue's shape changed?`);
  glue = glue.replace(pattern, to);
}

// Every module becomes "a" (the pass merges them), each import its short name.
for (const module of new Set(imports.map(([m]) => m))) rename(new RegExp(`"${quote(module)}":`, "g"), `"a":`, module);
for (const [, name, short] of imports) rename(new RegExp(`\\b${quote(name)}:`, "g"), `${short}:`, name);
// The glue reads exports as `wasm.name`; some (the abort hooks) it never reads.
for (const [name, short] of exports) {
  const read = new RegExp(`\\bwasm\\.${quote(name)}\\b`, "g");
  if (glue.search(read) >= 0) rename(read, `wasm.${short}`, name);
}
// The entry points (loader.js, touchpoint.mjs) start the module through its
// default export, which streams the wasm; `initSync`, its synchronous twin,
// is left unexported, so esbuild drops its code.
rename(/export \{ initSync, __wbg_init as default \};/, "export { __wbg_init as default };", "the initSync export");
for (const [, name] of imports) {
  if (glue.includes(name)) throw new Error(`minify-names: ${name} is still in ${glueFile}`);
}
writeFileSync(glueFile, glue);
