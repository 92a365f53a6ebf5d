// swift-tools-version: 6.2
//
// MetaGraphKit: TensorFlow's saver files (MetaGraphDef, SaverDef, CheckpointState,
// TrackableObjectGraph, V1 and V2 checkpoints) without TensorFlow.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "MetaGraphKit",
    products: [
        .library(name: "MetaGraphKit", targets: ["MetaGraphKit"]),
        .executable(name: "tfmeta", targets: ["tfmeta"]),
        // What each libFuzzer target in Fuzz/ does with an input (not for users).
        .library(name: "MetaGraphKitFuzzing", targets: ["MetaGraphKitFuzzing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // protobuf-c's runtime, from the distribution (Debian: libprotobuf-c-dev).
        .systemLibrary(
            name: "CProtobufC",
            path: "Sources/CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        // Snappy's C API, for the snappy-compressed table blocks older TensorFlow wrote.
        .systemLibrary(
            name: "CSnappy",
            path: "Sources/CSnappy",
            pkgConfig: "snappy",
            providers: [.apt(["libsnappy-dev"])]
        ),
        // The code protoc-c generated from Protos/ (committed; see regenerate.sh).
        .target(
            name: "CTFProtos",
            dependencies: ["CProtobufC"],
            path: "Sources/CTFProtos",
            exclude: ["regenerate.sh", "map_entries.py"],
            cSettings: [.unsafeFlags(["-w"])]
        ),
        // Small C helpers Swift cannot express: hardware CRC32C.
        .target(
            name: "CMetaGraphSupport",
            path: "Sources/CMetaGraphSupport"
        ),
        .target(
            name: "MetaGraphKit",
            dependencies: ["CTFProtos", "CProtobufC", "CSnappy", "CMetaGraphSupport"],
            path: "Sources/MetaGraphKit",
            // The report's templates, embedded by Scripts/embed-report-templates.
            exclude: ["Report/Templates"],
            swiftSettings: swiftSettings
        ),
        // The entry of each fuzzing target and its seeds, shared by the fuzzer
        // programs (Fuzz/, a package of its own) and the regression tests.
        .target(
            name: "MetaGraphKitFuzzing",
            dependencies: ["MetaGraphKit"],
            path: "Sources/MetaGraphKitFuzzing",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TFMetaCommands",
            dependencies: [
                "MetaGraphKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/TFMetaCommands",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tfmeta",
            dependencies: ["TFMetaCommands"],
            path: "Sources/tfmeta",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MetaGraphKitTests",
            dependencies: ["MetaGraphKit", "MetaGraphKitFuzzing"],
            path: "Tests/MetaGraphKitTests",
            exclude: [
                "Codec/TextFormatSamples", "Conversion/Samples", "Conversion/make_samples.py", "Fuzz/Inputs",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TFMetaCommandsTests",
            dependencies: ["tfmeta"],
            path: "Tests/TFMetaCommandsTests",
            swiftSettings: swiftSettings
        ),
    ]
)
