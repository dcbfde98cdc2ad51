using LlmCompiler.Diagnostics;
using LlmCompiler.Factory;
using LlmCompiler.Factory.Parallel;
using LlmCompiler.Factory.Records;
using LlmCompiler.Llm;
using Microsoft.Build.Framework;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// The end of a fanned-out Factory run: the merge queue over the kept work of run <see cref="RunId"/>, in plan order
/// (fast-forward, or re-verified on the integrated tree with one repair, else BLOCKED with its dependents), under the
/// lock <see cref="StartFactoryRun"/> took; then the lock is released. Runs after every node, failed ones included.
/// </summary>
public sealed class LandWorkOrders : FactoryTask
{
    [Required]
    public string RunId { get; set; } = "";

    /// <summary>The outcomes decided when the run started (DONE), for the run's totals.</summary>
    public ITaskItem[] DecidedOutcomes { get; set; } = [];

    protected override bool ExecuteCore()
    {
        var key = StartFactoryRun.TaskObjectPrefix + RunId;
        using var run = BuildEngine4.UnregisterTaskObject(key, RegisteredTaskObjectLifetime.Build) as FanOutRun;
        var setup = Prepare(RunId);
        if (setup is null) return false;
        if (run is null)
        {
            Log.LogError(null, DiagnosticCodes.LockHeld, DiagnosticCodes.LockHeld, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.LockHeld), PlanFile, 0, 0, 0, 0,
                "LandWorkOrders: run {0} was not started in this build (StartFactoryRun holds its lock); nothing was landed", RunId);
            return false;
        }
        var outcomes = new List<ITaskItem>();
        var options = setup.Options with { RunId = RunId, JoinRun = true };
        var result = Yielded(log => FactoryRunner.LandAsync(setup.Root, setup.WorkOrdersDirectory, () => setup.Session, options, log,
            outcome => outcomes.Add(Report(outcome)), CancellationToken));
        Outcomes = [.. outcomes];
        ReportRest(result.Diagnostics, outcomes);

        // The nodes' totals come from their records: a failed node's spending counts as much as a kept one's.
        var nodes = NodeOutcomeRecord.ReadAll(setup.Root, RunId);
        IReadOnlyList<string> unpriced = [.. nodes.SelectMany(n => n.UnpricedModels).Concat(setup.Session.UnpricedModels).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Summary([.. DecidedOutcomes, .. outcomes],
            nodes.Sum(n => n.Calls) + setup.Session.Calls, nodes.Sum(n => n.CassetteHits) + setup.Session.CassetteHits,
            nodes.Sum(n => n.InputTokens) + setup.Session.InputTokens, nodes.Sum(n => n.OutputTokens) + setup.Session.OutputTokens,
            CostText.Describe(nodes.Sum(n => n.CostUsd) + setup.Session.CostUsd, unpriced));
        if (result.Metrics is { } metrics) TerminalVisibleLog.Line(BuildEngine, "Factory: " + metrics.SummaryLine());
        // A failed node has logged its own errors (the build fails on them); this task fails for what the landing found.
        return result.ExitCode == FactoryExitCodes.Pass;
    }
}
