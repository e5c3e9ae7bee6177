"""Answer composition: the sentences that answer a question, and when to refuse.
This branch holds only the reader model (answer.reader)."""
