/** An image reference as the user wrote it, resolved to the kind of source that reads it (Scout's syntax). */
export type ImageRef =
  | { kind: 'archive'; path: string; name?: string; raw: string }
  | { kind: 'oci-dir'; path: string; tag?: string; raw: string }
  | { kind: 'fs'; path: string; raw: string }
  | { kind: 'registry'; name: string; raw: string }
  | { kind: 'engine'; name: string; raw: string }
  | { kind: 'image'; name: string; raw: string }
  | { kind: 'sbom'; path: string; raw: string }

export type ImageRefKind = ImageRef['kind']
