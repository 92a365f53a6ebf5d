// The `slots` step: an optimizer's slot variables renamed from one naming
// convention to another (TF1 `VAR/Adam`, TF2 slot names `VAR/m`, object-based
// `VAR/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE`). The table is
// SlotConventions' (tensorflow/python/training/*.py `_create_slots`).
import Foundation

/// Optimizer slot families and the conventions the `slots` step converts between.
///
/// Conventions:
/// - `tf1`: `VAR/<Name>`, `VAR/<Name>_1` … (`Name` is the optimizer's TF1 name,
///   `Adam` by default for `adam`, or the step's `tf1_name`);
/// - `slot_names`: `VAR/<slot>` with TF2's slot name (`m`, `v`, `momentum`, …);
/// - `object`: `VAR/.OPTIMIZER_SLOT/optimizer/<slot>/.ATTRIBUTES/VARIABLE_VALUE`.
public enum RuleSlotFamilies {
    /// Optimizer → (TF1 name, [(TF1 suffix index, TF2 slot name)]).
    public static let families: [String: (tf1: String, slots: [String])] = [
        "adam": ("Adam", ["m", "v", "vhat"]),
        "adamw": ("AdamW", ["m", "v"]),
        "momentum": ("Momentum", ["momentum"]),
        "rmsprop": ("RMSProp", ["rms", "momentum"]),
        "centered_rmsprop": ("RMSProp", ["mg", "rms", "momentum"]),
        "adagrad": ("Adagrad", ["accumulator"]),
        "ftrl": ("Ftrl", ["accumulator", "linear"]),
        "adadelta": ("Adadelta", ["accum_grad", "accum_var"]),
        "lamb": ("LAMB", ["m", "v"]),
    ]

    /// The conventions `from`/`to` may name.
    public static let conventions = ["tf1", "slot_names", "object"]

    /// A name's slot in `from` convention rewritten in `to`, or nil when it is no slot
    /// of `optimizer` in `from`.
    public static func rename(_ name: String, optimizer: String, from: String, to: String, tf1Name: String?) -> String? {
        guard let family = families[optimizer.lowercased()] else { return nil }
        let tf1 = tf1Name ?? family.tf1
        // Parse.
        var variable = ""
        var slot: Int?
        switch from {
        case "tf1":
            guard let slash = name.lastIndex(of: "/") else { return nil }
            let last = name[name.index(after: slash)...]
            variable = String(name[..<slash])
            if last == tf1 { slot = 0 } else if last.hasPrefix(tf1 + "_"), let n = Int(last.dropFirst(tf1.count + 1)), n >= 1 { slot = n }
        case "slot_names":
            guard let slash = name.lastIndex(of: "/") else { return nil }
            variable = String(name[..<slash])
            slot = family.slots.firstIndex(of: String(name[name.index(after: slash)...]))
        case "object":
            let tail = "/.ATTRIBUTES/VARIABLE_VALUE"
            guard name.hasSuffix(tail), let r = name.range(of: "/.OPTIMIZER_SLOT/optimizer/") else { return nil }
            variable = String(name[..<r.lowerBound])
            slot = family.slots.firstIndex(of: String(name[r.upperBound..<name.index(name.endIndex, offsetBy: -tail.count)]))
        default:
            return nil
        }
        guard let slot, slot < family.slots.count, !variable.isEmpty else { return nil }
        switch to {
        case "tf1": return variable + "/" + (slot == 0 ? tf1 : "\(tf1)_\(slot)")
        case "slot_names": return variable + "/" + family.slots[slot]
        case "object": return variable + "/.OPTIMIZER_SLOT/optimizer/" + family.slots[slot] + "/.ATTRIBUTES/VARIABLE_VALUE"
        default: return nil
        }
    }
}
