// `npm run docs`: regenerates the README's configuration table from src/config/options.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderOptionsTable } from '../src/config/index.js';

const readme = readFileSync('README.md', 'utf8');
const updated = readme.replace(/<!-- options:start -->[\s\S]*<!-- options:end -->/, `<!-- options:start -->\n${renderOptionsTable()}\n<!-- options:end -->`);
writeFileSync('README.md', updated);
process.stdout.write(updated === readme ? 'README.md already up to date\n' : 'README.md options table regenerated\n');
