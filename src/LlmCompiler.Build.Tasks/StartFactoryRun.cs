using LlmCompiler.Factory;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// The start of the Factory target: when the plan has <c>depends_on</c> and <c>LlmcMaxParallel</c> is above 1, takes
/// the repository lock for a new run (recovery and the clean-tree check included), reports what is already landed and
/// returns one <see cref="Nodes"/> item per work order to run — the node project with the work order's global
/// properties — for the MSBuild task to build in parallel, dependencies first. The lock stays held (a task object of
/// the build) until <see cref="LandWorkOrders"/> releases it, or the build ends. Otherwise returns no
/// <see cref="RunId"/>, and the target runs the plan in order with <see cref="ExecuteWorkOrder"/>.
/// </summary>
public sealed class StartFactoryRun : FactoryTask
{
    internal const string TaskObjectPrefix = "LlmCompiler.FanOutRun:";

    /// <summary>The project that runs one work order (the package's LlmcWorkOrder.proj).</summary>
    [Required]
    public string NodeProject { get; set; } = "";

    /// <summary>The run's id; empty when the plan runs in order instead.</summary>
    [Output]
    public string RunId { get; private set; } = "";

    /// <summary>The node project once per work order to run, <c>AdditionalProperties</c> naming it; plan order.</summary>
    [Output]
    public ITaskItem[] Nodes { get; private set; } = [];

    /// <summary>Each node's ancestors among the nodes, <c>|WO-02:WO-01|WO-04:WO-01,WO-02,WO-03|</c>: one value for every node.</summary>
    [Output]
    public string Edges { get; private set; } = "";

    protected override bool ExecuteCore()
    {
        var setup = Prepare();
        if (setup is null) return false;
        var start = Yielded(log => FactoryRunner.StartFanOutAsync(setup.Root, setup.WorkOrdersDirectory, setup.Options, log, CancellationToken));
        if (start.Finished is { } finished)
        {
            ReportRest(finished.Diagnostics, []);
            return false;
        }
        if (start.Run is not { } run) return true;

        Outcomes = [.. run.Decided.Select(Report)];
        ReportRest(run.Warnings, Outcomes);
        if (Outcomes.Any(o => o.GetMetadata("Verdict") is not ("DONE" or "PASS")))
        {
            // Refused up front (landed work that no longer holds): the run stops here, as a sequential one would.
            run.Dispose();
            return false;
        }
        BuildEngine4.RegisterTaskObject(TaskObjectPrefix + run.RunId, run, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        RunId = run.RunId;
        Nodes = [.. run.Nodes.Select(n =>
        {
            var item = new TaskItem(NodeProject);
            item.SetMetadata("AdditionalProperties", "LlmcWorkOrderId=" + n.Id);
            item.SetMetadata("WorkOrderId", n.Id);
            return (ITaskItem)item;
        })];
        Edges = "|" + string.Concat(run.Nodes.Select(n => $"{n.Id}:{string.Join(",", n.Ancestors)}|"));
        return true;
    }
}
