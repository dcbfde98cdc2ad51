using LlmCompiler.Contracts;

namespace LlmCompiler.Factory.Records;

/// <summary>One attempt of a work order: what was proposed and written, each command's result, and why it failed.</summary>
public sealed record AttemptRecord
{
    public int AttemptIndex { get; init; }
    public string BaselineCommit { get; init; } = "";
    public string ProposalPath { get; init; } = "";
    public IReadOnlyList<string> TouchedFiles { get; init; } = [];
    public bool WriteOk { get; init; }
    public IReadOnlyList<CommandRecord> Verify { get; init; } = [];
    public IReadOnlyList<CommandRecord> Acceptance { get; init; } = [];

    /// <summary>The stages that ran, in order; an attempt that failed ends with the stage that failed it.</summary>
    public IReadOnlyList<StageRecord> Stages { get; init; } = [];

    /// <summary>The role and model of the attempt's call (<c>executor</c>, <c>escalation</c>, <c>test_author</c>), when it made one.</summary>
    public string? Role { get; init; }
    public string? Model { get; init; }
    public FailureBrief? FailureBrief { get; init; }
    public double DurationSeconds { get; init; }
}
