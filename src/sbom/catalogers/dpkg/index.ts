export { type Paragraph, parseControl } from './control.js'
export { dpkgCataloger } from './dpkg.js'
