// What Keras 3 layers call their variables, in the order their `build()` creates
// them (the order `vars/0`, `vars/1`, … of a weights file), and how the generic
// object paths of a weights file (`layers/conv2d_1`, `layers/lstm/cell`) name a
// layer's class when no config says it.

/// The variables of one Keras 3 layer in a weights file.
struct KerasLayerVariable: Equatable {
    /// The dataset's key (`layers/dense/vars/0`).
    var key: String
    /// The layer's path in the file (`layers/dense`).
    var layerPath: String
    /// The index under `vars`.
    var index: Int
    /// The layer's class (`Dense`), from the config or the path; nil when unknown.
    var layerClass: String?
    /// The layer's own name (the `vars` group's `name` attribute, `d1`).
    var layerName: String?
    /// The variable's name by the layer's convention (`kernel`, `moving_mean`).
    var variableName: String?
}

enum KerasLayers {
    /// Variable names by class, in creation order.
    static let variableNames: [String: [String]] = [
        "Dense": ["kernel", "bias"],
        "EinsumDense": ["kernel", "bias"],
        "Conv1D": ["kernel", "bias"], "Conv2D": ["kernel", "bias"], "Conv3D": ["kernel", "bias"],
        "Conv1DTranspose": ["kernel", "bias"], "Conv2DTranspose": ["kernel", "bias"], "Conv3DTranspose": ["kernel", "bias"],
        "DepthwiseConv1D": ["kernel", "bias"], "DepthwiseConv2D": ["kernel", "bias"],
        "SeparableConv1D": ["depthwise_kernel", "pointwise_kernel", "bias"],
        "SeparableConv2D": ["depthwise_kernel", "pointwise_kernel", "bias"],
        "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"],
        "LayerNormalization": ["gamma", "beta"],
        "Embedding": ["embeddings"],
        "LSTMCell": ["kernel", "recurrent_kernel", "bias"],
        "GRUCell": ["kernel", "recurrent_kernel", "bias"],
        "SimpleRNNCell": ["kernel", "recurrent_kernel", "bias"],
        "Adam": [], "SGD": [], "RMSprop": [], "AdamW": [],
    ]

    /// Keras's generic object names (snake_case of the class) → class.
    static let classBySnakeName: [String: String] = [
        "dense": "Dense", "einsum_dense": "EinsumDense",
        "conv1d": "Conv1D", "conv2d": "Conv2D", "conv3d": "Conv3D",
        "conv1d_transpose": "Conv1DTranspose", "conv2d_transpose": "Conv2DTranspose", "conv3d_transpose": "Conv3DTranspose",
        "depthwise_conv1d": "DepthwiseConv1D", "depthwise_conv2d": "DepthwiseConv2D",
        "separable_conv1d": "SeparableConv1D", "separable_conv2d": "SeparableConv2D",
        "batch_normalization": "BatchNormalization", "layer_normalization": "LayerNormalization",
        "embedding": "Embedding", "lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN",
        "lstm_cell": "LSTMCell", "gru_cell": "GRUCell", "simple_rnn_cell": "SimpleRNNCell",
        "multi_head_attention": "MultiHeadAttention",
    ]

    /// `conv2d_3` → `conv2d`; the number Keras appends to repeated names.
    static func stem(_ name: String) -> (stem: String, number: Int) {
        if let us = name.lastIndex(of: "_"), let n = Int(name[name.index(after: us)...]), n >= 0 {
            return (String(name[..<us]), n)
        }
        return (name, 0)
    }

    /// The class a generic path names (`layers/conv2d_1` → Conv2D, `layers/lstm/cell`
    /// → LSTMCell, `…/_query_dense` → EinsumDense).
    static func classFromPath(_ layerPath: String) -> String? {
        let parts = layerPath.split(separator: "/").map(String.init)
        guard let last = parts.last else { return nil }
        if last == "cell", parts.count >= 2, let parent = classBySnakeName[stem(parts[parts.count - 2]).stem] {
            return parent + "Cell"
        }
        if ["_query_dense", "_key_dense", "_value_dense", "_output_dense"].contains(last) { return "EinsumDense" }
        return classBySnakeName[stem(last).stem]
    }

    /// Every variable of a Keras file, with the layer it belongs to (optimizer
    /// variables have `layerPath` `optimizer`).
    static func variables(of file: KerasFile) -> [KerasLayerVariable] {
        var out: [KerasLayerVariable] = []
        var countByLayer: [String: Int] = [:]
        var parsed: [(String, String, Int)] = []
        for entry in file.entries {
            let key = entry.key
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[parts.count - 2] == "vars", let index = Int(parts[parts.count - 1]) else { continue }
            let layerPath = parts.dropLast(2).joined(separator: "/")
            parsed.append((key, layerPath, index))
            countByLayer[layerPath, default: 0] += 1
        }
        for (key, layerPath, index) in parsed {
            let groupPath = layerPath.isEmpty ? "vars" : layerPath + "/vars"
            let name = file.groupName(groupPath)
            var cls = name.flatMap { file.classByName[$0] }
            if cls == "LSTM" || cls == "GRU" || cls == "SimpleRNN" { cls = nil }   // the cell holds the weights
            if cls == nil { cls = classFromPath(layerPath) }
            if layerPath == "optimizer" { cls = nil }
            var variable: String? = nil
            if let cls, let names = variableNames[cls] {
                let n = countByLayer[layerPath] ?? 0
                if cls == "BatchNormalization", n == 4 || n == names.count { variable = index < names.count ? names[index] : nil }
                else if cls != "BatchNormalization", index < names.count, n <= names.count { variable = names[index] }
            }
            out.append(KerasLayerVariable(key: key, layerPath: layerPath, index: index, layerClass: cls,
                                          layerName: name, variableName: variable))
        }
        return out
    }
}
