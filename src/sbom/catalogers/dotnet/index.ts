export { dotnetCataloger, type NugetMetadata } from './dotnet.js'
