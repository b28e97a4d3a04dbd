// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "huimin",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "huimin", targets: ["huimin"]),
        // The HTTP server has its own executable, so the CLI and the tests build without Hummingbird.
        .executable(name: "huimin-server", targets: ["HuiminServer"]),
        // The modules as a library, for the fuzz harnesses in fuzz/ (their own package, so this
        // build and its tests stay as they are). No target of its own: nothing more is built.
        .library(
            name: "HuiminModules",
            targets: ["SourceDiagnostics", "YAMLSource", "PolicyExpr", "RuleCompiler", "DecisionEngine", "RosterScreening", "HuiminService"]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "SourceDiagnostics"),
        .target(name: "YAMLSource", dependencies: ["CLibYAML", "SourceDiagnostics"]),
        .target(name: "PolicyExpr", dependencies: ["SourceDiagnostics"]),
        .target(name: "RuleCompiler", dependencies: ["YAMLSource", "PolicyExpr", "SourceDiagnostics"]),
        .target(name: "DecisionEngine", dependencies: ["RuleCompiler", "PolicyExpr", "YAMLSource", "SourceDiagnostics"]),
        .target(name: "RosterScreening", dependencies: ["CZlib", "DecisionEngine", "RuleCompiler", "PolicyExpr", "SourceDiagnostics"]),
        .executableTarget(
            name: "huimin",
            dependencies: [
                "DecisionEngine", "RuleCompiler", "SourceDiagnostics", "RosterScreening",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the server answers, as plain functions of a request: no HTTP framework, tested directly.
        .target(
            name: "HuiminService",
            dependencies: ["DecisionEngine", "RuleCompiler", "RosterScreening", "PolicyExpr", "SourceDiagnostics"],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "HuiminServer",
            dependencies: [
                "HuiminService", "RuleCompiler", "SourceDiagnostics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "HuiminBench", dependencies: ["DecisionEngine", "RuleCompiler", "HuiminService"]),
        .testTarget(
            name: "HuiminTests",
            dependencies: ["DecisionEngine", "RuleCompiler", "PolicyExpr", "YAMLSource", "SourceDiagnostics", "RosterScreening", "HuiminService"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
