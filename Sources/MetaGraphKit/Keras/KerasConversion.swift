// `ckpt to-keras`: a checkpoint's values written as a Keras 3 `.weights.h5` or
// `.keras` file shaped like a template the user's current model wrote.

/// Writes any checkpoint's values into a Keras 3 weights file or archive.
public enum KerasConversion {
    /// What `toKeras` did.
    public struct Result: Sendable {
        /// The pairings and what is missing.
        public let report: KerasMatchReport
        /// The file written, or nil (dry run, or incomplete without fill).
        public let destination: String?
        /// Tensors written and their element bytes.
        public let tensors: Int
        public let bytes: Int
        /// Rule steps and `map` entries that matched none of the source's names (warnings).
        public var unmatchedRules: [String] = []
    }

    /// Matches `source` against `template` and, unless `dryRun`, writes `destination`.
    ///
    /// - Parameters:
    ///   - source: Any checkpoint `CheckpointReader` opens (TF1 V1/V2, object-based, Keras 3 file).
    ///   - template: A `.weights.h5` or `.keras` file written by the target model.
    ///   - destination: `….weights.h5` or `….keras` (an archive with the template's config).
    ///   - rules: Renames and drops applied to the source's names first.
    ///   - fillFromTemplate: Template variables without a source keep the template's value.
    ///   - overwrite: Replace an existing destination.
    ///   - dryRun: Match only.
    /// - Returns: The report; `destination` nil when nothing was written. An incomplete
    ///   match without `fillFromTemplate` writes nothing (the caller exits 1).
    /// - Throws: ``MetaGraphKitError`` for unreadable inputs, an existing
    ///   destination, a destination that is not `.weights.h5`/`.keras`.
    public static func toKeras(source: String, template: String, destination: String, rules: KeyRules = KeyRules(),
                               fillFromTemplate: Bool = false, overwrite: Bool = false, dryRun: Bool = false) throws -> Result {
        try toKeras(source: source, template: template, destination: destination, ruleSet: RuleSet(rules),
                    fillFromTemplate: fillFromTemplate, overwrite: overwrite, dryRun: dryRun)
    }

    /// ``toKeras(source:template:destination:rules:fillFromTemplate:overwrite:dryRun:)``
    /// with every step of a ``RuleSet`` (`--rules` files, `--preset`s) applied to the
    /// source's names and values before they are matched with the template: renames,
    /// drops, `slots`, and value changes (`transpose`, `reshape`, `cast`,
    /// `merge_partitions`, `promote_ema`), which are carried out tensor by tensor
    /// as the file is written.
    ///
    /// - Parameters: as the ``KeyRules`` form; `strict` fails when a step or `map`
    ///   entry matches none of the source's names.
    /// - Returns: The report; ``Result/unmatchedRules`` lists the steps that matched nothing.
    /// - Throws: as the ``KeyRules`` form, and as ``RuleSet/plan(_:file:strict:)``.
    public static func toKeras(source: String, template: String, destination: String, ruleSet: RuleSet, strict: Bool = false,
                               fillFromTemplate: Bool = false, overwrite: Bool = false, dryRun: Bool = false) throws -> Result {
        let isArchive = destination.hasSuffix(".keras")
        guard isArchive || destination.hasSuffix(".h5") else {
            throw MetaGraphKitError.invalidArgument(destination, "the output must end in .weights.h5 or .keras")
        }
        let templateFile = try KerasFile(path: template)
        if isArchive, templateFile.configJSON == nil {
            throw MetaGraphKitError(.invalidArgument,
                "\(destination): a .keras output needs a .keras template (its config.json); \(template) is a weights file")
        }
        let reader = try CheckpointReader(path: source)
        let (report, plan, unmatched) = try match(reader: reader, template: templateFile, rules: ruleSet, strict: strict,
                                                  fillFromTemplate: fillFromTemplate)
        guard !dryRun, report.complete || fillFromTemplate else {
            return Result(report: report, destination: nil, tensors: 0, bytes: 0, unmatchedRules: unmatched)
        }
        if FileIO.exists(destination), !overwrite {
            throw MetaGraphKitError.outputExists(destination)
        }
        if PathRules.absolute(destination) == PathRules.absolute(source) || PathRules.absolute(destination) == PathRules.absolute(template) {
            throw MetaGraphKitError.invalidArgument(destination, "the output is one of the inputs")
        }
        let bytes = try KerasWriter.write(destination: destination, archive: isArchive, template: templateFile,
                                          reader: reader, plan: plan)
        return Result(report: report, destination: destination, tensors: plan.count, bytes: bytes, unmatchedRules: unmatched)
    }

