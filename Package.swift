// swift-tools-version: 6.2
//
// MetaGraphKit: TensorFlow's saver files (MetaGraphDef, SaverDef, CheckpointState,
// TrackableObjectGraph, V1 and V2 checkpoints) without TensorFlow.
//
// Platform: Linux only (glibc). Every libc file call is behind
// Sources/MetaGraphKit/IO/Internals/SystemCalls.swift, which imports Glibc alone;
// the `canImport(Darwin)` branches left in other files are not built or tested.
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
        // The C ABI for bindings (Python/tfmeta loads it with ctypes): libTFMetaC.so.
        .library(name: "TFMetaC", type: .dynamic, targets: ["TFMetaC"]),
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
        // libhdf5's C API for Keras 3 `.weights.h5` files, loaded with dlopen on
        // first use (not linked: Debian's libhdf5 brings libcurl's whole stack);
        // hdf5.h comes from libhdf5-dev at build time.
        .target(
            name: "CHDF5",
            path: "Sources/CHDF5"
        ),
        // libzip's C API (Debian: libzip-dev), for Keras 3 `.keras` archives.
        .systemLibrary(
            name: "CZip",
            path: "Sources/CZip",
            pkgConfig: "libzip",
            providers: [.apt(["libzip-dev"])]
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
            dependencies: ["CTFProtos", "CProtobufC", "CSnappy", "CMetaGraphSupport", "CHDF5", "CZip"],
            path: "Sources/MetaGraphKit",
            // The report's templates, embedded by Scripts/embed-report-templates.
            exclude: ["Report/Templates"],
            // The interruption tests' pause points (IO/PausePoint.swift) exist only
            // in debug builds; a release build ignores MGK_TEST_PAUSE_AT.
            swiftSettings: swiftSettings + [.define("MGK_TEST_HOOKS", .when(configuration: .debug))]
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
        // The C functions over MetaGraphKit's reader and writer (tfmeta.h).
        .target(
            name: "TFMetaC",
            dependencies: ["MetaGraphKit", "TFMetaCommands"],
            path: "Sources/TFMetaC",
            exclude: ["tfmeta.h"],
            swiftSettings: swiftSettings,
            // SwiftPM's --static-swift-stdlib reaches executables only: the shared
            // library of the wheel (Scripts/build-wheel) links the Swift runtime,
            // Foundation and Dispatch statically too in release builds.
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]
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
        // Only `import MetaGraphKit`, no @testable: what a user of the library can call.
        .testTarget(
            name: "MetaGraphKitAPITests",
            dependencies: ["MetaGraphKit"],
            path: "Tests/MetaGraphKitAPITests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TFMetaCommandsTests",
            dependencies: ["tfmeta"],
            path: "Tests/TFMetaCommandsTests",
            exclude: ["Snapshots"],
            swiftSettings: swiftSettings
        ),
    ]
)
