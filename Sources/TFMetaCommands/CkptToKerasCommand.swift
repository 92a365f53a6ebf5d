import ArgumentParser
import MetaGraphKit

extension CkptCommand {
    /// `tfmeta ckpt to-keras SRC --template TEMPLATE OUT [--rule …]... [--map FILE.json]
    /// [--drop REGEX]... [--rules FILE]... [--preset NAME]... [--strict] [--fill-from-template]
    /// [--dry-run] [--overwrite] [--json]`.
    ///
    /// JSON: `{"destination", "tensors", "bytes", "match": <report>}`; with --dry-run
    /// the report alone (shape in the README).
    struct ToKeras: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "to-keras",
            abstract: "Write a checkpoint's values as a Keras 3 .weights.h5 or .keras file.",
            discussion: """
                TEMPLATE is what the target model writes: model.save_weights("t.weights.h5") or \
                model.save("t.keras"). Template layers are matched to the source's scopes by class, order \
                and shape (TF1 names such as dense_1/kernel, conv2d/weights, batch_normalization/gamma, \
                rnn/lstm_cell/kernel included). First the source's names go through --drop, --map, --rule, \
                then the steps of each --rules file and --preset, as in `ckpt rename` (rename, drop, keep, \
                slots; transpose, reshape, cast, merge_partitions and promote_ema change the values written); \
                a step that matches nothing is a warning, an error with --strict. OUT ending in .weights.h5 \
                gets a weights file, in .keras an archive with the template's config. Exit 1 when a template \
                variable would be unset, unless --fill-from-template.
                """)

        @Argument(help: "The source: a V1/V2 or object-based checkpoint, or a Keras 3 file.")
        var source: String
        @Option(name: .long, help: "A .weights.h5 or .keras file written by the target model.")
        var template: String
        @Argument(help: "The output: …weights.h5 or ….keras.")
        var destination: String
        @OptionGroup var keys: KeyRuleOptions
        @Flag(name: .long, help: "Fail when a rule, map entry or preset matches nothing.")
        var strict = false
        @Flag(name: .long, help: "Keep the template's value for variables the source lacks.")
        var fillFromTemplate = false
        @Flag(name: .long, help: "Print the match report; write nothing.")
        var dryRun = false
        @Flag(name: .long, help: "Replace an existing output.")
        var overwrite = false
        @OptionGroup var output: JSONOption

        func run() throws {
            let result = try KerasConversion.toKeras(source: source, template: template, destination: destination,
                                                     ruleSet: try keys.ruleSet(), strict: strict,
                                                     fillFromTemplate: fillFromTemplate, overwrite: overwrite, dryRun: dryRun)
            for w in result.unmatchedRules { FileHandle.standardErrorWrite("warning: \(w)\n") }
            if dryRun {
                print(output.json ? result.report.jsonValue.serialized(pretty: true) : result.report.text)
            } else {
                print(output.json ? result.jsonValue.serialized(pretty: true) : result.text)
            }
            if !result.report.complete, !fillFromTemplate { throw ExitCode(1) }
        }
    }
}
