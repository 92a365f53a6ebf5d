import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"]="3"
from tensorflow.core.protobuf import meta_graph_pb2, saver_pb2
from tensorflow.core.framework import tensor_pb2, attr_value_pb2
from google.protobuf import text_format, any_pb2
out = sys.argv[1]
m = meta_graph_pb2.MetaGraphDef()
m.meta_info_def.meta_graph_version = "v\x01 é"
m.meta_info_def.tags.extend(["serve", "train"])
sd = saver_pb2.SaverDef(filename_tensor_name="save/Const:0", max_to_keep=5, keep_checkpoint_every_n_hours=0.1, version=saver_pb2.SaverDef.V2)
m.meta_info_def.any_info.Pack(sd)
n = m.graph_def.node.add(name="c", op="Const")
t = n.attr["value"].tensor
t.dtype = 1
t.float_val.extend([0.1, float("inf"), -float("inf"), float("nan"), 1e-7, 3.4028235e38, 1e16, 123456789, -0.0, 1.0, 0.3, 2.5e-5, 1/3, 16777216.0, 1e-45])
t.double_val.extend([0.1, 1e16, 1e15, 123456789012.5, 1e-5, 0.0001, -0.0, 5e-324, 1.7976931348623157e308, float("nan"), 2.0/3])
t.int64_val.extend([-9223372036854775808, 9223372036854775807, 0])
t.string_val.extend([bytes(range(256))])
n.attr["dtype"].type = 1
n.attr["b"].b = False
n.attr["list"].list.i.extend([1, -2])
n.attr["a_shape"].shape.dim.add(size=-1, name="batch")
n2 = m.graph_def.node.add(name="unknown_enum", op="Placeholder")
n2.attr["dtype"].type = 777
m.collection_def["any"].any_list.value.add().Pack(sd)
bad = m.collection_def["zbad"].any_list.value.add(); bad.type_url = "type.googleapis.com/no.such.Type"; bad.value = b"\x08\x01"
m.collection_def["noslash"].any_list.value.add(type_url="nourl", value=b"x")
m.collection_def["ints"].int64_list.value.extend([1, 2, 3])
sd2 = m.signature_def["sig"]; sd2.method_name = "m"; sd2.inputs["x"].name = "x:0"; sd2.inputs["a"].name = "a:0"
open(os.path.join(out, "zoo.txt"), "w").write(text_format.MessageToString(m))
open(os.path.join(out, "zoo.pb"), "wb").write(m.SerializeToString(deterministic=True))
