"""What runs below the Python-level operations: the array library seam (:mod:`.backend`) and
the compiled C kernels with their loader (:mod:`.kernels`)."""
