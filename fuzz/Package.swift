// swift-tools-version: 6.1
// libFuzzer harnesses for huimin, in a package of their own so that the main build and its tests
// are untouched. Built by scripts/fuzz with -sanitize=fuzzer,address and -parse-as-library (see
// the README's "Fuzzing" section); a plain `swift build` here does not link.
import PackageDescription

let package = Package(
    name: "huimin-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "huimin", path: "..")],
    targets: [
        // Declares libFuzzer's driver, which the sanitizer runtime defines.
        .target(name: "CFuzzDriver"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CFuzzDriver", .product(name: "HuiminModules", package: "huimin")]
        ),
        .executableTarget(name: "FuzzRules", dependencies: ["FuzzSupport", .product(name: "HuiminModules", package: "huimin")]),
        .executableTarget(name: "FuzzExpressions", dependencies: ["FuzzSupport", .product(name: "HuiminModules", package: "huimin")]),
        .executableTarget(name: "FuzzRoster", dependencies: ["FuzzSupport", .product(name: "HuiminModules", package: "huimin")]),
        .executableTarget(name: "FuzzAPI", dependencies: ["FuzzSupport", .product(name: "HuiminModules", package: "huimin")]),
    ]
)
