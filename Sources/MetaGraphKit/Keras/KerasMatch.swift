// Matching a checkpoint's variables to a Keras 3 template's, without hand-written
// rules. Both sides are grouped into layers: the template's by its weights file
// (`layers/conv2d_1/vars/…`, class from config.json or the path), the source's by
// scope (`conv2d_1/kernel`, `model/dense/weights`, a Keras file's layers, an
// object-based checkpoint's full names). Layers of one class are paired in order
// (Keras numbers its generic names in creation order, as TF1 numbers its scopes),
// skipping a source layer whose shapes do not fit; inside a pair variables go by
// name (TF1 aliases included) and must agree in shape and dtype.

/// One template variable and where its value comes from.
public struct KerasPairing: Sendable {
    /// The template's key (`layers/dense/vars/0`).
    public let template: String
    /// The template layer's class, when known.
    public let layerClass: String?
    /// The variable's name by convention (`kernel`), when known.
    public let variable: String?
    /// The source key, or nil for a value filled from the template.
    public let source: String?
    /// Why: `name`, `order`, `shape`, `class`, `filled`.
    public let reasons: [String]
    /// A conversion beyond a copy (`lstm-split`), or nil.
    public let transform: String?
    public let dtype: DType
    public let shape: [Int]
}

/// A template variable with no source, and the closest source candidates.
public struct KerasUnmatched: Sendable {
    public let template: String
    public let layerClass: String?
    public let variable: String?
    public let dtype: DType
    public let shape: [Int]
    /// Unused source keys of the same shape (at most 5).
    public let candidates: [String]
    /// Why no source layer fits, when the matcher can tell (a TF1 GRU cell and a
    /// template GRU with `reset_after=True`).
    public var note: String? = nil
}

/// The result of matching a source checkpoint against a Keras 3 template.
public struct KerasMatchReport: Sendable {
    public let source: String
    public let template: String
    public let pairs: [KerasPairing]
    public let unmatched: [KerasUnmatched]
    /// Source keys no template variable took.
    public let unusedSources: [String]
    /// Source keys left out as optimizer state (slots, step counters).
    public let optimizerLeftOut: [String]
    /// Whether the template carries optimizer variables.
    public let templateHasOptimizer: Bool
    /// Source keys dropped by --drop.
    public let dropped: [String]

    /// Whether every template variable has a value.
    public var complete: Bool { unmatched.isEmpty }
}

/// What a template variable is written from.
enum KerasValue {
    case source(String)
    /// A source tensor whose value the rules change (merged, transposed, cast…).
    case planned(PlannedTensor)
    case template
    case computed(Tensor)
}

/// A variable of the source, seen as layer scope + variable name.
struct SourceVariable {
    var key: String
    /// The name after rules (`dense_1/kernel`).
    var name: String
    var scope: String
    var variable: String
    var dtype: DType
    var shape: [Int]
    /// A class the source itself names (Keras files).
    var declaredClass: String?
    /// The rules' plan when they change the value (nil: copied as stored).
    var planned: PlannedTensor? = nil

    /// Where a template variable paired with this one takes its value.
    var value: KerasValue { planned.map { .planned($0) } ?? .source(key) }

    /// The value as the rules make it.
    func tensor(_ reader: CheckpointReader) throws -> Tensor {
        try planned?.value(from: reader).tensor ?? reader.tensor(key)
    }
}

enum KerasMatcher {
    /// TF1 and slim names of Keras variables.
    static let aliases: [String: String] = [
        "weights": "kernel", "biases": "bias", "depthwise_weights": "depthwise_kernel",
        "pointwise_weights": "pointwise_kernel", "embedding": "embeddings", "w": "kernel", "b": "bias",
        "_kernel": "kernel", "_embeddings": "embeddings",
    ]

