"""The bundled reader: config.json and weights.npz written by training/train_reader.py (see ../README.md)."""
