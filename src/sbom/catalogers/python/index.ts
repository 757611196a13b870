export {
  declaredLicenses,
  normalizeName,
  parseCoreMetadata,
  parseInstalledFiles,
  parseRecordPaths,
  parseRequiresTxt,
} from './metadata.js'
export { type PythonFormat, type PythonMetadata, pythonCataloger } from './python.js'
