import ArgumentParser
struct TestCases: ParsableCommand { static let configuration = CommandConfiguration(commandName: "test"); func run() throws {} }
