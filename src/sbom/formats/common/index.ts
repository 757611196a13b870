export * from './licenses.js'
export * from './shared.js'
