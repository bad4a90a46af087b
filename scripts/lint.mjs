// The house rules of CONVENTIONS.md that a type checker cannot see, checked on every file of src/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const RULES = [
  { name: 'no console.* outside the CLI', test: /\bconsole\.\w+\(/, allow: (f) => f.startsWith('src/cli/') },
  { name: 'process.env only in src/config', test: /\bprocess\.env\b/, allow: (f) => f.startsWith('src/config/') },
  { name: 'SQL only in stores and migrations', test: /\.(selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql`/, allow: (f) => f.startsWith('src/store/') },
  { name: 'no Fastify in domain modules', test: /from ['"](fastify|@fastify\/[^'"]+)['"]/, allow: (f) => !/^src\/(content|repo|security|hosts|auth|audit|jobs|formats)\//.test(f) },
  { name: 'formats/ is pure (no fs, net, child_process)', test: /from ['"]node:(fs|fs\/promises|net|http|https|child_process)['"]/, allow: (f) => !f.startsWith('src/formats/') },
  { name: 'no commented-out code', test: /^\s*\/\/\s*(const|let|await|return|import|if \(|for \()\b/, allow: () => false },
];

function walk(dir) {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

let problems = 0;
for (const file of walk('src')) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    for (const rule of RULES) {
      if (rule.test.test(line) && !rule.allow(file)) {
        problems++;
        process.stdout.write(`${file}:${i + 1}: ${rule.name}\n  ${line.trim()}\n`);
      }
    }
  });
}
process.stdout.write(problems ? `${problems} problem(s)\n` : 'lint: clean\n');
process.exit(problems ? 1 : 0);
