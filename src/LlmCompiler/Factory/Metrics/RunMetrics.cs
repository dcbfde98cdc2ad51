using System.Globalization;
using LlmCompiler.Factory.Records;

namespace LlmCompiler.Factory.Metrics;

/// <summary>
/// A run's line of <c>.llmc/metrics.jsonl</c>, computed from its work orders' lines: landed and blocked counts, the
/// executor-tier completion rate (landed without escalation, of the work orders that ran), the escalation and review
/// trigger rates, and the cost by role and by model.
/// </summary>
public sealed record RunMetrics
{
    public string Type { get; init; } = "run";
    public required string RunId { get; init; }
    public string Started { get; init; } = "";
    public int WorkOrders { get; init; }
    public int Ran { get; init; }
    public int Landed { get; init; }
    public int Failed { get; init; }
    public int Blocked { get; init; }
    public int AlreadyLanded { get; init; }
    public double ExecutorTierCompletion { get; init; }
    public double EscalationRate { get; init; }
    public double ReviewTriggerRate { get; init; }
    public int ReviewBlocks { get; init; }
    public double WallSeconds { get; init; }
    public decimal CostUsd { get; init; }
    public bool CostKnown { get; init; } = true;
    public IReadOnlyDictionary<string, LlmUsageRecord> ByRole { get; init; } = new Dictionary<string, LlmUsageRecord>();
    public IReadOnlyDictionary<string, LlmUsageRecord> ByModel { get; init; } = new Dictionary<string, LlmUsageRecord>();

    public static RunMetrics Of(string runId, DateTimeOffset started, IReadOnlyList<RunOutcome> outcomes, TimeSpan wall)
    {
        var ran = outcomes.Where(o => o.Metrics is not null).Select(o => o.Metrics!).ToList();
        double Rate(int n) => ran.Count == 0 ? 0 : Math.Round((double)n / ran.Count, 4);
        return new RunMetrics
        {
            RunId = runId, Started = started.ToString("O", CultureInfo.InvariantCulture), WorkOrders = outcomes.Count, Ran = ran.Count,
            Landed = ran.Count(m => m.Status == "PASS"), Failed = ran.Count(m => m.Status != "PASS"),
            Blocked = outcomes.Count(o => o.Verdict == "BLOCKED"), AlreadyLanded = outcomes.Count(o => o.Verdict == "DONE"),
            ExecutorTierCompletion = Rate(ran.Count(m => m.Status == "PASS" && !m.Escalated)),
            EscalationRate = Rate(ran.Count(m => m.Escalated)),
            ReviewTriggerRate = Rate(ran.Count(m => m.ReviewRan)),
            ReviewBlocks = ran.Sum(m => m.ReviewBlocks),
            WallSeconds = Math.Round(wall.TotalSeconds, 3),
            CostUsd = ran.Sum(m => m.CostUsd), CostKnown = ran.All(m => m.CostKnown),
            ByRole = Sum(ran.Select(m => m.ByRole)), ByModel = Sum(ran.Select(m => m.ByModel)),
        };
    }

    /// <summary>The short summary <c>run-all</c> and the Factory target print at the end.</summary>
    public string SummaryLine()
    {
        var cost = CostKnown ? CostUsd.ToString("$0.0000", CultureInfo.InvariantCulture) : "unknown";
        var byRole = ByRole.Count == 0 ? "" : "; by role: " + string.Join(", ", ByRole.Select(r => $"{r.Key} {r.Value.Calls} call(s) {(r.Value.CostKnown ? r.Value.CostUsd.ToString("$0.0000", CultureInfo.InvariantCulture) : "cost unknown")}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"metrics: {Landed} landed, {Failed} failed, {Blocked} blocked of {Ran} run; executor tier {ExecutorTierCompletion:P0}, escalated {EscalationRate:P0}, reviewed {ReviewTriggerRate:P0} ({ReviewBlocks} block(s)); cost {cost}{byRole}");
    }

    private static SortedDictionary<string, LlmUsageRecord> Sum(IEnumerable<IReadOnlyDictionary<string, LlmUsageRecord>> parts)
    {
        var total = new SortedDictionary<string, LlmUsageRecord>(StringComparer.Ordinal);
        foreach (var part in parts)
            foreach (var (key, value) in part) total[key] = total.TryGetValue(key, out var t) ? t.Plus(value) : value;
        return total;
    }
}
