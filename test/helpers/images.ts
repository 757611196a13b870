import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { inject } from 'vitest'

export const REPO = resolve(import.meta.dirname, '..', '..')
export const FIXTURES = join(REPO, 'test', 'fixtures')
export const PREBUILT = join(FIXTURES, 'prebuilt')

export function imagesDir(): string {
  return inject('imagesDir')
}

export function builtArchive(name: string, layout: 'oci' | 'docker' | 'docker-v25'): string {
  return join(imagesDir(), 'archives', `${name}.${layout}.tar`)
}

export function builtLayout(name: string): string {
  return join(imagesDir(), 'oci', name)
}

/** Rows of a ground-truth TSV file, split on tabs. */
export function readTsv(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split('\t'))
}

export function truthFile(image: string, file: string): string {
  return join(imagesDir(), 'truth', image, file)
}
