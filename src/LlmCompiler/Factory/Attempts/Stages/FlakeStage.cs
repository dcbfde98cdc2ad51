using LlmCompiler.Diagnostics;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>
/// With tests written first, a green acceptance must stay green: it runs <see cref="FactoryOptions.FlakeRuns"/> − 1
/// more times. A failure is E225 "flaky": not landed, and — unless <see cref="FactoryOptions.RetryFlaky"/> — not
/// blamed on the executor's code by asking it again.
/// </summary>
internal sealed class FlakeStage : IAttemptStage
{
    public string Name => "flake";

    public async ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        for (var run = 2; run <= context.Options.FlakeRuns; run++)
        {
            context.Run.Log.WriteLine($"llmc: {context.WorkOrder.Id}: acceptance again ({run} of {context.Options.FlakeRuns}), to catch a flaky pass");
            var again = await new AcceptanceStage { Stem = $"flake_{run}" }.RunAsync(context, ct).ConfigureAwait(false);
            if (!again.Failed) continue;
            var brief = again.Failure! with
            {
                Code = DiagnosticCodes.Flaky,
                PrimaryErrorExcerpt = $"acceptance passed, then failed on run {run} of {context.Options.FlakeRuns} with nothing changed: {again.Failure!.PrimaryErrorExcerpt}",
                Cause = null,
            };
            return context.Options.RetryFlaky && !again.Fatal ? StageResult.Fail(brief) : StageResult.Stop(brief);
        }
        return StageResult.Continue;
    }
}
