using System.Globalization;
using System.Text.Json.Nodes;

namespace LlmCompiler.Factory.Parallel;

/// <summary>
/// <c>batch_summary.json</c> of a parallel run (in-process or fanned out over MSBuild nodes): the schedule, and per
/// work order its verdict, slot, start and end, the work orders it overlapped with, and its commits.
/// </summary>
internal static class BatchSummary
{
    public static void Write(string directory, string batch, string? baseline, int maxParallel, IReadOnlyList<IReadOnlyList<string>> layers, IReadOnlyList<RunOutcome> outcomes)
    {
        var node = new JsonObject
        {
            ["batch"] = batch, ["baseline_commit"] = baseline, ["max_parallel"] = maxParallel,
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)new JsonArray([.. l.Select(id => (JsonNode)id)]))]),
            ["work_orders"] = new JsonArray([.. outcomes.Select(o => (JsonNode)new JsonObject
            {
                ["id"] = o.WorkOrderId, ["verdict"] = o.Verdict, ["slot"] = o.Slot, ["run_id"] = o.RunId,
                ["started"] = o.Started?.ToString("O", CultureInfo.InvariantCulture), ["finished"] = o.Finished?.ToString("O", CultureInfo.InvariantCulture),
                ["overlapped"] = new JsonArray([.. outcomes.Where(other => Overlap(o, other)).Select(other => (JsonNode)other.WorkOrderId)]),
                ["commit"] = o.Commit, ["landed_commit"] = o.LandedCommit,
            })]),
        };
        new RunArtifacts(directory).WriteJson("batch_summary.json", node);
    }

    private static bool Overlap(RunOutcome a, RunOutcome b) =>
        a.WorkOrderId != b.WorkOrderId && a.Started is { } s1 && a.Finished is { } e1 && b.Started is { } s2 && b.Finished is { } e2 && s1 < e2 && s2 < e1;
}