    /// Optimizer slots and counters of TF1 and TF2 checkpoints.
    static func isOptimizerState(_ name: String) -> Bool {
        let parts = name.split(separator: "/").map(String.init)
        guard let last = parts.last else { return false }
        if ["global_step", "beta1_power", "beta2_power", "save_counter"].contains(name) { return true }
        if name.hasPrefix("optimizer/") || name.contains("/.OPTIMIZER_SLOT/") || name.hasPrefix("save_counter/") { return true }
        let slots: Set<String> = ["Adam", "Adam_1", "Momentum", "RMSProp", "RMSProp_1", "Adagrad", "Adadelta", "Adadelta_1",
                                  "Ftrl", "Ftrl_1", "ExponentialMovingAverage"]
        return slots.contains(last)
    }

    /// Natural order of scope paths: `dense` < `dense_1` < `dense_2` < `dense_10`.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "/"), y = b.split(separator: "/")
        for (p, q) in zip(x, y) where p != q {
            if let pi = Int(p), let qi = Int(q) { return pi < qi }
            let (ps, pn) = KerasLayers.stem(String(p)), (qs, qn) = KerasLayers.stem(String(q))
            if ps != qs { return ps < qs }
            if pn != qn { return pn < qn }
            return p < q
        }
        return x.count < y.count
    }

    /// The Keras class a source layer's variables look like.
    static func guessClass(scope: String, variables: [SourceVariable]) -> String? {
        if let declared = variables.first?.declaredClass { return declared }
        let names = Set(variables.map(\.variable))
        let stem = KerasLayers.stem(String(scope.split(separator: "/").last ?? "")).stem.lowercased()
        func rankOf(_ n: String) -> Int? { variables.first { $0.variable == n }?.shape.count }
        if names.contains("gates_kernel"), names.contains("candidate_kernel") { return "TF1GRUCell" }
        if names.contains("embeddings") { return "Embedding" }
        if names.contains("depthwise_kernel"), names.contains("pointwise_kernel") {
            return "SeparableConv\((rankOf("depthwise_kernel") ?? 4) - 2)D"
        }
        if names.contains("depthwise_kernel") { return "DepthwiseConv\((rankOf("depthwise_kernel") ?? 4) - 2)D" }
        if names.contains("moving_mean") || names.contains("moving_variance") { return "BatchNormalization" }
        if names.contains("recurrent_kernel") {
            if stem.contains("gru") { return "GRUCell" }
            if stem.contains("simple") { return "SimpleRNNCell" }
            return "LSTMCell"
        }
        if names.contains("kernel"), let r = rankOf("kernel") {
            if stem.contains("lstm") { return "TF1LSTMCell" }
            if r == 2 { return "Dense" }
            if r >= 3, r <= 5 { return "Conv\(r - 2)D" + (stem.contains("transpose") ? "Transpose" : "") }
        }
        if names.contains("gamma") || names.contains("beta") { return stem.contains("batch") ? "BatchNormalization" : "LayerNormalization" }
        return nil
    }

    /// Whether a source layer of class `source` can fill a template layer of `template`.
    static func compatible(_ template: String, _ source: String) -> Bool {
        if template == source { return true }
        if template == "LSTMCell", source == "TF1LSTMCell" { return true }
        if template == "GRUCell", source == "TF1GRUCell" { return true }
        // A TF1 conv scope does not say "transpose" when the user named it.
        if template.hasSuffix("Transpose"), template.dropLast(9) == source { return true }
        if template == "BatchNormalization", source == "LayerNormalization" { return false }
        if template == "EinsumDense", source == "Dense" { return true }
        return false
    }

    /// Batch-normalization variable names by how many a layer has (scale or center off).
    static func batchNormNames(_ count: Int) -> [String] {
        switch count {
        case 4: ["gamma", "beta", "moving_mean", "moving_variance"]
        case 3: ["beta", "moving_mean", "moving_variance"]
        default: ["moving_mean", "moving_variance"]
        }
    }
}
