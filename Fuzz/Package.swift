// swift-tools-version: 5.4
//
// libFuzzer programs for MetaGraphKit's readers and parsers, one per target of
// MetaGraphKitFuzzing (which holds what each does with an input). A package of its
// own so the fuzzer flags never touch the main build; build and run with
// Fuzz/run, which passes -sanitize=fuzzer,address.
//
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM links executables with
// `main` renamed to `<Target>_main` (for testable executables), and a fuzzer has
// no main of its own (-parse-as-library; libFuzzer's main runs). The programs are
// two @_cdecl functions each, so the older language mode costs nothing.
import PackageDescription

let programs = [
    "FuzzTable", "FuzzBundle", "FuzzSlices", "FuzzProto", "FuzzTextFormat", "FuzzState", "FuzzKeras", "FuzzZip",
]

let package = Package(
    name: "MetaGraphKitFuzz",
    dependencies: [.package(name: "MetaGraphKit", path: "..")],
    targets: programs.map { name in
        .executableTarget(
            name: name,
            dependencies: [.product(name: "MetaGraphKitFuzzing", package: "MetaGraphKit")]
        )
    }
)
