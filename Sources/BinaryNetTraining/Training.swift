import BinaryNet
