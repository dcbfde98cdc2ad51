using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Records;
using LlmCompiler.Validation;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>The work order's acceptance commands, in order, each as argv without a shell; every one must exit 0 (E211).</summary>
internal sealed class AcceptanceStage : IAttemptStage
{
    public string Name => "acceptance";

    /// <summary>The artifact names of its commands' output (the flake re-runs use their own).</summary>
    public string Stem { get; init; } = "acceptance";

    public async ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        var commands = context.WorkOrder.AcceptanceCommands;
        var results = context.Record.Acceptance;
        for (var k = 0; k < commands.Count; k++)
        {
            var command = commands[k];
            if (!CommandLine.TrySplit(command, out var argv, out var splitError))
            {
                return StageResult.Fail(Briefs.Brief(FailureStage.AcceptanceFailed, DiagnosticCodes.AcceptanceFailed, $"Failed to parse acceptance command '{command}': {splitError}", "Acceptance commands are argv, no shell.", command));
            }
            // Tests written first are judged by name: their results are collected (TRX) only then, so other work orders run as before.
            var (r, outside) = await CommandStep.RunAsync(context, argv, $"{context.Directory}/{Stem}_{k + 1}", ct, collectTestResults: context.WorkOrder.TestFiles.Count > 0).ConfigureAwait(false);
            results.Add(CommandStep.Record(context.Run, r));
            context.Run.Artifacts.WriteRecord($"{context.Directory}/{Stem}_result.json", results, FactoryJsonContext.Default.ListCommandRecord);
            if (outside is not null) return StageResult.Stop(outside);
            if (!r.Succeeded) return StageResult.Fail(Briefs.ForCommand(context, FailureStage.AcceptanceFailed, DiagnosticCodes.AcceptanceFailed, r, command, "Every acceptance command must exit 0."));
        }
        if (commands.Count == 0) context.Run.Artifacts.WriteRecord($"{context.Directory}/acceptance_result.json", results, FactoryJsonContext.Default.ListCommandRecord);
        return StageResult.Continue;
    }
}
