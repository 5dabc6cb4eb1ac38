"""Index: embedder, Chroma vector store, BM25 lexical index, and atomic index generations."""
