/** Bumped when the layout changes; a DB of another version is refused with a clear message, never misread. */
export const SCHEMA_VERSION = 1

export const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE feeds (
  name TEXT PRIMARY KEY, url TEXT, importer_version INTEGER, feed_version TEXT, fetched_at TEXT,
  etag TEXT, last_modified TEXT, sha256 TEXT, bytes INTEGER, records INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0, skipped_sample TEXT
) WITHOUT ROWID;
CREATE TABLE vulnerabilities (
  rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, summary TEXT, details TEXT,
  published TEXT, modified TEXT, withdrawn TEXT, severity TEXT, severity_source TEXT, cwes TEXT, refs TEXT,
  UNIQUE (source, id)
);
CREATE INDEX vulnerabilities_by_id ON vulnerabilities (id);
CREATE TABLE aliases (vuln INTEGER NOT NULL, alias TEXT NOT NULL, PRIMARY KEY (vuln, alias)) WITHOUT ROWID;
CREATE INDEX aliases_by_alias ON aliases (alias);
CREATE TABLE affected (
  vuln INTEGER NOT NULL, namespace TEXT NOT NULL, package TEXT NOT NULL, ranges TEXT, fixed TEXT,
  status TEXT NOT NULL, urgency TEXT
);
CREATE INDEX affected_by_package ON affected (namespace, package);
CREATE INDEX affected_by_vuln ON affected (vuln);
CREATE TABLE cvss (
  vuln INTEGER NOT NULL, source TEXT NOT NULL, version TEXT NOT NULL, vector TEXT NOT NULL, score REAL,
  PRIMARY KEY (vuln, source, vector)
) WITHOUT ROWID;
CREATE TABLE kev (
  cve TEXT PRIMARY KEY, date_added TEXT, due_date TEXT, ransomware TEXT, vendor TEXT, product TEXT, name TEXT
) WITHOUT ROWID;
CREATE TABLE epss (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL, date TEXT) WITHOUT ROWID;
`
