# Python's parse of spellings.txt: the binary and Python's own print of it.
import sys
from tensorflow.core.protobuf import meta_graph_pb2
from google.protobuf import text_format
m = text_format.Parse(open("spellings.txt").read(), meta_graph_pb2.MetaGraphDef())
open("spellings.pb", "wb").write(m.SerializeToString(deterministic=True))
open("spellings.printed.txt", "w").write(text_format.MessageToString(m))
