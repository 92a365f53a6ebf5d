// How TF1 optimizers name their slot variables, and the names TF2 object graphs
// give the same slots (tensorflow/python/training/{adam,momentum,rmsprop,adagrad,
// adadelta,ftrl,adagrad_da,proximal_adagrad}.py `_create_slots`; keras optimizers).

/// The optimizer-slot naming conventions used to match a TF1 name-based checkpoint
/// against a TF2 template.
///
/// A TF1 optimizer stores a slot of variable `VAR` under `VAR/<OptimizerName>` and,
/// for its second, third … slot, `VAR/<OptimizerName>_1`, `_2` (graph-mode name
/// uniquification). A TF2 object graph names the same slot either through a
/// `SlotVariableReference` (the original variable's node plus a `slot_name`) or, for
/// Keras 3 optimizers, as a plain variable `<optimizer>/<VAR with / as _>_<kind>`.
/// The template's own `full_name` is always tried first; these conventions are the
/// fallback when it is not in the checkpoint. Supported:
///
/// | TF2 template slot | TF1 checkpoint name |
/// |---|---|
/// | `m` | `VAR/Adam` |
/// | `v` | `VAR/Adam_1` |
/// | `vhat` | `VAR/Adam_2` |
/// | `momentum` (no `rms` slot) | `VAR/Momentum` |
/// | `rms` | `VAR/RMSProp` (`VAR/RMSProp_1` when an `mg` slot exists) |
/// | `momentum` (with `rms`) | `VAR/RMSProp_1` (`VAR/RMSProp_2` when an `mg` slot exists) |
/// | `mg` | `VAR/RMSProp` |
/// | `accumulator` | `VAR/Adagrad`, then `VAR/ProximalAdagrad` (`VAR/Ftrl` when a `linear` slot exists) |
/// | `accum` | `VAR/Adadelta` (`VAR/Ftrl` when a `linear` slot exists) |
/// | `accum_update`, `accum_var` | `VAR/Adadelta_1` |
/// | `accum_grad` | `VAR/Adadelta` |
/// | `linear` | `VAR/Ftrl_1` |
/// | `gradient_accumulator` | `VAR/AdagradDA` |
/// | `gradient_squared_accumulator` | `VAR/AdagradDA_1` |
/// | Keras 3 `adam/…_momentum` (also `adamw`, `nadam`, `adamax`, `lamb`, `lion`) | `VAR/Adam` |
/// | Keras 3 `adam/…_velocity` | `VAR/Adam_1` |
/// | Keras 3 `sgd/…_momentum` | `VAR/Momentum` |
/// | Keras 3 `rmsprop/…_velocity` | `VAR/RMSProp` |
/// | Keras 3 `rmsprop/…_momentum` | `VAR/RMSProp_1` |
/// | Keras 3 `adagrad/…_accumulator` | `VAR/Adagrad` |
///
/// TF1 optimizers created with a custom `name=` use that name instead of `Adam`,
/// `Momentum` …; rename with a rule first (`--rule '/MyAdam(_1)?$=>/Adam$1'`).
public enum SlotConventions {
    /// TF1 names for slot `slot` of variable `variable`, given the other slot names
    /// the same optimizer keeps for that variable.
    ///
    /// - Parameters:
    ///   - variable: The variable's full name (`dense/kernel`).
    ///   - slot: The template's `slot_name` (`m`).
    ///   - siblings: Every slot name the optimizer has for the variable.
    /// - Returns: Candidate TF1 checkpoint names, most likely first.
    public static func tf1Names(variable: String, slot: String, siblings: Set<String>) -> [String] {
        let centered = siblings.contains("mg")
        let suffixes: [String] = switch slot {
        case "m": ["Adam"]
        case "v": ["Adam_1"]
        case "vhat": ["Adam_2"]
        case "momentum" where siblings.contains("rms"): [centered ? "RMSProp_2" : "RMSProp_1"]
        case "momentum": ["Momentum"]
        case "rms": [centered ? "RMSProp_1" : "RMSProp"]
        case "mg": ["RMSProp"]
        case "accumulator" where siblings.contains("linear"): ["Ftrl"]
        case "accumulator": ["Adagrad", "ProximalAdagrad"]
        case "accum" where siblings.contains("linear"): ["Ftrl"]
        case "accum": ["Adadelta"]
        case "accum_update", "accum_var": ["Adadelta_1"]
        case "accum_grad": ["Adadelta"]
        case "linear": ["Ftrl_1"]
        case "gradient_accumulator": ["AdagradDA"]
        case "gradient_squared_accumulator": ["AdagradDA_1"]
        default: []
        }
        return suffixes.map { "\(variable)/\($0)" }
    }

    /// For a Keras 3 optimizer variable (`adam/dense_kernel_momentum`), the TF1 slot
    /// name, given the template's variables by flattened name (`dense/kernel` under
    /// `dense_kernel`).
    ///
    /// - Parameters:
    ///   - fullName: The Keras 3 optimizer variable's full name.
    ///   - variables: Flattened variable name (`/` → `_`) → full name.
    /// - Returns: Candidate TF1 names; empty when `fullName` is no such variable.
    public static func keras3TF1Names(fullName: String, variables: [String: String]) -> [String] {
        guard let slash = fullName.firstIndex(of: "/") else { return [] }
        let optimizer = fullName[..<slash].lowercased()
        let rest = String(fullName[fullName.index(after: slash)...])
        for kind in ["momentum", "velocity", "accumulator"] where rest.hasSuffix("_" + kind) {
            guard let variable = variables[String(rest.dropLast(kind.count + 1))] else { return [] }
            let suffix: String? = switch (optimizer, kind) {
            case ("sgd", "momentum"): "Momentum"
            case ("rmsprop", "velocity"): "RMSProp"
            case ("rmsprop", "momentum"): "RMSProp_1"
            case ("adagrad", "accumulator"): "Adagrad"
            case (_, "momentum"): "Adam"
            case (_, "velocity"): "Adam_1"
            default: nil
            }
            return suffix.map { ["\(variable)/\($0)"] } ?? []
        }
        return []
    }
}
