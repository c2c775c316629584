print("bnn-train: not written yet")