    // MARK: - Matching

    /// The source's variables as scope + name (the rules' steps applied to their
    /// names, and planned for their values), and what was set aside.
    static func sourceVariables(_ reader: CheckpointReader, rules: RuleSet, strict: Bool)
        throws -> (variables: [SourceVariable], optimizer: [String], dropped: [String], unmatched: [String])
    {
        var names: [String: String] = [:]          // key → name before rules
        var keras: [String: KerasLayerVariable] = [:]
        if let k = reader.foreign as? KerasCheckpoint {
            for v in KerasLayers.variables(of: k.file) { keras[v.key] = v }
        }
        if let graph = try reader.objectGraph() {
            var byFullName: [String: Int] = [:]
            var fullNames: [String: String] = [:]
            for node in graph.nodes {
                for a in node.attributes where a.name == "VARIABLE_VALUE" {
                    fullNames[a.checkpointKey] = a.fullName
                    byFullName[a.fullName, default: 0] += 1
                }
            }
            for (key, full) in fullNames {
                // Keras 3 gives two layers' kernels one full_name: go by object path then.
                let path = key.hasSuffix("/.ATTRIBUTES/VARIABLE_VALUE") ? String(key.dropLast(27)) : key
                names[key] = (!full.isEmpty && byFullName[full] == 1) ? full : path
            }
        }
        var optimizer: [String] = []
        // The rules see each variable under its name (Keras: layer path + variable name).
        var named: [TensorEntry] = []
        var origin: [String: String] = [:]         // name → key
        for e in reader.entries where e.key != ObjectGraph.checkpointKey {
            var original: String
            if let kv = keras[e.key] {
                if kv.layerPath == "optimizer" || kv.layerPath.isEmpty && kv.layerClass == nil && e.key.hasPrefix("optimizer") {
                    optimizer.append(e.key); continue
                }
                original = kv.layerPath + "/" + (kv.variableName ?? "vars/\(kv.index)")
            } else {
                original = names[e.key] ?? e.key
                if KerasMatcher.isOptimizerState(original) || KerasMatcher.isOptimizerState(e.key) {
                    optimizer.append(e.key); continue
                }
            }
            if origin[original] != nil { original = e.key }   // two variables of one name: the second by its key
            origin[original] = e.key
            named.append(TensorEntry(key: original, dtype: e.dtype, shape: e.shape, slices: e.slices))
        }
        let plan = try rules.plan(named, file: reader.prefix, strict: strict)
        var out: [SourceVariable] = []
        for var t in plan.tensors {
            t.sources = t.sources.map { origin[$0] ?? $0 }
            t.split = nil
            let key = t.sources[0]
            if keras[key] == nil, KerasMatcher.isOptimizerState(t.name) { optimizer.append(key); continue }
            let parts = t.name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            var variable = parts.last ?? ""
            var scope = parts.dropLast().joined(separator: "/")
            var declared: String?
            if let kv = keras[key] {
                declared = t.name == kv.layerPath + "/" + (kv.variableName ?? "vars/\(kv.index)") ? kv.layerClass : nil
            } else if let gru = KerasTransforms.tf1GRUName(parts) {
                (scope, variable) = gru
            } else {
                variable = KerasMatcher.aliases[variable] ?? variable
            }
            out.append(SourceVariable(key: key, name: t.name, scope: scope, variable: variable,
                                      dtype: t.dtype, shape: t.shape, declaredClass: declared,
                                      planned: t.sources.count > 1 || !t.transforms.isEmpty ? t : nil))
        }
        return (out, optimizer, plan.dropped.map { origin[$0] ?? $0 }, plan.unmatched)
    }

    /// One template layer: its path, class and variables in `vars` order.
    struct TemplateLayer {
        var path: String
        var layerClass: String?
        var variables: [KerasLayerVariable]
        var entries: [TensorEntry]
    }

