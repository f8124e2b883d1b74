import type { Migration } from './index.ts';

/**
 * The knowledge index: sources the user added (folders, imported Wikipedia dumps), their documents with what
 * is needed to re-index incrementally (size, mtime, content hash), and passages with their location in the
 * document, searchable through FTS5 (BM25, porter stemming). `embedding` holds an optional float32 vector
 * for hybrid ranking.
 */
export const migration0020: Migration = {
  version: 20,
  name: 'knowledge',
  up(db) {
    db.exec(`
      CREATE TABLE knowledge_sources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,                 -- folder | wikipedia
        path TEXT NOT NULL UNIQUE,
        added_at INTEGER NOT NULL,
        indexed_at INTEGER,
        meta TEXT NOT NULL DEFAULT '{}'
      ) STRICT;

      CREATE TABLE knowledge_documents (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES knowledge_sources(id) ON DELETE CASCADE,
        path TEXT NOT NULL,                 -- file path, or article title for a dump
        title TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        indexed_at INTEGER NOT NULL,
        error TEXT,
        UNIQUE (source_id, path)
      ) STRICT;

      CREATE TABLE knowledge_passages (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES knowledge_documents(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        location TEXT NOT NULL,             -- "lines 10-24", "page 3", "paragraph 2"
        text TEXT NOT NULL,
        embedding BLOB
      ) STRICT;
      CREATE INDEX knowledge_passages_document ON knowledge_passages(document_id, idx);

      CREATE VIRTUAL TABLE knowledge_fts USING fts5(text, content='knowledge_passages', content_rowid='id', tokenize='porter unicode61');
      CREATE TRIGGER knowledge_passages_ai AFTER INSERT ON knowledge_passages BEGIN
        INSERT INTO knowledge_fts(rowid, text) VALUES (new.id, new.text);
      END;
      CREATE TRIGGER knowledge_passages_ad AFTER DELETE ON knowledge_passages BEGIN
        INSERT INTO knowledge_fts(knowledge_fts, rowid, text) VALUES ('delete', old.id, old.text);
      END;
    `);
  },
};
