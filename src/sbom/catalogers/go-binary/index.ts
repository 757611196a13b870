export {
  BUILDINFO_MAGIC,
  GO_BUILDINFO_INSPECTOR,
  type GoBuildInfoRaw,
  GoBuildInfoSink,
  goBuildInfoInspector,
  parseInlineBuildInfo,
} from './buildinfo.js'
export { goBinaryCataloger, goPurl } from './go-binary.js'
export { type GoBuildInfo, type GoModule, goUnquote, parseModinfo } from './modinfo.js'
