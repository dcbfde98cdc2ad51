using LlmCompiler.Diagnostics;
using LlmCompiler.Factory;
using Microsoft.Build.Framework;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Without <see cref="WorkOrderId"/>: executes the plan's work orders with the factory's run-all semantics — work
/// orders already landed (their canonical hash is in a <c>Work-Order-Sha256:</c> trailer of a commit the factory made)
/// are skipped without an LLM call, the run stops at the first failure, and a cancelled build restores the checkout.
/// With <see cref="WorkOrderId"/> and <see cref="RunId"/>: one node of a fanned-out run (<see cref="StartFactoryRun"/>):
/// that work order alone, from its ancestors' kept work, its passing commit kept on <c>llmc/&lt;run&gt;/&lt;WO&gt;</c>
/// for <see cref="LandWorkOrders"/>. Progress (each attempt, each command) and one result line per work order are
/// shown at the terminal logger's default verbosity.
/// </summary>
public sealed class ExecuteWorkOrder : FactoryTask
{
    /// <summary>The one work order of a node of a fanned-out run.</summary>
    public string? WorkOrderId { get; set; }

    /// <summary>The fanned-out run the node belongs to.</summary>
    public string? RunId { get; set; }

    protected override bool ExecuteCore()
    {
        var node = !string.IsNullOrEmpty(WorkOrderId);
        if (node && string.IsNullOrEmpty(RunId))
        {
            Log.LogError(null, DiagnosticCodes.RepositoryNotUsable, DiagnosticCodes.RepositoryNotUsable, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.RepositoryNotUsable), PlanFile, 0, 0, 0, 0,
                "ExecuteWorkOrder: WorkOrderId={0} runs a node of a fanned-out run and needs its RunId", WorkOrderId);
            return false;
        }
        var setup = Prepare(node ? RunId : null);
        if (setup is null) return false;
        return node ? RunNode(setup, WorkOrderId!, RunId!) : RunAll(setup);
    }

    private bool RunAll(FactoryTaskSetup setup)
    {
        var outcomes = new List<ITaskItem>();
        var result = Yielded(log => FactoryRunner.RunAllAsync(setup.Root, setup.WorkOrdersDirectory, () => setup.Session, setup.Options, log,
            outcome => outcomes.Add(Report(outcome)), CancellationToken));
        Outcomes = [.. outcomes];
        ReportRest(result.Diagnostics, outcomes);
        Summary(outcomes, setup.Session);
        if (result.Metrics is { } metrics) TerminalVisibleLog.Line(BuildEngine, "Factory: " + metrics.SummaryLine());
        return result.ExitCode == FactoryExitCodes.Pass;
    }

    private bool RunNode(FactoryTaskSetup setup, string id, string runId)
    {
        if (!Files.TryGetValue(id, out var file))
        {
            Log.LogError(null, DiagnosticCodes.RepositoryNotUsable, DiagnosticCodes.RepositoryNotUsable, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.RepositoryNotUsable), PlanFile, 0, 0, 0, 0,
                "ExecuteWorkOrder: {0} is not one of the plan's WorkOrder items", id);
            return false;
        }
        var options = setup.Options with { NoLand = true, RunId = runId, JoinRun = true };
        var outcome = Yielded(log => FactoryRunner.RunOneAsync(setup.Root, file, () => setup.Session, options, log, CancellationToken));
        Outcomes = [Report(outcome)];
        return outcome.ExitCode == FactoryExitCodes.Pass;
    }
}
