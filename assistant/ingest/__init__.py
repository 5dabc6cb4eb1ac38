"""Ingest: files → Documents (loaders) → Chunks (chunker) → index (pipeline)."""