    static func match(reader: CheckpointReader, template: KerasFile, rules: RuleSet, strict: Bool, fillFromTemplate: Bool)
        throws -> (KerasMatchReport, [(String, KerasValue)], unmatchedRules: [String])
    {
        let entryByKey = Dictionary(template.entries.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var layers: [String: TemplateLayer] = [:]
        var optimizerKeys: [String] = []
        for v in KerasLayers.variables(of: template) {
            if v.layerPath == "optimizer" || v.layerPath.hasPrefix("optimizer/") { optimizerKeys.append(v.key); continue }
            layers[v.layerPath, default: TemplateLayer(path: v.layerPath, layerClass: v.layerClass, variables: [], entries: [])]
                .variables.append(v)
        }
        for (p, var l) in layers {
            l.variables.sort { $0.index < $1.index }
            l.entries = l.variables.map { entryByKey[$0.key]! }
            if l.layerClass == "BatchNormalization" {
                let names = KerasMatcher.batchNormNames(l.variables.count)
                for i in l.variables.indices where i < names.count { l.variables[i].variableName = names[i] }
            }
            layers[p] = l
        }
        let (sources, optimizerSources, dropped, unmatchedRules) = try sourceVariables(reader, rules: rules, strict: strict)

        // Source layers by scope, in natural order, with a guessed class.
        var byScope: [String: [SourceVariable]] = [:]
        for s in sources { byScope[s.scope, default: []].append(s) }
        let scopes = byScope.keys.sorted(by: KerasMatcher.naturalLess)
        var sourceClass: [String: String] = [:]
        for s in scopes { if let c = KerasMatcher.guessClass(scope: s, variables: byScope[s]!) { sourceClass[s] = c } }

        var used = Set<String>()           // source keys taken
        var usedScopes = Set<String>()
        var plan: [(String, KerasValue)] = []
        var pairs: [KerasPairing] = []
        var unmatched: [KerasUnmatched] = []

        // Template layers in natural order of their paths.
        let templatePaths = layers.keys.sorted(by: KerasMatcher.naturalLess)
        for path in templatePaths {
            let layer = layers[path]!
            var chosen: (scope: String, reasons: [String], transform: String?)? = nil
            if let cls = layer.layerClass {
                // The next unused source layer of a compatible class whose shapes fit.
                var first = true
                for scope in scopes where !usedScopes.contains(scope) {
                    guard let sc = sourceClass[scope], KerasMatcher.compatible(cls, sc) else { continue }
                    if let t = fit(layer, byScope[scope]!, sourceClass: sc) {
                        var reasons = ["class", first ? "order" : "order (skipping layers whose shapes differ)", "shape"]
                        let sStem = String(scope.split(separator: "/").last ?? "")
                        if sStem == String(path.split(separator: "/").last ?? "") || sStem == layer.variables.first?.layerName {
                            reasons.insert("name", at: 0)
                        }
                        chosen = (scope, reasons, t)
                        break
                    }
                    first = false
                }
            }
            if let chosen {
                usedScopes.insert(chosen.scope)
                let vars = byScope[chosen.scope]!
                if let transform = chosen.transform, transform == "lstm-split" || transform == "gru-split" {
                    let values = transform == "lstm-split"
                        ? try KerasTransforms.splitTF1LSTM(reader: reader, variables: vars, template: layer)
                        : try KerasTransforms.splitTF1GRU(reader: reader, variables: vars, template: layer)
                    for (i, v) in layer.variables.enumerated() {
                        let e = layer.entries[i]
                        plan.append((v.key, .computed(values[i])))
                        pairs.append(KerasPairing(template: v.key, layerClass: layer.layerClass, variable: v.variableName,
                                                  source: values.sourceKeys[i], reasons: chosen.reasons, transform: transform,
                                                  dtype: e.dtype, shape: e.shape))
                    }
                    for s in vars { used.insert(s.key) }
                    continue
                }
                for (i, v) in layer.variables.enumerated() {
                    let e = layer.entries[i]
                    let s = vars.first { $0.variable == (layer.layerClass?.hasPrefix("DepthwiseConv") == true && v.variableName == "kernel" ? "depthwise_kernel" : v.variableName) }
                        ?? vars.first { $0.variable == v.variableName }
                    if let s {
                        used.insert(s.key)
                        plan.append((v.key, s.value))
                        pairs.append(KerasPairing(template: v.key, layerClass: layer.layerClass, variable: v.variableName,
                                                  source: s.key, reasons: chosen.reasons, transform: nil, dtype: e.dtype, shape: e.shape))
                    }
                }
                continue
            }
            // No layer: each variable by exact name (`layers/x/vars/0` in another Keras file).
            for (i, v) in layer.variables.enumerated() {
                let e = layer.entries[i]
                if let s = sources.first(where: { $0.key == v.key && !used.contains($0.key) }), s.shape == e.shape, s.dtype == e.dtype {
                    used.insert(s.key)
                    plan.append((v.key, s.value))
                    pairs.append(KerasPairing(template: v.key, layerClass: layer.layerClass, variable: v.variableName,
                                              source: s.key, reasons: ["name", "shape"], transform: nil, dtype: e.dtype, shape: e.shape))
                }
            }
        }
        // Whatever is still unset: filled from the template, or unmatched.
        let planned = Set(plan.map(\.0))
        for path in templatePaths {
            let layer = layers[path]!
            for (i, v) in layer.variables.enumerated() where !planned.contains(v.key) {
                let e = layer.entries[i]
                if fillFromTemplate {
                    plan.append((v.key, .template))
                    pairs.append(KerasPairing(template: v.key, layerClass: layer.layerClass, variable: v.variableName, source: nil,
                                              reasons: ["filled"], transform: nil, dtype: e.dtype, shape: e.shape))
                } else {
                    let candidates = sources.filter { !used.contains($0.key) && $0.shape == e.shape }.prefix(5).map(\.key)
                    var u = KerasUnmatched(template: v.key, layerClass: layer.layerClass, variable: v.variableName,
                                               dtype: e.dtype, shape: e.shape, candidates: Array(candidates))
                    if KerasTransforms.isResetAfterGRU(layer), scopes.contains(where: { !usedScopes.contains($0) && sourceClass[$0] == "TF1GRUCell" }) {
                        u.note = "a TF1 GRUCell computes Keras's GRU(reset_after=False); build the template's GRU with reset_after=False"
                    }
                    unmatched.append(u)
                }
            }
        }
        // Optimizer variables of the template: state comes from KerasOptimizerState.
        let (optimizerPlan, optimizerPairs, optimizerUnmatched) = try KerasOptimizerState.match(
            reader: reader, templateKeys: optimizerKeys, template: template, entryByKey: entryByKey,
            modelPairs: pairs, optimizerSources: optimizerSources, fillFromTemplate: fillFromTemplate)
        plan += optimizerPlan
        pairs += optimizerPairs
        unmatched += optimizerUnmatched
        let usedOptimizer = Set(optimizerPairs.compactMap(\.source))
        for p in optimizerPairs { if let s = p.source { used.insert(s) } }
        let order = Dictionary(template.entries.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
        plan.sort { order[$0.0]! < order[$1.0]! }
        pairs.sort { order[$0.template]! < order[$1.template]! }
        let report = KerasMatchReport(
            source: reader.prefix, template: template.path, pairs: pairs, unmatched: unmatched,
            unusedSources: sources.map(\.key).filter { !used.contains($0) },
            optimizerLeftOut: optimizerSources.filter { !usedOptimizer.contains($0) },
            templateHasOptimizer: !optimizerKeys.isEmpty, dropped: dropped)
        return (report, plan, unmatchedRules)
    }

    /// Whether a source layer fills a template layer: every template variable has a
    /// source variable of its name, shape and dtype. Returns the transform (nil for a
    /// copy) or nil-nil when it does not fit.
    static func fit(_ layer: TemplateLayer, _ vars: [SourceVariable], sourceClass: String) -> String?? {
        if sourceClass == "TF1LSTMCell" {
            return KerasTransforms.fitsTF1LSTM(template: layer, variables: vars) ? .some("lstm-split") : nil
        }
        if sourceClass == "TF1GRUCell" {
            return KerasTransforms.fitsTF1GRU(template: layer, variables: vars) ? .some("gru-split") : nil
        }
        guard vars.count == layer.variables.count else { return nil }
        for (i, v) in layer.variables.enumerated() {
            let e = layer.entries[i]
            let want = v.variableName
            let s = vars.first { $0.variable == want }
                ?? (layer.layerClass?.hasPrefix("DepthwiseConv") == true && want == "kernel" ? vars.first { $0.variable == "depthwise_kernel" } : nil)
            guard let s, s.shape == e.shape, s.dtype == e.dtype else { return nil }
        }
        return .some(nil)
    }
}
