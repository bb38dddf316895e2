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
// The same goes for js-sys's task waker (`futures::jspi::task_waker::raw_*`,
// with the task code they call, 0.45 KB): its vtable's functions are in
// the table, but only code that spawns a future makes a waker from it, and
// the widget spawns none (promise callbacks, `dom::then`). They are pruned
// only when the module has no other `futures::` function, that is nothing
// that could make a task.
//
// Usage: wasm-dis in.wasm | node scripts/prune-closure-shims.mjs > out.wat
import { readFileSync } from "node:fs";

const STUB = "$touchpoint_unreachable_shim";
const wat = readFileSync(0, "utf8");
// `$name` or `$"quoted name"`, as wasm-dis prints them.
const NAME = /\$("(?:[^"\\]|\\.)*"|[^\s()]+)/g;
const SHIM = /closures::(?:_::)+invoke::</;
// The waker's own pieces; any other `futures::` function could spawn a task.
const WAKER = /futures::jspi::(?:task_waker::raw_|SpawnedTask|__wbindgen_jspi_spawn_poll)/;
const spawns = [...wat.matchAll(/^ \(func \$("(?:[^"\\]|\\.)*"|[^\s()]+)/gm)].some(
  (m) => m[1].includes("futures::") && !WAKER.test(m[1]),
);
const RAW_WAKER = /futures::jspi::task_waker::raw_/;

const exported = new Set();
for (const m of wat.matchAll(/^ \(export "[^"]*" \(func \$("(?:[^"\\]|\\.)*"|[^\s()]+)\)\)$/gm)) exported.add(m[1]);

let pruned = 0;
const lines = wat.split("\n");
const first = lines.findIndex((l) => l.startsWith(" (elem "));
for (let i = first; i >= 0 && i < lines.length && lines[i].startsWith(" (elem "); i++) {
  lines[i] = lines[i].replace(NAME, (whole, name) => {
    const waker = !spawns && RAW_WAKER.test(name);
    if (!(SHIM.test(name) || waker) || exported.has(name)) return whole;
    pruned++;
    return STUB;
  });
}
if (pruned > 0) lines.splice(first, 0, ` (func ${STUB} unreachable)`);
process.stderr.write(`prune-closure-shims: ${pruned} uncallable closure shims and waker functions pruned from the function table` +
  (first < 0 || exported.size === 0 ? " (no table or no exports found)" : "") + "\n");
process.stdout.write(lines.join("\n"));
