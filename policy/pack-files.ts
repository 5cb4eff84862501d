// Reading pack files: one file per published version, `<dir>/<region>/<version>.json`.
// A version never changes once published, so a new version is a new file and the
// files of older ones stay as they are. Node fs: never imported by workflows.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parsePack } from './pack-schema.js';
import { createPackCatalogue, type PackCatalogue } from './packs.js';
import type { PublishedPack } from './types.js';

/** The packs that ship with the code. */
export const SHIPPED_PACKS_DIR = join(__dirname, 'packs');

/**
 * Every pack file under the directories, parsed and checked; a file whose region or
 * version differs from its path is refused, as is anything else in the tree (a typo in
 * a file name must not silently drop a version).
 */
export function loadPackFiles(dirs: readonly string[]): PublishedPack[] {
  const packs: PublishedPack[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new Error(`policy pack directory ${dir} does not exist`);
    for (const region of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const regionDir = join(dir, region.name);
      if (!region.isDirectory()) throw new Error(`${regionDir}: expected a directory per region`);
      for (const file of readdirSync(regionDir).sort()) {
        const path = join(regionDir, file);
        if (!file.endsWith('.json')) throw new Error(`${path}: expected <version>.json`);
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(path, 'utf8'));
        } catch (err) {
          throw new Error(`${path}: not JSON (${(err as Error).message})`);
        }
        const pack = parsePack(raw, path);
        if (pack.region !== region.name || pack.version !== file.slice(0, -'.json'.length)) {
          throw new Error(`${path}: holds ${pack.region} ${pack.version}; a pack file is <region>/<version>.json`);
        }
        packs.push(pack);
      }
    }
  }
  return packs;
}

let shipped: readonly PublishedPack[] | undefined;

/** The shipped packs, read once per process. */
export function shippedPacks(): readonly PublishedPack[] {
  shipped ??= Object.freeze(loadPackFiles([SHIPPED_PACKS_DIR]));
  return shipped;
}

/** The shipped packs alone, without what was published to the database (tools and unit tests). */
export function shippedCatalogue(): PackCatalogue {
  return createPackCatalogue(shippedPacks());
}
