// MetaGraphKit: TensorFlow's saver files without TensorFlow.
