"""Data shipped with the index package: the act head's weights (act_head.npz, see index/act_head.py) and the
places that tell no story from another (places.txt, see index/stories.py)."""
