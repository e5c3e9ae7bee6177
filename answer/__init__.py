"""The question side: what a question asks, retrieval over an index snapshot, which sentences to quote,
a story's parties, and the Answer/Quote/Party data the front ends render (answer.render in plain text)."""
