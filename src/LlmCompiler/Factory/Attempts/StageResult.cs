using LlmCompiler.Contracts;

namespace LlmCompiler.Factory.Attempts;

/// <summary>How a stage ended: the attempt goes on, or it failed with a brief for the next prompt (fatal: no next attempt).</summary>
internal readonly record struct StageResult(FailureBrief? Failure, bool Fatal)
{
    public static StageResult Continue => default;

    public bool Failed => Failure is not null;

    public static StageResult Fail(FailureBrief brief) => new(brief, false);

    /// <summary>A failure no other attempt can fix (a command that changed the world outside its worktree, a broken invariant).</summary>
    public static StageResult Stop(FailureBrief brief) => new(brief, true);

    public static implicit operator ValueTask<StageResult>(StageResult result) => ValueTask.FromResult(result);
}
