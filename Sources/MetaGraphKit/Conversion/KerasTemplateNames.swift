// Names a TF1 checkpoint may use for the variables of a Keras 3 model saved through
// tf.train.Checkpoint: Keras 3 gives variables of different layers one full_name
// (`net/kernel` for every Dense kernel of a model named `net`), so the object path
// (`model/conv1/_kernel` → `conv1/kernel`) names them instead; its optimizer keeps
// slots as plain variables named after the variable's path
// (`adam/net_conv1_kernel_momentum`), and its step counter as `adam/iteration`.

enum KerasTemplateNames {
    /// Full names more than one (non-slot) template tensor has.
    static func collidedFullNames(_ tensors: [RemapTargetTensor]) -> Set<String> {
        var count: [String: Int] = [:]
        for t in tensors where t.slot == nil && !t.fullName.isEmpty { count[t.fullName, default: 0] += 1 }
        return Set(count.filter { $0.value > 1 }.keys)
    }

    /// TF1-style names for a template key's object path, most likely first:
    /// `model/conv1/_kernel/.ATTRIBUTES/VARIABLE_VALUE` → `conv1/kernel`,
    /// `model/conv1/kernel`. Empty for keys that are not variable values.
    static func objectPathNames(_ key: String) -> [String] {
        let suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
        guard key.hasSuffix(suffix) else { return [] }
        let parts = key.dropLast(suffix.count).split(separator: "/").map { component -> String in
            var c = Substring(component)
            while c.first == "_" { c = c.dropFirst() }
            return c.isEmpty ? String(component) : String(c)
        }
        guard parts.count >= 2, parts.first != "optimizer" else { return [] }
        return [parts.dropFirst().joined(separator: "/"), parts.joined(separator: "/")]
    }

    /// `<model name>_<object path with / as _>` → the TF1 name by object path, as
    /// Keras 3 optimizers name their slot variables (`net_conv1_kernel`).
    static func flattenedPaths(_ tensors: [RemapTargetTensor]) -> [String: String] {
        var out: [String: String] = [:]
        for t in tensors where t.slot == nil {
            guard let name = objectPathNames(t.key).first, let root = t.fullName.split(separator: "/").first else { continue }
            let flat = String((root + "/" + name).map { $0 == "/" ? "_" : $0 })
            if out[flat] == nil { out[flat] = name }
        }
        return out
    }

    /// `global_step` for a Keras optimizer's step counter (`adam/iteration`,
    /// `…/iterations`).
    static func stepCounterSource(_ t: RemapTargetTensor) -> String? {
        guard t.slot == nil, t.dtype == .int64 || t.dtype == .invalid else { return nil }
        let last = t.fullName.split(separator: "/").last ?? ""
        return last == "iteration" || last == "iterations" ? "global_step" : nil
    }

    /// Whether suggesting source `name` for target `t` makes sense: powers of the
    /// Adam betas are no learning rate (they fold into the step count), nothing
    /// else is one either; `VAR/Adam` (first moment) is `m`/`momentum`, never
    /// `v`/`velocity`, and `VAR/Adam_1` the reverse.
    static func plausible(_ name: String, _ t: RemapTargetTensor) -> Bool {
        let source = name.split(separator: "/").last.map(String.init) ?? name
        let target = t.slot?.name ?? (t.fullName.split(separator: "/").last.map(String.init) ?? t.fullName)
        if source == "beta1_power" || source == "beta2_power" { return false }
        if target == "learning_rate" || target == "lr" { return false }
        let first = target == "m" || target.hasSuffix("_momentum")
        let second = target == "v" || target.hasSuffix("_velocity")
        if source == "Adam", second { return false }
        if source == "Adam_1", first { return false }
        return true
    }
}
