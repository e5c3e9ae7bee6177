"""The index: article files read, cut into chunks, embedded and stored in segments, built and updated
incrementally; the snapshot, vectors and BM25 term counts that a search reads (no question-side code)."""
