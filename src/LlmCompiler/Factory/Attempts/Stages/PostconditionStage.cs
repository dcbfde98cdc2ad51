using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Records;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>Every <c>file_exists</c> postcondition must hold after the writes and the verification (E210).</summary>
internal sealed class PostconditionStage : IAttemptStage
{
    public string Name => "postcondition";

    public ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        foreach (var condition in context.WorkOrder.Postconditions.Where(c => c.Kind == ConditionKind.FileExists))
        {
            if (FileKinds.Of(Path.Combine(context.Worktree, condition.Path)) != FileKind.Missing) continue;
            // No acceptance command ran: its (empty) result says so.
            context.Run.Artifacts.WriteRecord($"{context.Directory}/acceptance_result.json", context.Record.Acceptance, FactoryJsonContext.Default.ListCommandRecord);
            return StageResult.Fail(Briefs.Brief(FailureStage.AcceptanceFailed, DiagnosticCodes.PostconditionMissing, $"Postcondition {condition} is false after the writes: {condition.Path} does not exist",
                $"Create {condition.Path}; it is one of the files you may write."));
        }
        return StageResult.Continue;
    }
}
