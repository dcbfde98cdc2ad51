using LlmCompiler.Factory.Records;

namespace LlmCompiler.Factory.Metrics;

/// <summary>
/// One work order's line of <c>.llmc/metrics.jsonl</c>: how it ended, which role and model landed it, whether it
/// escalated, was reviewed or flaky, and its time, tokens and cost by role and by model.
/// </summary>
public sealed record WorkOrderMetrics
{
    public string Type { get; init; } = "work_order";
    public required string RunId { get; init; }
    public required string WorkOrderId { get; init; }
    public required string Status { get; init; }
    public string Difficulty { get; init; } = "medium";

    /// <summary>The role and model of the attempt that passed, or null when none did.</summary>
    public string? LandedByRole { get; init; }
    public string? LandedByModel { get; init; }
    public int Attempts { get; init; }
    public bool Escalated { get; init; }
    public bool ReviewRan { get; init; }
    public int ReviewBlocks { get; init; }
    public bool Flaky { get; init; }
    public double WallSeconds { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal CostUsd { get; init; }
    public bool CostKnown { get; init; } = true;
    public IReadOnlyDictionary<string, LlmUsageRecord> ByRole { get; init; } = new Dictionary<string, LlmUsageRecord>();
    public IReadOnlyDictionary<string, LlmUsageRecord> ByModel { get; init; } = new Dictionary<string, LlmUsageRecord>();
}
