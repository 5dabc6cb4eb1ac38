"""Retrieve: rewrite follow-ups, fuse dense and BM25 candidates, rerank, diversify."""
