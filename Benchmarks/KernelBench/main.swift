print("bnn-kernel-bench: not written yet")
