using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Records;
using LlmCompiler.Validation;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>The repository's global verification (the verify contract's command, or the override), unless the work order is verify-exempt.</summary>
internal sealed class VerifyStage : IAttemptStage
{
    public string Name => "verify";

    public async ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        var argv = VerifyArgv(context, out var error);
        if (error is not null) return StageResult.Fail(Briefs.Brief(FailureStage.VerifyFailed, DiagnosticCodes.VerifyFailed, error, "Fix the verify contract's command."));
        if (argv is null) return StageResult.Continue;
        var tests = context.WorkOrder.TestFiles.Count > 0;
        var before = context.TestResults.Count;
        var (r, outside) = await CommandStep.RunAsync(context, argv, $"{context.Directory}/verify_1", ct, collectTestResults: tests).ConfigureAwait(false);
        context.Record.Verify.Add(CommandStep.Record(context.Run, r));
        context.Run.Artifacts.WriteRecord($"{context.Directory}/verify_result.json", context.Record.Verify, FactoryJsonContext.Default.ListCommandRecord);
        if (outside is not null) return StageResult.Stop(outside);
        if (!r.Succeeded && tests && context.Role == AttemptRole.Executor && context.Run.BaselineFailures.Count > 0)
        {
            // Failing before any work order ran is not this work order's doing: only a test that passed at the baseline counts.
            var failed = context.TestResults.Skip(before).Where(t => t.Failed).Select(t => t.FullName).ToHashSet(StringComparer.Ordinal);
            if (failed.Count > 0 && failed.IsSubsetOf(context.Run.BaselineFailures))
            {
                context.Run.Log.WriteLine($"llmc: {context.WorkOrder.Id}: the global verification fails only where it failed at the baseline ({string.Join(", ", failed.Take(5))}); not blamed on this work order");
                return StageResult.Continue;
            }
        }
        return r.Succeeded
            ? StageResult.Continue
            : StageResult.Fail(Briefs.ForCommand(context, FailureStage.VerifyFailed, DiagnosticCodes.VerifyFailed, r, string.Join(' ', argv), "Global verification must pass before acceptance."));
    }

    internal static IReadOnlyList<string>? VerifyArgv(AttemptContext context, out string? error)
    {
        error = null;
        if (context.WorkOrder.VerifyExempt) return null;
        if (context.Options.VerifyCommandOverride is { Count: > 0 } over) return over;
        if (context.Run.VerifyContract is not { } contract || string.IsNullOrWhiteSpace(contract.Command)) return null;
        if (CommandLine.TrySplit(contract.Command, out var argv, out var splitError)) return argv;
        error = $"cannot parse the verify contract's command '{contract.Command}': {splitError}";
        return null;
    }
}
