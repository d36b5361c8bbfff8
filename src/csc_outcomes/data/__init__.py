"""Data stage: the register, the readers, the store and the loader."""
