using LlmCompiler.Factory.Attempts;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.Parallel;

/// <summary>
/// Where and how one work order runs: in which slot, whether its commit lands at once or is kept on a branch for the
/// merge queue, and (for the queue's own runs) which stages and how many attempts.
/// </summary>
/// <param name="Slot">The worktree slot (<see cref="RepositoryLayout.AttemptSlot"/> for sequential runs).</param>
/// <param name="KeepBranch">When set, a passing commit is kept on this branch instead of landing.</param>
/// <param name="Pipeline">The stages, instead of the session's.</param>
/// <param name="MaxAttempts">The attempts, instead of the session's.</param>
/// <param name="Frozen">The frozen tests to use instead of asking the test author (the merge queue's, from the kept commit).</param>
internal sealed record WorkOrderPlacement(string Slot, string? KeepBranch = null, AttemptPipeline? Pipeline = null, int? MaxAttempts = null, TestsFirst.FrozenTestSet? Frozen = null)
{
    public static WorkOrderPlacement Sequential { get; } = new(RepositoryLayout.AttemptSlot);

    /// <summary>The branch a work order's passing commit is kept on in a parallel run or a no-land run.</summary>
    public static string KeptBranchName(string batch, string workOrderId) => $"llmc/{batch}/{workOrderId}";
}
