export {
  type AuditData,
  type AuditPackage,
  decodeAuditData,
  parseAuditJson,
  RUST_AUDIT_INSPECTOR,
  RustAuditSink,
  rustAuditInspector,
} from './audit.js'
export { type CargoLock, type CargoLockPackage, parseCargoLock } from './cargo-lock.js'
export { isDirectorySource, rustCataloger } from './rust.js'
