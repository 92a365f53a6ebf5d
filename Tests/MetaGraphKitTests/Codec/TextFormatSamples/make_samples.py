import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"]="3"
import tensorflow as tf
from google.protobuf import text_format
out = sys.argv[1]
g = tf.Graph()
with g.as_default():
    v = tf.compat.v1.get_variable("weights", shape=[2, 3], initializer=tf.compat.v1.zeros_initializer())
    b = tf.compat.v1.Variable(tf.constant([0.1, float("inf"), float("nan"), -float("inf"), 1e-7, 3.4028235e38], dtype=tf.float32), name="bias")
    s = tf.constant([b"quote\" 'single' back\\slash\n\t\x00\x01\xff\xfe caf\xc3\xa9", "naïve ☃".encode()], name="strs")
    d = tf.constant(0.1, dtype=tf.float64, name="dbl")
    i = tf.constant([-1, 2**40], dtype=tf.int64, name="i64")
    tf.compat.v1.add_to_collection("my_floats", 1.5)
    tf.compat.v1.add_to_collection("my_strings", "héllo")
    saver = tf.compat.v1.train.Saver()
    tf.compat.v1.train.export_meta_graph(os.path.join(out, "graph.meta.txt"), as_text=True, saver_def=saver.as_saver_def())
    tf.compat.v1.train.export_meta_graph(os.path.join(out, "graph.meta"), as_text=False, saver_def=saver.as_saver_def())
# checkpoint state file
from tensorflow.python.training import checkpoint_management
st = checkpoint_management.generate_checkpoint_state_proto("/tmp/ck", "/tmp/ck/model-2", ["/tmp/ck/model-1", "/tmp/ck/model-2"], all_model_checkpoint_timestamps=[1795555379.5780394, 1795555379.5925772], last_preserved_timestamp=1795555378.5200078)
open(os.path.join(out, "checkpoint"), "w").write(text_format.MessageToString(st))
open(os.path.join(out, "checkpoint.pb"), "wb").write(st.SerializeToString(deterministic=True))
