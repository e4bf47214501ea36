// swift-tools-version:6.0
import Foundation
import PackageDescription

// Release builds are tuned for the machines we run on; the tensor engine needs real vector code.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let staticLua: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "-l:liblua5.4.a", "-Xlinker", "-ldl", "-lm"])]
let sharedLua: [LinkerSetting] = [.linkedLibrary("lua5.4"), .linkedLibrary("m")]
// libmarlsim links Lua compiled position-independent from Debian's source (scripts/build-lua-pic,
// run by scripts/install-deps), 6-15 % faster than the shared liblua, which it links without it.
let positionIndependentLua = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/.build-lua/liblua5.4-pic.a"
let libraryLua: [LinkerSetting] = FileManager.default.fileExists(atPath: positionIndependentLua)
    ? [.unsafeFlags(["-Xlinker", positionIndependentLua, "-Xlinker", "-ldl", "-lm"])]
    : sharedLua

let package = Package(
    name: "marl-sim",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "marl-sim", targets: ["MarlSim"]),
        // libmarlsim: worlds, batches and trained policies through a C interface (include/marlsim.h),
        // for the Python package in python/.
        .library(name: "marlsim", type: .dynamic, targets: ["LibMarlSim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Config files (--config) in YAML; JSON (a run's config.json) is read by our own parser.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CLua", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "Common", swiftSettings: fastMath),
        .target(name: "Tensors", dependencies: ["COpenBLAS", "Common"], swiftSettings: fastMath),
        .target(name: "Worlds", dependencies: ["CLua", "Common"], swiftSettings: fastMath),
        .target(name: "Learners", dependencies: ["Tensors", "Common"], swiftSettings: fastMath),
        .target(name: "Training", dependencies: ["Worlds", "Learners", "Common", .product(name: "Yams", package: "Yams")],
                swiftSettings: fastMath),
        .executableTarget(
            name: "MarlSim",
            dependencies: [
                "Worlds", "Tensors", "Training", "Common",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastMath,
            // Debian's static liblua runs worlds 12-25 % faster than its shared library. Its objects are
            // not position-independent, so libmarlsim cannot link them (libraryLua above).
            linkerSettings: staticLua),
        .target(name: "LibMarlSim", dependencies: ["Worlds", "Training", "Common"], swiftSettings: fastMath,
                linkerSettings: libraryLua),
        .testTarget(name: "CommonTests", dependencies: ["Common"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "Common"]),
        .testTarget(name: "WorldsTests", dependencies: ["Worlds", "Common"], linkerSettings: sharedLua),
        .testTarget(name: "LearnersTests", dependencies: ["Learners", "Tensors", "Common"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Learners", "Tensors", "Common"], exclude: ["Fixtures"],
                    linkerSettings: sharedLua),
        .testTarget(name: "MarlSimTests", dependencies: ["MarlSim", "Common"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
