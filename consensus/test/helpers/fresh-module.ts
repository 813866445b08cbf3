/**
 * A fresh instance of the module at `resolved` (a `require.resolve` path), for modules that keep a cache in module
 * state: in one process only the first call fills it, so a test that must see the cache filled now (a
 * mutation-testing worker runs the suite many times in one process) loads its own instance. The cached instance is
 * put back, so every other importer keeps the one it has.
 */
export function freshModule<T>(resolved: string): T {
  const cached = require.cache[resolved];
  delete require.cache[resolved];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(resolved) as T;
  } finally {
    if (cached !== undefined) require.cache[resolved] = cached;
  }
}
