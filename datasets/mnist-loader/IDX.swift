// MNISTLoader: IDX reading (to be written).
