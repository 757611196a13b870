export { apkCataloger, parseApkInstalled } from './apk.js'
