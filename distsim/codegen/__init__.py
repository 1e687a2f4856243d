"""Generated Cython kernels for model code (compiled once per model, cached)."""
