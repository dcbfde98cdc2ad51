using LlmCompiler.Contracts;

namespace LlmCompiler.Factory.Records;

/// <summary>What an attempt has recorded so far; the stages add to it, and it becomes the immutable <see cref="AttemptRecord"/>.</summary>
internal sealed class AttemptLog(int attempt, string baseline)
{
    public int Attempt { get; } = attempt;
    public string Baseline { get; } = baseline;
    public string ProposalPath { get; set; } = "";
    public IReadOnlyList<string> TouchedFiles { get; set; } = [];
    public bool WriteOk { get; set; }
    public List<CommandRecord> Verify { get; } = [];
    public List<CommandRecord> Acceptance { get; } = [];
    public List<StageRecord> Stages { get; } = [];
    public string? Role { get; set; }
    public string? Model { get; set; }

    public AttemptRecord ToRecord(FailureBrief? failure, TimeSpan duration) => new()
    {
        AttemptIndex = Attempt, BaselineCommit = Baseline, ProposalPath = ProposalPath, TouchedFiles = TouchedFiles, WriteOk = WriteOk,
        Verify = [.. Verify], Acceptance = [.. Acceptance], Stages = [.. Stages], Role = Role, Model = Model, FailureBrief = failure, DurationSeconds = Math.Round(duration.TotalSeconds, 3),
    };
}
