#!/usr/bin/env node
// Summarises V8 .cpuprofile files (from `npm run bench -- --profile`): where the time went, by
// place (package, Next, our code), by function (self time) and by function including callees.
// Minified Next chunks are mapped back to their sources through the build's source maps.
// Usage: node bench/profile-summary.mjs [--from µs | --skip ms] <file.cpuprofile | dir> [top=30]
//   --from: only samples after this point on the monotonic clock (a run's `measuredFromMicros`),
//   so start-up and warm-up stay out.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const fromIndex = argv.indexOf('--from');
const fromMicros = fromIndex >= 0 ? Number(argv.splice(fromIndex, 2)[1]) : 0;
// --skip <ms>: leave out the first milliseconds of each profile instead.
const skipIndex = argv.indexOf('--skip');
const skipMicros = skipIndex >= 0 ? Number(argv.splice(skipIndex, 2)[1]) * 1000 : 0;
const [input, topArg] = argv;
if (!input) {
  console.error('usage: node bench/profile-summary.mjs [--from µs] <file.cpuprofile | dir> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const files = statSync(input).isDirectory()
  ? readdirSync(input)
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => join(input, name))
  : [input];

/** @type {Map<string, SourceMap | null>} */
const sourceMaps = new Map();
function sourceMapOf(url) {
  if (!sourceMaps.has(url)) {
    let map = null;
    try {
      const path = url.startsWith('file://') ? fileURLToPath(url) : url;
      if (path.includes('/.next/') && existsSync(`${path}.map`)) {
        map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
      }
    } catch {
      map = null;
    }
    sourceMaps.set(url, map);
  }
  return sourceMaps.get(url);
}

/** A frame as `name place:line`, mapped to the original source when the build has a map. */
function nameFrame(callFrame) {
  const { url, lineNumber, columnNumber } = callFrame;
  let name = callFrame.functionName || '(anonymous)';
  let source = url;
  let line = lineNumber + 1;
  const map = url ? sourceMapOf(url) : null;
  const entry = map?.findEntry(lineNumber, columnNumber);
  if (entry && 'originalSource' in entry && entry.originalSource) {
    source = entry.originalSource;
    line = entry.originalLine + 1;
    if (entry.name) name = entry.name;
  }
  const place = placeOf(source);
  return { name: `${name} ${place}:${line}`, place };
}

/** Where code lives: a package, our code, Next itself, or V8/Node. */
function placeOf(url) {
  if (!url) return '(native)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1];
  if (url.startsWith('node:')) return url;
  const ours =
    /(?:\/work\/[^/]+\/|turbopack:\/\/\/\[project\]\/)((?:lib|app|middleware)[^?]*)/.exec(url);
  if (ours) return ours[1];
  return url.replace(/^turbopack:\/\/\/\[project\]\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '');
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const described = new Map();
  const describeNode = (id) => {
    if (!described.has(id)) described.set(id, nameFrame(byId.get(id).callFrame));
    return described.get(id);
  };

  const self = new Map();
  const inclusive = new Map();
  const byPlace = new Map();
  let busy = 0;
  let idle = 0;
  let at = profile.startTime;
  const deltas = profile.timeDeltas;
  for (let index = 0; index < profile.samples.length; index++) {
    at += deltas[index] ?? 0;
    if (at < fromMicros || at < profile.startTime + skipMicros) continue;
    const micros = deltas[index + 1] ?? 0;
    const id = profile.samples[index];
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    const { name, place } = describeNode(id);
    self.set(name, (self.get(name) ?? 0) + micros);
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
    const seen = new Set();
    for (let node = id; node !== undefined; node = parentOf.get(node)) {
      const frame = describeNode(node).name;
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + micros);
    }
  }
  const print = (title, map) => {
    console.log(`\n${title}`);
    for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `${(micros / 1000).toFixed(0).padStart(8)} ms ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${name}`,
      );
    }
  };
  console.log(`${file}: ${(busy / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle`);
  print('self time by place', byPlace);
  print('self time by function', self);
  print('total time by function (with callees)', inclusive);
}
