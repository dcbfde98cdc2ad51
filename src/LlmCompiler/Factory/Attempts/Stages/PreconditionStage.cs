using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>Every precondition must hold in the fresh worktree; one that does not is a planner bug (E204), not the model's to fix.</summary>
internal sealed class PreconditionStage : IAttemptStage
{
    public string Name => "precondition";

    public ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        foreach (var condition in context.WorkOrder.Preconditions)
        {
            // The executor's worktree already holds the frozen tests (the test author's attempts checked these at the baseline).
            if (context.Run.Frozen is { } frozen && frozen.Contains(condition.Path)) continue;
            var exists = FileKinds.Of(Path.Combine(context.Worktree, condition.Path)) != FileKind.Missing;
            if (condition.Kind == ConditionKind.FileExists && !exists || condition.Kind == ConditionKind.FileAbsent && exists)
            {
                return StageResult.Fail(Briefs.Brief(FailureStage.Preflight, DiagnosticCodes.PreconditionFalse,
                    $"PLANNER-CONTRACT BUG: precondition {condition} is false at the baseline ({(exists ? "the file already exists" : "the file does not exist")})",
                    "Re-plan: the work order's preconditions must hold on the commit it runs on."));
            }
        }
        return StageResult.Continue;
    }
}
