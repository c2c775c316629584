print("bnn-run: not written yet")
