// Import circles: every relative import between TypeScript files under the given folders (type-only imports and
// re-exports included, as TypeScript's own pre-processor reads them), and every strongly connected group of two
// or more files, or a file that imports itself. Exit 1 with each circle named, 0 when there is none.
//   node scripts/importCycles.mjs [FOLDER ...]     (default: client/src server/src shared)
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const folders = process.argv.slice(2);
const roots = (folders.length > 0 ? folders : ['client/src', 'server/src', 'shared']).map((f) => path.resolve(f));

function tsFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...tsFiles(full));
    } else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(full);
    }
  }
  return out;
}

/** The file a relative specifier names (`./x` is `./x.ts` or `./x/index.ts`), or undefined outside the set. */
function resolve(from, spec, known) {
  if (!spec.startsWith('.')) {
    return undefined;
  }
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => known.has(f));
}

const files = roots.flatMap((r) => (fs.existsSync(r) ? tsFiles(r) : []));
const known = new Set(files);
const edges = new Map();
for (const file of files) {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  const targets = info.importedFiles.map((f) => resolve(file, f.fileName, known)).filter(Boolean);
  edges.set(file, [...new Set(targets)]);
}

// Tarjan's strongly connected components, iterative so a deep import chain cannot overflow the stack.
let counter = 0;
const index = new Map();
const low = new Map();
const onStack = new Set();
const stack = [];
const circles = [];
for (const start of files) {
  if (index.has(start)) {
    continue;
  }
  const work = [{ node: start, next: 0 }];
  index.set(start, counter);
  low.set(start, counter++);
  stack.push(start);
  onStack.add(start);
  while (work.length > 0) {
    const frame = work[work.length - 1];
    const targets = edges.get(frame.node);
    if (frame.next < targets.length) {
      const target = targets[frame.next++];
      if (!index.has(target)) {
        index.set(target, counter);
        low.set(target, counter++);
        stack.push(target);
        onStack.add(target);
        work.push({ node: target, next: 0 });
      } else if (onStack.has(target)) {
        low.set(frame.node, Math.min(low.get(frame.node), index.get(target)));
      }
      continue;
    }
    work.pop();
    if (work.length > 0) {
      const parent = work[work.length - 1].node;
      low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
    }
    if (low.get(frame.node) === index.get(frame.node)) {
      const group = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        group.push(member);
      } while (member !== frame.node);
      if (group.length > 1 || edges.get(frame.node).includes(frame.node)) {
        circles.push(group);
      }
    }
  }
}

const rel = (f) => path.relative(process.cwd(), f);
if (circles.length > 0) {
  for (const group of circles) {
    const members = new Set(group);
    console.error(`import circle of ${group.length} file(s):`);
    for (const file of group.sort()) {
      const inside = edges.get(file).filter((t) => members.has(t));
      console.error(`  ${rel(file)} -> ${inside.map(rel).join(', ')}`);
    }
  }
  process.exit(1);
}
console.log(`no import circles among ${files.length} files`);
