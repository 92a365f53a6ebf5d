// What a checkpoint key holds, judged by the naming conventions of TensorFlow's
// optimizers, ExponentialMovingAverage and counters: the size breakdown of `ckpt stats`.

import Foundation
/// The part a tensor plays in training.
public enum TensorRole: String, Sendable, CaseIterable {
    /// The model's own variables (what inference needs).
    case model
    /// Optimizer slots (Adam's m and v, momentum, accumulators …).
    case optimizer
    /// ExponentialMovingAverage shadow copies of the weights.
    case ema
    /// Step counters and optimizer scalars (`global_step`, `save_counter`, `beta1_power` …).
    case counter
    /// Everything else: the object graph, strings, integer tables.
    case other

    /// TF1 optimizers' slot names (`VAR/Adam`, `VAR/Adam_1`, …), after an optional `_N`.
    static let slotSuffixes: Set<String> = [
        "Adam", "Momentum", "RMSProp", "Adagrad", "ProximalAdagrad", "Adadelta", "Ftrl", "AdagradDA", "Nadam",
        "LAMB", "adam_m", "adam_v", "AdamWeightDecay", "LazyAdam", "Adamax", "Lion",
    ]
    /// Last components that name counters.
    static let counterNames: Set<String> = [
        "global_step", "save_counter", "iterations", "iter", "beta1_power", "beta2_power", "step", "_step",
        "loss_scale", "good_steps", "current_loss_scale", "learning_rate", "decay", "beta_1", "beta_2",
    ]

    /// The role of a key (dtype breaks ties: non-float tensors that match nothing
    /// are `other`).
    ///
    /// - Parameters:
    ///   - key: The checkpoint key.
    ///   - dtype: Its element type.
    /// - Returns: The role.
    public static func classify(_ key: String, dtype: DType) -> TensorRole {
        if key == "_CHECKPOINTABLE_OBJECT_GRAPH" { return .other }   // ObjectGraph.checkpointKey
        // Object-based keys end in /.ATTRIBUTES/VARIABLE_VALUE; judge the path before it.
        var path = key
        if let r = path.range(of: "/.ATTRIBUTES/") { path = String(path[..<r.lowerBound]) }
        let parts = path.split(separator: "/").map(String.init)
        let last = parts.last ?? ""
        if counterNames.contains(last) { return .counter }
        if path.contains("ExponentialMovingAverage") { return .ema }
        if path.contains(".OPTIMIZER_SLOT") || parts.first == "optimizer" { return .optimizer }
        var stem = last
        if let u = stem.lastIndex(of: "_"), !stem[stem.index(after: u)...].isEmpty,
           stem[stem.index(after: u)...].allSatisfy(\.isNumber) { stem = String(stem[..<u]) }
        if parts.count > 1, slotSuffixes.contains(stem) || slotSuffixes.contains(last) { return .optimizer }
        if parts.count > 2, let i = parts.lastIndex(where: { slotSuffixes.contains($0) }), i + 1 < parts.count, parts[i + 1].hasPrefix("part_") { return .optimizer }
        if ["float32", "float64", "float16", "bfloat16"].contains(dtype.base.name) { return .model }
        return .other
    }
}
