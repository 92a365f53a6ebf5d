// Optimizer state into a compiled Keras 3 model's archive. Keras 3's Adam
// (keras/src/optimizers/adam.py, base_optimizer.py) saves `iterations`,
// `learning_rate`, then for each trainable variable in the model's order its
// `momentum` and `velocity`: TF1's `VAR/Adam` (first moment) and `VAR/Adam_1`
// (second moment). `global_step` becomes `iterations`; the learning rate stays the
// template's (beta1_power/beta2_power are powers of the step, not a rate).
import Foundation

enum KerasOptimizerState {
    static func match(reader: CheckpointReader, templateKeys: [String], template: KerasFile,
                      entryByKey: [String: TensorEntry], modelPairs: [KerasPairing], optimizerSources: [String],
                      fillFromTemplate: Bool) throws -> ([(String, KerasValue)], [KerasPairing], [KerasUnmatched]) {
        guard !templateKeys.isEmpty else { return ([], [], []) }
        let keys = templateKeys.sorted { (index($0) ?? 0) < (index($1) ?? 0) }
        var plan: [(String, KerasValue)] = []
        var pairs: [KerasPairing] = []
        var unmatched: [KerasUnmatched] = []
        var assigned: [String: (String, [String])] = [:]   // template key → (source key, reasons)

        let optimizerName = template.groupName("optimizer/vars") ?? ""
        let trainable = trainableOrder(template: template, modelPairs: modelPairs)
        let sourceKeys = Set(reader.entries.map(\.key))
        if let k = reader.foreign as? KerasCheckpoint {
            // Another Keras file: the same model and optimizer keep the same indices.
            let theirs = k.file.entries.filter { $0.key.hasPrefix("optimizer/vars/") }
            if theirs.count == keys.count {
                for key in keys where k.file.datasets[key] != nil { assigned[key] = (key, ["name", "optimizer"]) }
            }
        } else if optimizerName.lowercased().hasPrefix("adam"), keys.count == 2 + 2 * trainable.count {
            if sourceKeys.contains("global_step") { assigned[keys[0]] = ("global_step", ["optimizer", "global_step → iterations"]) }
            for (i, (_, source)) in trainable.enumerated() {
                if let source, sourceKeys.contains(source + "/Adam") {
                    assigned[keys[2 + 2 * i]] = (source + "/Adam", ["optimizer", "slot Adam → momentum", "order"])
                }
                if let source, sourceKeys.contains(source + "/Adam_1") {
                    assigned[keys[3 + 2 * i]] = (source + "/Adam_1", ["optimizer", "slot Adam_1 → velocity", "order"])
                }
            }
        }
        for (position, key) in keys.enumerated() {
            let e = entryByKey[key]!
            let name = variableName(position, optimizer: optimizerName, count: keys.count)
            if let (s, reasons) = assigned[key], let se = reader.entry(s), se.shape == e.shape, se.dtype == e.dtype {
                plan.append((key, .source(s)))
                pairs.append(KerasPairing(template: key, layerClass: "optimizer", variable: name, source: s, reasons: reasons,
                                          transform: nil, dtype: e.dtype, shape: e.shape))
            } else if fillFromTemplate || position == 1 {
                // learning_rate: a setting of the new optimizer, kept from the template.
                plan.append((key, .template))
                pairs.append(KerasPairing(template: key, layerClass: "optimizer", variable: name, source: nil,
                                          reasons: position == 1 ? ["kept from template (learning rate)"] : ["filled"],
                                          transform: nil, dtype: e.dtype, shape: e.shape))
            } else {
                unmatched.append(KerasUnmatched(template: key, layerClass: "optimizer", variable: name, dtype: e.dtype,
                                                shape: e.shape, candidates: optimizerSources.filter { reader.entry($0)?.shape == e.shape }.prefix(5).map { $0 }))
            }
        }
        return (plan, pairs, unmatched)
    }

    static func index(_ key: String) -> Int? { key.split(separator: "/").last.flatMap { Int($0) } }

    static func variableName(_ position: Int, optimizer: String, count: Int) -> String {
        if position == 0 { return "iterations" }
        if position == 1 { return "learning_rate" }
        if optimizer.lowercased().hasPrefix("adam") { return position % 2 == 0 ? "momentum" : "velocity" }
        return "vars/\(position)"
    }

    /// The model's trainable variables in `model.trainable_variables` order (the
    /// config's layer order; moving statistics left out), with the source key each
    /// was matched to.
    static func trainableOrder(template: KerasFile, modelPairs: [KerasPairing]) -> [(String, String?)] {
        guard let json = template.configJSON,
              let root = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let config = root["config"] as? [String: Any], let layers = config["layers"] as? [[String: Any]] else { return [] }
        var pathByName: [String: String] = [:]
        for g in template.catalog.groups where g.path.hasSuffix("/vars") {
            if let n = g.attributes.first(where: { $0.0 == "name" })?.1, pathByName[n] == nil {
                pathByName[n] = String(g.path.dropLast(5))
            }
        }
        let sourceByTemplate = Dictionary(modelPairs.map { ($0.template, $0.source) }, uniquingKeysWith: { a, _ in a })
        var out: [(String, String?)] = []
        for layer in layers {
            guard let c = layer["config"] as? [String: Any], let name = c["name"] as? String, c["trainable"] as? Bool != false,
                  var path = pathByName[name] else { continue }
            if ["LSTM", "GRU", "SimpleRNN"].contains(layer["class_name"] as? String ?? "") { path += "/cell" }
            let vars = modelPairs.filter { $0.template.hasPrefix(path + "/vars/") }
                .sorted { (index($0.template) ?? 0) < (index($1.template) ?? 0) }
            for v in vars where v.variable != "moving_mean" && v.variable != "moving_variance" {
                out.append((v.template, sourceByTemplate[v.template] ?? nil))
            }
        }
        return out
    }
}
