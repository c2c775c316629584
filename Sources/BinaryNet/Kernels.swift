import CPopcount
