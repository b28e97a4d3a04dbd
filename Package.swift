// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "huimin",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "huimin", targets: ["huimin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        .executableTarget(name: "HuiminBench", dependencies: ["DecisionEngine", "RuleCompiler"]),
        .testTarget(
            name: "HuiminTests",
            dependencies: ["DecisionEngine", "RuleCompiler", "PolicyExpr", "YAMLSource", "SourceDiagnostics", "RosterScreening"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
