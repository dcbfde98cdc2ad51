namespace LlmCompiler.Factory.Records;

/// <summary>One verify or acceptance command of an attempt, as <c>run_summary.json</c> records it (output redacted, tails truncated).</summary>
public sealed record CommandRecord
{
    public IReadOnlyList<string> Command { get; init; } = [];
    public int ExitCode { get; init; }
    public bool TimedOut { get; init; }
    public string StdoutTrunc { get; init; } = "";
    public string StderrTrunc { get; init; } = "";
    public string? StdoutPath { get; init; }
    public string? StderrPath { get; init; }
    public double DurationSeconds { get; init; }
}
