export {
  DEFAULT_JAVA_LIMITS,
  type FoundJavaIssue,
  type FoundJavaPackage,
  type JarScan,
  type JavaIdentitySource,
  type JavaLimits,
  parseArchiveFileName,
  scanArchive,
} from './archive.js'
export {
  JAVA_INSPECTOR_ID,
  type JavaMetadata,
  javaArchiveInspector,
  javaCataloger,
  makeJavaCataloger,
} from './java.js'
export { type Manifest, manifestIdentity, parseManifest } from './manifest.js'
export { type MavenCoordinates, parsePomProperties, parsePomXml, parseProperties } from './pom.js'
