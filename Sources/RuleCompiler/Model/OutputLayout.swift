import PolicyExpr
import SourceDiagnostics

/// A roster-screening output declared in `layouts.yaml`: one row per person or per household,
/// with named columns taken from fields and policy results. Sites that need a fixed file format
/// (a system's import sheet, the benchmark's CSV) declare it here rather than in code.
public struct OutputLayout: Sendable {
    public enum Rows: String, Sendable, CaseIterable { case person, household }

    /// What a column shows.
    public enum Source: Sendable {
        /// A field of the household or of the row's member, as the roster would give it.
        case field(level: FieldLevel, index: Int)
        /// A policy's result, for the row's subject.
        case policy(index: Int, Show)
    }

    /// The parts of a policy's result a column can show.
    public enum Show: String, Sendable, CaseIterable {
        /// 符合 / 不符合 / 待核实.
        case status
        /// 1 when eligible, 0 when not, empty when undetermined.
        case eligible
        /// The monthly amount when eligible, 0 when not, empty when undetermined.
        case amount
        /// The ids of the conditions not met (reason codes), `;`-separated.
        case unmet
        /// The fields whose absence left the result undetermined.
        case missing
        /// The explanation for the resident.
        case explanation
    }

    public struct Column: Sendable {
        public let name: String
        public let source: Source
    }

    public let name: String
    public let label: String
    public let rows: Rows
    public let columns: [Column]
    public let span: Span
}
